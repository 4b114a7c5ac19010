import type { ActionExchange } from '../http/ActionExchange';
import { resolveKeyFunc } from '../keys/KeyFunc';
import { KeyConstructor } from '../keys/KeyConstructor';
import { UserKeyBit } from '../keys/bits/UserKeyBit';
import type { Lock } from '../locks/Lock';
import { getLock } from '../locks/getLock';
import type { ExtensionsSettings } from '../settings';
import type { Storage } from '../storage/Storage';
import { getStorage } from '../storage/getStorage';
import type { ValidatedCacheResponseOptions } from './CacheResponseOptions';
import { DEFAULT_CACHEABLE_STATUSES, ERROR_STATUSES } from './storagePolicy';

const OWNER = '@cacheResponse';

/**
 * `@cacheResponse` options merged with the settings in force (settings are configured at
 * startup, usually after the decorators ran, so this happens on first use).
 * @internal
 */
export interface ResolvedCacheOptions {
  readonly ttl: number;
  readonly storage: Storage;
  readonly cacheName: string;
  readonly keyFunc: (exchange: ActionExchange) => Promise<string>;
  /** Whether credentialed requests may use the cache: the key names the user, or the route is public. */
  readonly userScoped: boolean;
  readonly statuses: ReadonlySet<number>;
  readonly lock?: Lock;
}

/**
 * Merges validated decorator options with the settings; unknown store or lock names throw
 * `InvalidOptionError` here.
 * @internal
 */
export function resolveCacheOptions(options: ValidatedCacheResponseOptions, settings: Readonly<ExtensionsSettings>): ResolvedCacheOptions {
  const cacheName = options.cache ?? settings.defaultUseCache;
  const source = options.keyFuncSource ?? settings.defaultKeyFunc;
  const cacheErrors = options.cacheErrors ?? settings.defaultCacheErrors;
  const statuses = options.statuses ?? DEFAULT_CACHEABLE_STATUSES;
  return {
    ttl: options.ttl ?? settings.defaultCacheResponseTimeout,
    storage: getStorage(cacheName, OWNER),
    cacheName,
    keyFunc: options.keyFunc ?? resolveKeyFunc(settings.defaultKeyFunc, OWNER, 'keyFunc'),
    userScoped: options.public || (source instanceof KeyConstructor && Object.values(source.bits).some((bit) => bit instanceof UserKeyBit)),
    statuses: new Set(cacheErrors ? [...statuses, ...ERROR_STATUSES] : statuses),
    lock: options.lock === undefined ? undefined : getLock(options.lock, OWNER),
  };
}
