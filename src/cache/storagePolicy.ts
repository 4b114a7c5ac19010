import { type CapturedResponse, type HeaderValue, headerText } from '../http/CapturedResponse';
import type { RequestView } from '../http/RequestView';

/** Why a response was not stored (reported in events and in `Cache-Status` detail). */
export type NotStoredReason =
  'method' | 'credentialed-request' | 'status' | 'set-cookie' | 'no-store' | 'private' | 'vary-star' | 'too-large' | 'aborted';

/** Statuses stored by default (RFC 9110 §15.1 heuristically cacheable, minus the error ones). */
export const DEFAULT_CACHEABLE_STATUSES: readonly number[] = Object.freeze([200, 203, 204, 300, 301, 410]);

/** Statuses `cacheErrors: true` adds: the heuristically cacheable 4xx/5xx plus 400, 403, 500–504. */
export const ERROR_STATUSES: readonly number[] = Object.freeze([400, 403, 404, 405, 414, 500, 501, 502, 503, 504]);

/**
 * Response headers never stored: hop-by-hop ones (RFC 9110 §7.6.1), per-response ones (`Date`,
 * `Set-Cookie`), and ones the replay computes itself (`Content-Length`, `Age`, `Cache-Status`).
 */
const UNSTORED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'date',
  'set-cookie',
  'content-length',
  'age',
  'cache-status',
]);

/**
 * Whether a request may use the shared cache at all. Requests with credentials would otherwise
 * receive (or plant) another user's response: they are cached only when the key names the user
 * or the route is declared public (RFC 9111 §3.5).
 */
export function requestBypassReason(
  request: RequestView,
  userScoped: boolean,
  credentialHeaders: readonly string[],
): NotStoredReason | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return 'method';
  if (!userScoped && credentialHeaders.some((name) => request.headers[name] !== undefined)) return 'credentialed-request';
  return undefined;
}

/**
 * Why a captured GET response must not be stored, or `undefined` when it may be.
 * `ownCacheControl`: the response's Cache-Control came from the `cacheControl` option.
 */
export function responseNotStorableReason(
  response: CapturedResponse,
  statuses: ReadonlySet<number>,
  ownCacheControl = false,
): NotStoredReason | undefined {
  if (!statuses.has(response.status)) return 'status';
  const headers = response.headers;
  if (headers['set-cookie'] !== undefined) return 'set-cookie';
  // A Cache-Control the `cacheControl` option added speaks to clients, not to this cache.
  const cacheControl = ownCacheControl ? '' : headerText(headers['cache-control']).toLowerCase();
  if (cacheControl) {
    if (/(^|[\s,])no-store($|[\s,=])/.test(cacheControl)) return 'no-store';
    if (/(^|[\s,])private($|[\s,=])/.test(cacheControl)) return 'private';
  }
  if (
    headerText(headers.vary)
      .split(',')
      .some((name) => name.trim() === '*')
  )
    return 'vary-star';
  return undefined;
}

/** The headers worth storing: everything except {@link UNSTORED_HEADERS} and `Connection`-listed ones. */
export function storableHeaders(headers: Readonly<Record<string, HeaderValue>>): Record<string, HeaderValue> {
  const connectionListed = headerText(headers.connection)
    .toLowerCase()
    .split(',')
    .map((name) => name.trim());
  const kept: Record<string, HeaderValue> = {};
  for (const name in headers) {
    if (!UNSTORED_HEADERS.has(name) && !connectionListed.includes(name)) kept[name] = headers[name];
  }
  return kept;
}

/** Adds `names` to a `Vary` value, keeping what is there and not repeating a name. */
export function mergeVary(existing: HeaderValue | undefined, names: readonly string[]): string {
  const current = headerText(existing)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const lower = new Set(current.map((name) => name.toLowerCase()));
  return [...current, ...names.filter((name) => !lower.has(name))].join(', ');
}
