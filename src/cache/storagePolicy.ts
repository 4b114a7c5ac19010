import { type CapturedResponse, type HeaderValue, headerText } from '../http/CapturedResponse';
import type { RequestView } from '../http/RequestView';

/**
 * Why a response was not stored, or a request bypassed the cache (reported in events and in
 * `Cache-Status` detail): `condition` (the option answered false, or threw), `unless` (it
 * answered true, or threw), `ttl` (a `ttl` function threw or answered no positive number),
 * `stale-if-error` (a stale entry was served in place of the action's error).
 */
export type NotStoredReason =
  | 'method'
  | 'credentialed-request'
  | 'status'
  | 'set-cookie'
  | 'no-store'
  | 'private'
  | 'vary-star'
  | 'too-large'
  | 'aborted'
  | 'condition'
  | 'unless'
  | 'ttl'
  | 'stale-if-error';

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
 * Whether a request may use the shared cache at all, as far as its method and headers tell.
 * Requests with credentials would otherwise receive (or plant) another user's response: they
 * are cached only when the key names the user or the route is declared public (RFC 9111 §3.5).
 * (A current user found by the app's `currentUserChecker` counts too; the step asks for it.)
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
 * `cacheControl` is the Cache-Control the action itself set (what the cache added for clients
 * does not speak to this cache); `secondaryVary` the response's own Vary names beyond the key's
 * (see {@link secondaryVary}).
 */
export function responseNotStorableReason(
  response: CapturedResponse,
  statuses: ReadonlySet<number>,
  cacheControl: HeaderValue | undefined,
  secondary: readonly string[] | '*',
): NotStoredReason | undefined {
  if (!statuses.has(response.status)) return 'status';
  if (response.headers['set-cookie'] !== undefined) return 'set-cookie';
  const directives = headerText(cacheControl).toLowerCase();
  if (directives) {
    if (/(^|[\s,])no-store($|[\s,=])/.test(directives)) return 'no-store';
    if (/(^|[\s,])private($|[\s,=])/.test(directives)) return 'private';
  }
  if (secondary === '*') return 'vary-star';
  return undefined;
}

/**
 * The request headers a response varies on (its own `Vary`, lower-cased) beyond those the key
 * already holds (`keyVary`, where `'*'` covers every header): the secondary key of RFC 9111
 * §4.1. `'*'` when the response varies on everything else (never stored).
 *
 * @example
 * ```ts
 * secondaryVary('Accept, Accept-Encoding', ['accept']); // ['accept-encoding']
 * ```
 */
export function secondaryVary(vary: HeaderValue | undefined, keyVary: readonly string[]): readonly string[] | '*' {
  if (vary === undefined || keyVary.includes('*')) return NONE;
  let names: string[] | undefined;
  for (const raw of headerText(vary).split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '' || keyVary.includes(name) || names?.includes(name)) continue;
    if (name === '*') return '*';
    (names ??= []).push(name);
  }
  return names ?? NONE;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * A request's values of the secondary headers, as RFC 9111 §4.1 lets a cache normalise them
 * (field lines combined, whitespace around commas removed); `null` for an absent header, which
 * differs from an empty one.
 */
export function secondaryValues(headers: Readonly<Record<string, string>>, names: readonly string[]): (string | null)[] {
  return names.map((name) => {
    const value = headers[name];
    return value === undefined ? null : value.trim().replace(/\s*,\s*/g, ',');
  });
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

/**
 * Adds `names` to a `Vary` value, keeping what is there and not repeating a name (compared
 * case-insensitively); `*` stays alone, since it already says everything.
 *
 * @example
 * ```ts
 * mergeVary('Accept-Encoding', ['Accept', 'accept-encoding']); // 'Accept-Encoding, Accept'
 * ```
 */
export function mergeVary(existing: HeaderValue | undefined, names: readonly string[]): string {
  const current = headerText(existing)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const lower = new Set(current.map((name) => name.toLowerCase()));
  for (const name of names) {
    if (lower.has(name.toLowerCase())) continue;
    lower.add(name.toLowerCase());
    current.push(name);
  }
  return lower.has('*') ? '*' : current.join(', ');
}

/** A header name as HTTP documents spell it (`accept-language` → `Accept-Language`), for `Vary`. */
export function displayHeaderName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}
