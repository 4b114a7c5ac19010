import type { Clock } from '../clock';
import { InvalidOptionError } from '../errors';
import type { KeyConstructor } from '../keys/KeyConstructor';
import { isPlainObject } from '../options';
import type { ExtensionsSettings } from '../settings';
import { isStorage, resolveStorage, type Storage } from '../storage/Storage';
import { checkCachedKey } from './cachedKey';

/**
 * Options of {@link cached}. Unset fields fall back to `configureExtensions` settings.
 *
 * @typeParam A - the method's parameters, as the `key` and `tags` functions receive them
 */
export interface CachedOptions<A extends readonly unknown[] = never[]> {
  /**
   * How long a stored result is fresh, in milliseconds.
   * @default settings.defaultCacheResponseTimeout (5 minutes)
   */
  ttl?: number;
  /**
   * The entry's key: a function of the method's arguments (called with the instance as `this`),
   * or a `KeyConstructor` whose bits read `context.args`, `context.controller` (the instance) and
   * `context.methodName` (`ArgsKeyBit`, `UniqueMethodIdKeyBit`, your own bits), never a request.
   * The key is used as it is: two methods returning the same key share an entry.
   * @default SHA-256 of the canonical JSON of `{ method: 'Class.method', args }`
   */
  key?: KeyConstructor | ((...args: A) => string | Promise<string>);
  /**
   * Invalidation tags of an entry, fixed or computed from the arguments: `invalidateTags([...])`
   * and `@invalidates([...])` on a route drop every entry of `@cached` and `@cacheResponse` alike
   * that carries one of them in the same store.
   * @default none
   */
  tags?: readonly string[] | ((...args: A) => readonly string[] | Promise<readonly string[]>);
  /**
   * Name of the store (`configureExtensions({ caches })`), or a `Storage`.
   * @default settings.defaultUseCache ('default')
   */
  cache?: string | Storage;
  /**
   * How long past its `ttl` a stale result is still returned at once while one call of the
   * method refreshes it in the background, in milliseconds.
   * @default 0
   */
  staleWhileRevalidate?: number;
}

/** Options as checked when the decorator is applied; settings-backed fields stay optional. @internal */
export interface ValidatedCachedOptions {
  readonly ttl?: number;
  readonly key?: CachedOptions<unknown[]>['key'];
  readonly tags?: CachedOptions<unknown[]>['tags'];
  readonly cache?: string | Storage;
  readonly staleWhileRevalidate: number;
}

const KNOWN: ReadonlySet<string> = new Set(['ttl', 'key', 'tags', 'cache', 'staleWhileRevalidate']);

/**
 * Checks `@cached(ttlOrOptions)` when the decorator is applied; every error is an
 * `InvalidOptionError` naming `owner` (`@cached on Class.method`), the option and the value.
 * @internal
 */
export function validateCachedOptions(ttlOrOptions: unknown, owner: string): ValidatedCachedOptions {
  const options = typeof ttlOrOptions === 'number' ? { ttl: ttlOrOptions } : (ttlOrOptions ?? {});
  if (!isPlainObject(options)) throw new InvalidOptionError(owner, 'options', 'a ttl in milliseconds or an options object', ttlOrOptions);
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw new InvalidOptionError(owner, name, `one of ${[...KNOWN].join(', ')}`, name);
  }
  const { ttl, key, tags, cache, staleWhileRevalidate } = options as CachedOptions<unknown[]>;
  if (ttl !== undefined && !(Number.isFinite(ttl) && ttl > 0))
    throw new InvalidOptionError(owner, 'ttl', 'a positive number of milliseconds', ttl);
  if (cache !== undefined && !(typeof cache === 'string' ? cache !== '' : isStorage(cache)))
    throw new InvalidOptionError(owner, 'cache', 'a store name or a Storage', cache);
  if (staleWhileRevalidate !== undefined && !(Number.isFinite(staleWhileRevalidate) && staleWhileRevalidate >= 0)) {
    throw new InvalidOptionError(owner, 'staleWhileRevalidate', 'a non-negative number of milliseconds', staleWhileRevalidate);
  }
  if (tags !== undefined && typeof tags !== 'function' && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
    throw new InvalidOptionError(owner, 'tags', 'an array of strings or a function (...args) => string[]', tags);
  }
  if (key !== undefined) checkCachedKey(key, owner);
  return Object.freeze({
    ttl,
    key,
    tags: Array.isArray(tags) ? Object.freeze([...tags]) : tags,
    cache,
    staleWhileRevalidate: staleWhileRevalidate ?? 0,
  });
}

/** `@cached` options merged with the settings in force. @internal */
export interface ResolvedCachedOptions {
  readonly ttl: number;
  readonly storage: Storage;
  readonly clock: Clock;
}

/**
 * Merges checked options with the settings; an unknown store name throws `InvalidOptionError`
 * naming `owner`.
 * @internal
 */
export function resolveCachedOptions(
  options: ValidatedCachedOptions,
  settings: Readonly<ExtensionsSettings>,
  owner: string,
): ResolvedCachedOptions {
  const cache = options.cache ?? settings.defaultUseCache;
  return {
    ttl: options.ttl ?? settings.defaultCacheResponseTimeout,
    storage: typeof cache === 'string' ? resolveStorage(settings.caches, cache, owner) : cache,
    clock: settings.clock,
  };
}
