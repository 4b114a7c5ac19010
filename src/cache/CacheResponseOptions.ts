import type { Clock } from '../clock';
import { InvalidOptionError } from '../errors';
import { KeyConstructor } from '../keys/KeyConstructor';
import { checkKeyFunc, keyFuncDefaults, resolveKeyFunc, type KeyFunc, type ResolvedKeyFunc } from '../keys/KeyFunc';
import { isLock, resolveLock, type Lock } from '../locks/Lock';
import type { ExtensionsSettings } from '../settings';
import { isStorage, resolveStorage, type Storage } from '../storage/Storage';
import { formatCacheControl, makePrivate, type CacheControlDirectives } from './cacheControlHeader';
import { checkRuleFunctions, type CacheCondition, type CacheUnless, type TtlFunction } from './cacheRules';
import type { SurrogateKeyHeader } from './cdn';
import { DEFAULT_CACHEABLE_STATUSES, ERROR_STATUSES, displayHeaderName } from './storagePolicy';
import { parseTagList, type TagList, type TagTemplates } from './tagTemplates';

/**
 * Options of {@link cacheResponse}. Unset fields fall back to `configureExtensions` settings.
 *
 * @example
 * ```ts
 * const options: CacheResponseOptions = {
 *   ttl: (context, response) => (response.headers['x-volatile'] ? 5_000 : 60_000),
 *   condition: (context) => context.request.query.preview === undefined,
 *   unless: (context, response) => response.body.length === 2, // an empty JSON list
 *   tags: ['city:{id}'],
 *   staleIfError: 10 * 60_000,
 *   cdnCacheControl: { maxAgeSeconds: 300 },
 * };
 * ```
 */
