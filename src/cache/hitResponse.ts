import { type CapturedResponse, type HeaderValue, headerText } from '../http/CapturedResponse';
import type { RequestView } from '../http/RequestView';
import { evaluatePreconditions } from '../etag/evaluatePreconditions';
import { parseHttpDate } from '../etag/httpDate';
import { pickNotModifiedHeaders } from '../etag/preconditionResponses';

const EMPTY = Buffer.alloc(0);
const lastHits = new WeakMap<CapturedResponse, CapturedResponse>();

/**
 * What a cache hit sends: the stored response with `Age` and `Cache-Status`, or a 304 when the
 * request's If-None-Match / If-Modified-Since match the stored validators (RFC 9111 §4.3.2), so
 * revalidation costs no action run.
 * @internal
 */
export function hitResponse(request: RequestView, response: CapturedResponse, ageMs: number, cacheStatus: string): CapturedResponse {
  const etag = response.headers.etag;
  const lastModified = response.headers['last-modified'];
  if (
    (etag !== undefined || lastModified !== undefined) &&
    (request.headers['if-none-match'] !== undefined || request.headers['if-modified-since'] !== undefined)
  ) {
    const result = evaluatePreconditions({
      method: request.method,
      headers: { 'if-none-match': request.headerLines('if-none-match'), 'if-modified-since': request.headerLines('if-modified-since') },
      etag: etag === undefined ? undefined : headerText(etag),
      lastModified: lastModified === undefined ? undefined : parseHttpDate(headerText(lastModified)),
    });
    if (result.outcome === 'not-modified')
      return withHitHeaders({ status: 304, headers: pickNotModifiedHeaders(response.headers), body: EMPTY }, ageMs, cacheStatus);
  }
  return withHitHeaders(response, ageMs, cacheStatus);
}

/**
 * The response with `Age` and `Cache-Status` added. Hits within one second of age share one
 * frozen response object (per stored response: a long-lived key, so this WeakMap does not burden
 * the GC per request), so a hot entry costs no header copy per request.
 */
function withHitHeaders(response: CapturedResponse, ageMs: number, cacheStatus: string): CapturedResponse {
  const age = String(Math.max(0, Math.floor(ageMs / 1000)));
  const last = lastHits.get(response);
  if (last !== undefined && last.headers.age === age && last.headers['cache-status'] === cacheStatus) return last;
  const headers: Record<string, HeaderValue> = { ...response.headers, age, 'cache-status': cacheStatus };
  const hit = Object.freeze({ status: response.status, headers: Object.freeze(headers), body: response.body });
  lastHits.set(response, hit);
  return hit;
}
