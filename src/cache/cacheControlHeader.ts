import { InvalidOptionError } from '../errors';
import { headerText, type HeaderValue } from '../http/CapturedResponse';

/**
 * Cache-Control directives sent to clients and shared caches (RFC 9111 §5.2.2), independent of
 * the server-side `ttl`. Durations are in seconds, as Cache-Control counts them.
 */
export interface CacheControlDirectives {
  /** `public`: any cache may store the response. */
  public?: boolean;
  /** `private`: only the user's own cache may store it. */
  private?: boolean;
  /** `max-age`, seconds. */
  maxAgeSeconds?: number;
  /** `s-maxage` (shared caches), seconds. */
  sMaxAgeSeconds?: number;
  /** `stale-while-revalidate` (RFC 5861), seconds. */
  staleWhileRevalidateSeconds?: number;
  /** `stale-if-error` (RFC 5861), seconds. */
  staleIfErrorSeconds?: number;
  /** `no-cache`: caches must revalidate before every reuse. */
  noCache?: boolean;
  /** `must-revalidate`. */
  mustRevalidate?: boolean;
  /** `immutable` (RFC 8246). */
  immutable?: boolean;
  /** DESIGN §2.2 spelling of {@link maxAgeSeconds} (seconds). */
  maxAge?: number;
  /** DESIGN §2.2 spelling of {@link sMaxAgeSeconds} (seconds). */
  sMaxAge?: number;
  /** DESIGN §2.2 spelling of {@link staleWhileRevalidateSeconds} (seconds). */
  staleWhileRevalidate?: number;
  /** DESIGN §2.2 spelling of {@link staleIfErrorSeconds} (seconds). */
  staleIfError?: number;
}

const SECONDS_FIELDS = {
  maxAgeSeconds: 'max-age',
  sMaxAgeSeconds: 's-maxage',
  staleWhileRevalidateSeconds: 'stale-while-revalidate',
  staleIfErrorSeconds: 'stale-if-error',
  maxAge: 'max-age',
  sMaxAge: 's-maxage',
  staleWhileRevalidate: 'stale-while-revalidate',
  staleIfError: 'stale-if-error',
} as const;

const FLAG_FIELDS = {
  public: 'public',
  private: 'private',
  noCache: 'no-cache',
  mustRevalidate: 'must-revalidate',
  immutable: 'immutable',
} as const;

/**
 * Turns the `cacheControl` option (or `cdnCacheControl`, same form, named by `option`) into the
 * header value, validating it (startup errors name the option).
 * @internal
 */
export function formatCacheControl(value: unknown, owner: string, option = 'cacheControl'): string {
  if (value === 'public' || value === 'private') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(owner, option, "'public', 'private' or an object of directives", value);
  }
  const directives: string[] = [];
  for (const [field, raw] of Object.entries(value)) {
    if (raw === undefined) continue;
    if (field in FLAG_FIELDS) {
      if (typeof raw !== 'boolean') throw new InvalidOptionError(owner, `${option}.${field}`, 'a boolean', raw);
      if (raw) directives.push(FLAG_FIELDS[field as keyof typeof FLAG_FIELDS]);
    } else if (field in SECONDS_FIELDS) {
      if (!Number.isInteger(raw) || (raw as number) < 0) {
        throw new InvalidOptionError(owner, `${option}.${field}`, 'a non-negative integer number of seconds', raw);
      }
      directives.push(`${SECONDS_FIELDS[field as keyof typeof SECONDS_FIELDS]}=${raw}`);
    } else {
      throw new InvalidOptionError(
        owner,
        `${option}.${field}`,
        `one of ${[...Object.keys(FLAG_FIELDS), ...Object.keys(SECONDS_FIELDS)].join(', ')}`,
        field,
      );
    }
  }
  if (new Set(directives.map((directive) => directive.split('=')[0])).size !== directives.length) {
    throw new InvalidOptionError(owner, option, 'each directive once (maxAge and maxAgeSeconds name the same one)', value);
  }
  const text = directives.join(', ');
  if (directives.includes('public') && directives.includes('private')) {
    throw new InvalidOptionError(owner, option, 'either public or private, not both', value);
  }
  return text;
}

/**
 * A Cache-Control value with `private` first (only the user's own cache may store it), without
 * the directives that speak to shared caches (`public`, `s-maxage`).
 * @internal
 */
export function makePrivate(cacheControl: string): string {
  const directives = cacheControl
    .split(',')
    .map((directive) => directive.trim())
    .filter((directive) => !/^(private|public|s-maxage(=.*)?)?$/i.test(directive));
  return ['private', ...directives].join(', ');
}

const SCOPE_DIRECTIVE = /(^|[\s,])(private|public|no-store)($|[\s,=])/i;

/**
 * The Cache-Control a cached route sends a client, given the one the action set (`current`).
 * The action's own wins, except that a user-scoped response (`isPrivate`) that states no scope
 * of its own (`private`, `public`, `no-store`) gets `private` added: only narrowing, never
 * widening. Without one: `configured` (the option, made private for user-scoped responses) on
 * statuses below 400; a user-scoped error still gets `private`.
 * @internal
 */
export function clientCacheControl(
  current: HeaderValue | undefined,
  status: number,
  configured: string | undefined,
  isPrivate: boolean,
): HeaderValue | undefined {
  if (current !== undefined) return isPrivate && !SCOPE_DIRECTIVE.test(headerText(current)) ? makePrivate(headerText(current)) : current;
  if (status < 400) return configured;
  return isPrivate ? 'private' : undefined;
}
