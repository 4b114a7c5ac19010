import { getMetadataArgsStorage } from 'routing-controllers';
import { PreconditionFailedError, PreconditionRequiredError, RequestHeaderFieldsTooLargeError } from '../errors';
import type { CapturedResponse, HeaderValue } from '../http/CapturedResponse';
import { pickNotModifiedHeaders } from './notModifiedHeaders';
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
        : new RequestHeaderFieldsTooLargeError(`${result.header === 'if-match' ? 'If-Match' : 'If-None-Match'} lists more entity tags than this server accepts`);
  const body = Buffer.from(JSON.stringify({ type: 'about:blank', title: TITLES[error.httpCode], status: error.httpCode, detail: error.message }));
  const problemHeaders: Record<string, HeaderValue> = { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' };
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

const routeHeaders = new WeakMap<Function, Map<string, Readonly<Record<string, string>>>>();

/**
 * The headers routing-controllers' `@Header` adds to an action's responses, by lower-cased
 * name. A 304 answered before the action runs still owes the client its `Cache-Control`,
 * `Vary`, `Expires` and `Content-Location` (RFC 9110 §15.4.5); the driver only applies
 * `@Header` after the action. Read once per controller class and method.
 * @internal
 */
export function actionHeaders(controller: object, methodName: string): Readonly<Record<string, string>> {
  const type = controller.constructor;
  let methods = routeHeaders.get(type);
  if (!methods) routeHeaders.set(type, (methods = new Map()));
  let headers = methods.get(methodName);
  if (!headers) {
    const found: Record<string, string> = {};
    // Registration order: a base class is declared before its subclasses, whose @Header then wins.
    const handlers = getMetadataArgsStorage().responseHandlers.filter(
      (handler) => handler.type === 'header' && handler.method === methodName && (handler.target === type || type.prototype instanceof handler.target),
    );
    for (const handler of handlers) found[String(handler.value).toLowerCase()] = String(handler.secondaryValue);
    headers = Object.freeze(found);
    methods.set(methodName, headers);
  }
  return headers;
}