export interface CacheResponseOptions {
  /**
   * How long a stored response is fresh, in milliseconds; or a function of the context and the
   * captured response returning it (called once per stored response). A function that throws
   * or returns anything but a positive number stores nothing (a `not-stored` event, reason
   * `ttl`, says what it returned); the response is still sent.
   * @default settings.defaultCacheResponseTimeout (5 minutes)
   */
  ttl?: number | TtlFunction;
  /**
   * Name of the store (`configureExtensions({ caches })`), or a `Storage`.
   * @default settings.defaultUseCache ('default')
   */
  cache?: string | Storage;
  /**
   * Builds the cache key: a `KeyConstructor`, a function of the context, or a controller method name.
   * @default settings.defaultKeyFunc (DefaultKeyConstructor)
   */
  keyFunc?: KeyFunc;
  /**
   * Also store error responses (4xx/5xx of {@link ERROR_STATUSES}). drf-extensions defaults to
   * true and so caches outages; we do not.
   * @default settings.defaultCacheErrors (false)
   */
  cacheErrors?: boolean;
  /**
   * Statuses that may be stored.
   * @default [200, 203, 204, 300, 301, 410] (plus the error ones with `cacheErrors`)
   */
  statuses?: readonly number[];
  /**
   * Request header names the response varies on besides those the key's bits declare: their
   * values join the key and their names the `Vary` response header. (A response's own `Vary`
   * is honoured without this: it keeps variants apart as a secondary key.)
   * @default []
   */
  vary?: readonly string[];
  /**
   * `Cache-Control` sent to clients on responses below 400 (never replacing one the action
   * set); independent of `ttl`. Object fields are seconds (`maxAge` or `maxAgeSeconds`, …).
   * With a key that identifies the user (a `UserKeyBit`) it is sent `private`, and `public` or
   * `sMaxAge` there fail at startup.
   * @default none (`private` with a user-identifying key)
   */
  cacheControl?: 'public' | 'private' | CacheControlDirectives;
  /**
   * Extra invalidation tags of an entry (its path is always a tag), for `@invalidates` and
   * `invalidateTags`, and the surrogate keys a CDN gets (settings `cdn`): names, where
   * `{param}` is the request's route parameter (`['city:{id}']`; a placeholder naming no
   * parameter of the route fails when the app is built), or a function of the context.
   * @default none
   */
  tags?: TagList;
  /**
   * Whether this request may use the cache: `false` bypasses it (nothing read, nothing stored,
   * `Cache-Status: …; fwd=bypass`). Evaluated after the credential check, before the key is
   * built. One that throws or answers a non-boolean bypasses too (an event says why).
   * @default none (every request may)
   */
  condition?: CacheCondition;
  /**
   * Whether this response must not be stored: `true` sends it and keeps nothing (Spring's
   * `unless`). Only asked for responses the storage policy would store. One that throws or
   * answers a non-boolean stores nothing (an event says why).
   * @default none
   */
  unless?: CacheUnless;
  /**
   * How long past its freshness (`ttl`) a stored entry may stand in for an error (RFC 5861
   * `stale-if-error`, on the server), in milliseconds: when the action throws an error of status
   * ≥ 500 or answers ≥ 500, the stale entry is sent instead, marked
   * `Cache-Status: <cache>; fwd=stale; fwd-status=<status>; detail=stale-if-error`, and a
   * `stale-if-error` event carries the error. Entries are kept `ttl + staleWhileRevalidate +
   * staleIfError`. An invalidated entry is never served.
   * @default 0 (errors go through)
   */
  staleIfError?: number;
  /**
   * `CDN-Cache-Control` (RFC 9213) sent on responses below 400 that any client may share, in the
   * form of `cacheControl` (seconds: `{ maxAgeSeconds: 300, staleIfErrorSeconds: 600 }`): what a
   * CDN in front obeys instead of `Cache-Control`. Never sent when the action set its own, nor
   * on `private` / `no-store` responses; a user-identifying key fails at startup.
   * @default none
   */
  cdnCacheControl?: 'public' | 'private' | CacheControlDirectives;
  /**
   * How long past its `ttl` a stale entry is still served at once while one refresh runs, in ms.
   * @default 0
   */
  staleWhileRevalidate?: number;
  /**
   * A lock name (`configureExtensions({ locks })`) or instance for single-flight across
   * processes: concurrent misses on one key run the action once in total.
   * @default none (single-flight within the process only)
   */
  lock?: string | Lock;
  /**
   * Cache requests that carry credentials (settings `credentialHeaders`, or a current user
   * found by the app's `currentUserChecker`) although the key has no `UserKeyBit`: declares that
   * the response is the same for everyone. Contradicts a user-identifying key (startup error).
   * @default false
   */
  public?: boolean;
  /**
   * Largest body stored, in bytes; larger responses are sent but not stored.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
}

/** Defaults that do not come from settings. */
export const DEFAULT_CACHE_RESPONSE_OPTIONS = Object.freeze({
  vary: Object.freeze([]) as readonly string[],
  staleWhileRevalidate: 0,
  staleIfError: 0,
  public: false,
  maxBodyBytes: 1 << 20,
});

/** Options as validated when the decorator is applied; settings-backed fields stay optional. @internal */
export interface ValidatedCacheResponseOptions {
  /** The `ttl` when a number (else the settings' default applies until the function answers). */
  readonly ttl?: number;
  readonly ttlFunction?: TtlFunction;
  readonly condition?: CacheCondition;
  readonly unless?: CacheUnless;
  readonly cache?: string | Storage;
  readonly keyFunc?: KeyFunc;
  readonly cacheErrors?: boolean;
  readonly statuses?: readonly number[];
  readonly vary: readonly string[];
  readonly cacheControl?: string;
  readonly cdnCacheControl?: string;
  readonly tags?: TagTemplates;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  readonly lock?: string | Lock;
  readonly public: boolean;
  readonly maxBodyBytes: number;
}

const KNOWN = new Set([
  'ttl',
  'cache',
  'keyFunc',
  'cacheErrors',
  'statuses',
  'vary',
  'cacheControl',
  'tags',
  'staleWhileRevalidate',
  'staleIfError',
  'lock',
  'public',
  'maxBodyBytes',
  'condition',
  'unless',
  'cdnCacheControl',
]);

/**
 * Validates `@cacheResponse(ttlOrOptions)` when the decorator is applied; every error is an
 * `InvalidOptionError` naming `owner` (the decorator and `Controller.method`), the option and the value.
 * @internal
 */
export function validateCacheResponseOptions(
  ttlOrOptions: number | CacheResponseOptions | undefined,
  owner: string,
): ValidatedCacheResponseOptions {
  const options: CacheResponseOptions = typeof ttlOrOptions === 'number' ? { ttl: ttlOrOptions } : (ttlOrOptions ?? {});
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError(owner, 'options', 'a ttl in milliseconds or an options object', ttlOrOptions);
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw new InvalidOptionError(owner, name, `one of ${[...KNOWN].join(', ')}`, name);
  }
  const { ttl, cache, cacheErrors, statuses, vary, staleWhileRevalidate, staleIfError, maxBodyBytes, lock, tags } = options;
  if (ttl !== undefined && typeof ttl !== 'function' && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0))
    throw new InvalidOptionError(owner, 'ttl', 'a positive number of milliseconds or a function (context, response) => number', ttl);
  checkRuleFunctions(options, owner);
  if (cache !== undefined && !(typeof cache === 'string' ? cache !== '' : isStorage(cache)))
    throw new InvalidOptionError(owner, 'cache', 'a store name or a Storage', cache);
  if (cacheErrors !== undefined && typeof cacheErrors !== 'boolean')
    throw new InvalidOptionError(owner, 'cacheErrors', 'a boolean', cacheErrors);
  if (options.public !== undefined && typeof options.public !== 'boolean')
    throw new InvalidOptionError(owner, 'public', 'a boolean', options.public);
  if (
    statuses !== undefined &&
    !(Array.isArray(statuses) && statuses.every((s) => Number.isInteger(s) && s >= 200 && s <= 599 && s !== 206 && s !== 304))
  ) {
    throw new InvalidOptionError(owner, 'statuses', 'an array of final statuses (200–599, not 206 or 304)', statuses);
  }
  if (
    vary !== undefined &&
    !(Array.isArray(vary) && vary.every((h) => typeof h === 'string' && /^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(h) && h !== '*'))
  ) {
    throw new InvalidOptionError(owner, 'vary', 'an array of header names', vary);
  }
  if (staleWhileRevalidate !== undefined && !(Number.isFinite(staleWhileRevalidate) && staleWhileRevalidate >= 0)) {
    throw new InvalidOptionError(owner, 'staleWhileRevalidate', 'a non-negative number of milliseconds', staleWhileRevalidate);
  }
  if (staleIfError !== undefined && !(typeof staleIfError === 'number' && Number.isFinite(staleIfError) && staleIfError >= 0)) {
    throw new InvalidOptionError(owner, 'staleIfError', 'a non-negative number of milliseconds', staleIfError);
  }
  if (maxBodyBytes !== undefined && !(Number.isInteger(maxBodyBytes) && maxBodyBytes > 0)) {
    throw new InvalidOptionError(owner, 'maxBodyBytes', 'a positive integer number of bytes', maxBodyBytes);
  }
  if (lock !== undefined && !(typeof lock === 'string' ? lock !== '' : isLock(lock))) {
    throw new InvalidOptionError(owner, 'lock', 'a lock name or a Lock', lock);
  }
  const tagTemplates = tags === undefined ? undefined : parseTagList(tags, owner, 'tags');
  if (options.keyFunc !== undefined) checkKeyFunc(options.keyFunc, owner, 'keyFunc');
  const cacheControl = options.cacheControl === undefined ? undefined : formatCacheControl(options.cacheControl, owner);
  const cdnCacheControl =
    options.cdnCacheControl === undefined ? undefined : formatCacheControl(options.cdnCacheControl, owner, 'cdnCacheControl');
  if (options.keyFunc instanceof KeyConstructor && options.keyFunc.identifiesUser()) {
    checkUserScoped(options.public ?? false, cacheControl, owner, 'keyFunc', cdnCacheControl);
  }
  return Object.freeze({
    ttl: typeof ttl === 'number' ? ttl : undefined,
    ttlFunction: typeof ttl === 'function' ? ttl : undefined,
    condition: options.condition,
    unless: options.unless,
    cache,
    keyFunc: options.keyFunc,
    cacheErrors,
    statuses: statuses && Object.freeze([...statuses]),
    vary: Object.freeze((vary ?? DEFAULT_CACHE_RESPONSE_OPTIONS.vary).map((h) => h.toLowerCase())),
    cacheControl,
    cdnCacheControl,
    tags: tagTemplates,
    staleWhileRevalidate: staleWhileRevalidate ?? DEFAULT_CACHE_RESPONSE_OPTIONS.staleWhileRevalidate,
    staleIfError: staleIfError ?? DEFAULT_CACHE_RESPONSE_OPTIONS.staleIfError,
    lock,
    public: options.public ?? DEFAULT_CACHE_RESPONSE_OPTIONS.public,
    maxBodyBytes: maxBodyBytes ?? DEFAULT_CACHE_RESPONSE_OPTIONS.maxBodyBytes,
  });
}

