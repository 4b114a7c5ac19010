import { PreconditionFailedError, PreconditionRequiredError, RequestHeaderFieldsTooLargeError } from '../errors';
import type { CapturedResponse, HeaderValue } from '../http/CapturedResponse';
import type { PreconditionResult } from './PreconditionResult';

const EMPTY = Buffer.alloc(0);

/** What a failed or required precondition says, by the header that decided. */
const DETAILS: Readonly<Record<string, string>> = Object.freeze({
  'if-match': 'If-Match does not match the current entity tag',
  'if-unmodified-since': 'The resource was modified after If-Unmodified-Since',
  'if-none-match': 'If-None-Match matches the current entity tag',
});

/**
 * The 304, 412, 428 or 431 answer for a precondition outcome other than `proceed`, built the
 * same way on both drivers. A 304 repeats what RFC 9110 §15.4.5 requires from `headers` (the
 * headers the 200 would have had); the others carry an RFC 9457 problem body, and a 412 the
 * current `ETag` so the client can decide how to retry.
 * @internal
 */
export function preconditionResponse(
  result: Exclude<PreconditionResult, { outcome: 'proceed' }>,
  headers: Readonly<Record<string, HeaderValue>>,
): CapturedResponse {
  if (result.outcome === 'not-modified') return { status: 304, headers: pickNotModifiedHeaders(headers), body: EMPTY };
  const error =
    result.outcome === 'precondition-failed'
      ? new PreconditionFailedError(DETAILS[result.header])
      : result.outcome === 'precondition-required'
        ? new PreconditionRequiredError()
        : new RequestHeaderFieldsTooLargeError(
            `${result.header === 'if-match' ? 'If-Match' : 'If-None-Match'} lists more entity tags than this server accepts`,
          );
  const body = Buffer.from(
    JSON.stringify({ type: 'about:blank', title: TITLES[error.httpCode], status: error.httpCode, detail: error.message }),
  );
  const problemHeaders: Record<string, HeaderValue> = {
    'content-type': 'application/problem+json; charset=utf-8',
    'cache-control': 'no-store',
  };
  if (result.outcome === 'precondition-failed' && headers.etag !== undefined) problemHeaders.etag = headers.etag;
  return { status: error.httpCode, headers: problemHeaders, body };
}

const TITLES: Readonly<Record<number, string>> = Object.freeze({
  412: 'Precondition Failed',
  428: 'Precondition Required',
  431: 'Request Header Fields Too Large',
});

/** Representation metadata a 304 leaves out (RFC 9110 §15.4.5); `Content-Location` stays. */
const REPRESENTATION_METADATA = /^(content-(?!location$).*|transfer-encoding)$/;

/**
 * The headers of a 304 that replaces a complete response: everything it had except the
 * representation metadata (`Content-Type`, `Content-Length`, …), and `Last-Modified` only
 * when there is no `ETag`.
 * @internal
 */
export function notModifiedReplacementHeaders(headers: Readonly<Record<string, HeaderValue>>): Record<string, HeaderValue> {
  const kept: Record<string, HeaderValue> = {};
  for (const name in headers) {
    if (REPRESENTATION_METADATA.test(name)) continue;
    if (name === 'last-modified' && headers.etag !== undefined) continue;
    kept[name] = headers[name];
  }
  return kept;
}

/**
 * Header fields a 304 Not Modified MUST carry when the 200 would have had them (RFC 9110
 * §15.4.5), lower-cased. Other representation metadata should be left out; `Last-Modified` is
 * the exception `pickNotModifiedHeaders` makes when there is no `ETag`.
 *
 * @example
 * ```ts
 * NOT_MODIFIED_HEADERS.includes('etag'); // true
 * ```
 */
export const NOT_MODIFIED_HEADERS = Object.freeze(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary'] as const);

const REQUIRED = new Set<string>(NOT_MODIFIED_HEADERS);

/**
 * Picks from a 200's headers those a 304 must repeat (RFC 9110 §15.4.5): `Cache-Control`,
 * `Content-Location`, `Date`, `ETag`, `Expires`, `Vary`, plus `Last-Modified` when there is no
 * `ETag` (it then guides cache updates). Names are matched case-insensitively and returned
 * lower-cased; `undefined` values are skipped. Everything else (`Content-Type`,
 * `Content-Length`, `Set-Cookie`, …) is dropped.
 *
 * @example
 * ```ts
 * pickNotModifiedHeaders({ ETag: '"v2"', 'Content-Type': 'application/json', Vary: 'Accept' });
 * // { etag: '"v2"', vary: 'Accept' }
 * ```
 */
export function pickNotModifiedHeaders<V>(headers: Readonly<Record<string, V | undefined>>): Record<string, V> {
  const picked: Record<string, V> = {};
  let lastModified: V | undefined;
  let hasEtag = false;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (REQUIRED.has(lower)) {
      picked[lower] = value;
      if (lower === 'etag') hasEtag = true;
    } else if (lower === 'last-modified') {
      lastModified = value;
    }
  }
  if (!hasEtag && lastModified !== undefined) picked['last-modified'] = lastModified;
  return picked;
}
