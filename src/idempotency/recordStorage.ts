import { InvalidOptionError } from '../errors';
import type { Lock } from '../locks/Lock';
import { getStorage } from '../storage/getStorage';
import type { Storage } from '../storage/Storage';
import { IdempotencyMemoryStorage } from './IdempotencyMemoryStorage';
import type { IdempotencySettings } from './IdempotencyKeyOptions';

/**
 * Where the `idempotency` settings keep the built-in record store: a symbol, so it is no option
 * to set, yet it survives every `configureExtensions` merge and `resetExtensions` replaces it.
 */
const BUILT_IN_RECORD_STORAGE = Symbol('routing-controllers-extensions:idempotency-records');

type WithRecordStorage = IdempotencySettings & { readonly [BUILT_IN_RECORD_STORAGE]?: Storage };

const fallbacks = new WeakMap<object, Storage>();

/**
 * `settings` with a fresh built-in record store (an {@link IdempotencyMemoryStorage}), for the
 * default settings.
 * @internal
 *
 * @example
 * ```ts
 * const defaults = { idempotency: withBuiltInRecordStorage({}) };
 * ```
 */
export function withBuiltInRecordStorage(settings: IdempotencySettings): IdempotencySettings {
  return { ...settings, [BUILT_IN_RECORD_STORAGE]: new IdempotencyMemoryStorage() } as WithRecordStorage;
}

/**
 * The store of idempotency records: the configured store named `cache`, or without a name the
 * built-in record store of the settings, apart from the response cache so that cache traffic
 * never evicts a record. The built-in store is in-memory: a lock reaching other processes
 * with it is a startup error naming the `cache` option.
 * @internal
 *
 * @example
 * ```ts
 * const storage = recordStorage(options.cache, settings.idempotency, lock, '@idempotencyKey');
 * ```
 */
export function recordStorage(cache: string | undefined, settings: IdempotencySettings, lock: Lock, owner: string): Storage {
  if (cache !== undefined) return getStorage(cache, owner);
  if (lock.scope !== 'process') {
    throw new InvalidOptionError(
      owner,
      'cache',
      `the name of a store shared like the lock (${lock.constructor.name}, scope '${lock.scope}'): the built-in record store is in-memory; configure one in caches and name it in idempotency.cache`,
      cache,
    );
  }
  const builtIn = (settings as WithRecordStorage)[BUILT_IN_RECORD_STORAGE];
  if (builtIn !== undefined) return builtIn;
  let fallback = fallbacks.get(settings);
  if (!fallback) fallbacks.set(settings, (fallback = new IdempotencyMemoryStorage()));
  return fallback;
}