/**
 * `@cacheResponse` options merged with the settings a route is bound to.
 * @internal
 */
export interface ResolvedCacheOptions {
  readonly ttl: number;
  readonly storage: Storage;
  /** How `Cache-Status` names the store: its name, or `cache` for a Storage given directly. */
  readonly cacheName: string;
  readonly keyFunc: ResolvedKeyFunc;
  /** The key function as given (the option, or the setting), for the early-path decision. */
  readonly keySource: KeyFunc;
  /** Whether credentialed requests may use the cache: the key names the user, or the route is public. */
  readonly userScoped: boolean;
  /** The key identifies the user: what the route sends is `Cache-Control: private`. */
  readonly keyIdentifiesUser: boolean;
  /**
   * Request headers the key holds (its bits' `vary` and the `vary` option), lower-cased; `'*'`
   * for all. A response's own Vary beyond these is its secondary key.
   */
  readonly keyVary: readonly string[];
  /** {@link keyVary} as sent in `Vary` (`Accept-Language`, …). */
  readonly varyNames: readonly string[];
  /** `Cache-Control` for clients of responses any client may share (the option), if any. */
  readonly sharedCacheControl?: string;
  /** `Cache-Control` for clients of user-scoped responses: the option made private, or `private`. */
  readonly privateCacheControl: string;
  /** `CDN-Cache-Control` of shared responses (the option), if any. */
  readonly cdnCacheControl?: string;
  /** Where responses carry their surrogate keys for a CDN (settings `cdn`), if anywhere. */
  readonly surrogateKeyHeader?: SurrogateKeyHeader;
  readonly statuses: ReadonlySet<number>;
  readonly lock?: Lock;
  readonly clock: Clock;
  /** Request headers that carry credentials (the setting). */
  readonly credentialHeaders: readonly string[];
}

