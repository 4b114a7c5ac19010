import type { ServerResponse } from 'node:http';
import Negotiator from 'negotiator';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { headerText, type CapturedResponse, type HeaderValue } from './CapturedResponse';

/*
 * Content codings of stored responses (RFC 9110 §8.4, §12.5.3). A response captured after a
 * compression middleware (koa-compress) holds compressed bytes; replaying them to a client that
 * did not ask for that coding sends it bytes it cannot read. This module decides, and decodes
 * the codings the Node middlewares produce (gzip, deflate, br) with node:zlib. Pure: no request
 * or response objects except in `weakenEtagWhenEncoded`.
 */

/** Codings this module can undo, by their name in Content-Encoding (x-gzip is gzip, RFC 9110 §8.4.1.3). */
const DECODERS: Readonly<Record<string, (body: Buffer) => Buffer>> = Object.freeze({
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  // "deflate" is the zlib format (RFC 1950), but some servers send raw deflate: accept both.
  deflate: (body: Buffer) => {
    try {
      return inflateSync(body);
    } catch {
      return inflateRawSync(body);
    }
  },
  br: brotliDecompressSync,
});

const decodedOf = new WeakMap<CapturedResponse, CapturedResponse | null>();

/** Accept-Encoding × Content-Encoding pairs decided before (clients send few distinct values). */
const decisions = new Map<string, boolean>();
const DECISIONS_MAX = 256;

/** Marks a response whose `setHeader` already weakens tags. */
const WEAKENING = Symbol('routing-controllers-extensions:weaken-etag');

/**
 * The content codings of a `Content-Encoding` value, in the order they were applied,
 * lower-cased, `identity` left out.
 *
 * @example
 * ```ts
 * contentCodings('gzip'); // ['gzip']
 * contentCodings(undefined); // []
 * ```
 */
export function contentCodings(contentEncoding: HeaderValue | undefined): readonly string[] {
  if (contentEncoding === undefined) return [];
  return headerText(contentEncoding)
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

/**
 * Whether a client sending `acceptEncoding` accepts every coding of `contentEncoding`
 * (RFC 9110 §12.5.3, negotiated by `negotiator` as the compression middlewares do). A request
 * without Accept-Encoding accepts only identity here: the RFC would allow any coding, but curl,
 * health checks and most SDKs do not decode, and no compression middleware encodes for them.
 *
 * @example
 * ```ts
 * acceptsCodings('gzip, br', 'br'); // true
 * acceptsCodings(undefined, 'gzip'); // false
 * ```
 */
export function acceptsCodings(acceptEncoding: string | undefined, contentEncoding: HeaderValue | undefined): boolean {
  const codings = contentCodings(contentEncoding);
  if (codings.length === 0) return true;
  const pair = `${acceptEncoding ?? ''}\n${acceptEncoding === undefined ? 'absent' : 'present'}\n${codings.join(',')}`;
  const known = decisions.get(pair);
  if (known !== undefined) return known;
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } });
  const accepted = codings.every((coding) => negotiator.encodings([coding === 'x-gzip' ? 'gzip' : coding]).length > 0);
  if (decisions.size >= DECISIONS_MAX) decisions.delete(decisions.keys().next().value as string);
  decisions.set(pair, accepted);
  return accepted;
}

/**
 * `response` as a client sending `acceptEncoding` may receive it: the response itself when its
 * content coding is acceptable, else the same response decoded to identity (`Content-Encoding`
 * removed, a strong `ETag` made weak, since the bytes differ while the content does not), or
 * `undefined` when a coding cannot be undone (then it must not be sent). Decodings are
 * remembered per response object, so a stored response is decoded once.
 *
 * @example
 * ```ts
 * const sendable = representationFor(stored, request.headers['accept-encoding']);
 * if (sendable === undefined) return next(); // a cache treats it as a miss
 * ```
 */
export function representationFor(response: CapturedResponse, acceptEncoding: string | undefined): CapturedResponse | undefined {
  const encoding = response.headers['content-encoding'];
  if (encoding === undefined || acceptsCodings(acceptEncoding, encoding)) return response;
  const known = decodedOf.get(response);
  if (known !== undefined) return known ?? undefined;
  const decoded = decode(response);
  decodedOf.set(response, decoded ?? null);
  return decoded;
}

/**
 * A replayed response (an idempotent outcome) as the client may receive it: see
 * {@link representationFor}; when the coding cannot be undone, a 406 problem response instead
 * (the outcome stays stored: a retry that accepts the coding gets it).
 *
 * @example
 * ```ts
 * return exchange.respond(replayForClient(replayResponse(stored, null), exchange.request.headers['accept-encoding']));
 * ```
 */
export function replayForClient(response: CapturedResponse, acceptEncoding: string | undefined): CapturedResponse {
  return representationFor(response, acceptEncoding) ?? notAcceptable(headerText(response.headers['content-encoding']));
}

/**
 * Makes a strong `ETag` of `res` weak once a content coding is applied to it (by a compression
 * middleware below the route, which sets `Content-Encoding` as the head goes out): a strong
 * validator names exact bytes (RFC 9110 §8.8.1), and gzip and identity bytes differ. Watches
 * `res.setHeader`, which both `compression` and `koa-compress` use.
 * @internal
 */
export function weakenEtagWhenEncoded(res: ServerResponse): void {
  const marked = res as ServerResponse & { [WEAKENING]?: true };
  if (marked[WEAKENING]) return;
  marked[WEAKENING] = true;
  const setHeader = res.setHeader;
  res.setHeader = function (this: ServerResponse, name: string, value: HeaderValue) {
    const lower = name.toLowerCase();
    if (lower === 'content-encoding' && contentCodings(value).length > 0) {
      const etag = this.getHeader('etag');
      if (typeof etag === 'string' && etag.startsWith('"')) setHeader.call(this, 'etag', `W/${etag}`);
    } else if (
      lower === 'etag' &&
      typeof value === 'string' &&
      value.startsWith('"') &&
      contentCodings(this.getHeader('content-encoding') as HeaderValue | undefined).length > 0
    ) {
      value = `W/${value}`;
    }
    return setHeader.call(this, name, value);
  } as ServerResponse['setHeader'];
}

function decode(response: CapturedResponse): CapturedResponse | undefined {
  let body = response.body;
  const codings = contentCodings(response.headers['content-encoding']);
  // Codings are listed in the order applied: undo them last first.
  for (let index = codings.length - 1; index >= 0; index--) {
    const decoder = DECODERS[codings[index]];
    if (decoder === undefined) return undefined;
    try {
      body = decoder(body);
    } catch {
      return undefined;
    }
  }
  const headers: Record<string, HeaderValue> = {};
  for (const name in response.headers) if (name !== 'content-encoding' && name !== 'content-length') headers[name] = response.headers[name];
  const etag = response.headers.etag;
  if (typeof etag === 'string' && etag.startsWith('"')) headers.etag = `W/${etag}`;
  return Object.freeze({ status: response.status, headers: Object.freeze(headers), body });
}

function notAcceptable(coding: string): CapturedResponse {
  const body = Buffer.from(
    JSON.stringify({
      type: 'about:blank',
      title: 'Not Acceptable',
      status: 406,
      detail: `the stored response is in the content coding "${coding}", which this request's Accept-Encoding does not accept`,
    }),
  );
  return {
    status: 406,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store', vary: 'Accept-Encoding' },
    body,
  };
}