/**
 * Merges validated decorator options with the settings a route is bound to; an unknown store or
 * lock name throws `InvalidOptionError` naming `owner` (the decorator and the route).
 * @internal
 */
export function resolveCacheOptions(
  options: ValidatedCacheResponseOptions,
  settings: Readonly<ExtensionsSettings>,
  owner: string,
): ResolvedCacheOptions {
  const cache = options.cache ?? settings.defaultUseCache;
  const keyFunc = options.keyFunc ?? settings.defaultKeyFunc;
  const cacheErrors = options.cacheErrors ?? settings.defaultCacheErrors;
  const statuses = options.statuses ?? DEFAULT_CACHEABLE_STATUSES;
  const constructor = keyFunc instanceof KeyConstructor ? keyFunc : undefined;
  const keyIdentifiesUser = constructor?.identifiesUser() ?? false;
  if (keyIdentifiesUser) {
    checkUserScoped(
      options.public,
      options.cacheControl,
      owner,
      options.keyFunc === undefined ? 'keyFunc (settings.defaultKeyFunc)' : 'keyFunc',
      options.cdnCacheControl,
    );
  }
  const keyVary = [...new Set([...(constructor?.varyHeaders() ?? []), ...options.vary])];
  const covered = keyVary.includes('*') ? ['*'] : keyVary;
  return {
    ttl: options.ttl ?? settings.defaultCacheResponseTimeout,
    storage: typeof cache === 'string' ? resolveStorage(settings.caches, cache, owner) : cache,
    cacheName: typeof cache === 'string' ? cache : 'cache',
    keyFunc: resolveKeyFunc(
      keyFunc,
      owner,
      options.keyFunc === undefined ? 'keyFunc (settings.defaultKeyFunc)' : 'keyFunc',
      keyFuncDefaults(settings),
    ),
    keySource: keyFunc,
    userScoped: options.public || keyIdentifiesUser,
    keyIdentifiesUser,
    keyVary: Object.freeze(covered),
    varyNames: Object.freeze(covered.map(displayHeaderName)),
    sharedCacheControl: options.cacheControl,
    privateCacheControl: options.cacheControl === undefined ? 'private' : makePrivate(options.cacheControl),
    cdnCacheControl: options.cdnCacheControl,
    surrogateKeyHeader: settings.cdn?.surrogateKeyHeader,
    statuses: new Set(cacheErrors ? [...statuses, ...ERROR_STATUSES] : statuses),
    lock: options.lock === undefined ? undefined : resolveLock(settings.locks, options.lock, owner),
    clock: settings.clock,
    credentialHeaders: settings.credentialHeaders,
  };
}

/**
 * A key that identifies the user makes every response it caches the user's: `public`,
 * `cacheControl: 'public'` and `s-maxage` (both invite shared caches) contradict it.
 */
function checkUserScoped(
  isPublic: boolean,
  cacheControl: string | undefined,
  owner: string,
  keyOption: string,
  cdnCacheControl: string | undefined,
): void {
  const why = `with ${keyOption}, which identifies the user (UserKeyBit): its responses are private`;
  if (isPublic) throw new InvalidOptionError(owner, 'public', `false ${why}`, true);
  if (cdnCacheControl !== undefined) throw new InvalidOptionError(owner, 'cdnCacheControl', `unset ${why}`, cdnCacheControl);
  const directives = (cacheControl ?? '').split(',').map((directive) => directive.trim().split('=')[0]);
  if (directives.includes('public') || directives.includes('s-maxage')) {
    throw new InvalidOptionError(owner, 'cacheControl', `free of public and s-maxage ${why}`, cacheControl);
  }
}
