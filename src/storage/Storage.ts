import { InvalidOptionError } from '../errors';
import type { LockScope } from '../locks/Lock';
import { isKeyvLike, KeyvStorage } from './KeyvStorage';

/** Per-call options of {@link Storage} methods. */
export interface StorageCallOptions {
  /**
   * Longest wait for this call, in milliseconds, overriding the store's own `timeoutMs`.
   * Past it the call rejects with `StorageError`.
   */
  timeoutMs?: number;
  /**
   * Read or write the shared store itself, never an in-process copy of it (a near cache keeps
   * none of this key): for values a decision must see current, such as idempotency claims.
   */
  consistent?: boolean;
}

/**
 * The narrow key-value interface features use. Every method settles within its timeout: a value,
 * or a `StorageError` (store unreachable, store error, a write the store reports as not done,
 * an undecodable value). A miss is `undefined`, never an error, and an error is never a miss.
 * `scope` says which processes see the same data, for the store/lock pairing check.
 *
 * @example
 * ```ts
 * const storage = new MemoryStorage();
 * await storage.set('k', { n: 1 }, 60_000);
 * const value = await storage.get<{ n: number }>('k');
 * ```
 */
export interface Storage {
  /** `'process'` for a store only this process sees, `'host'` or `'cluster'` for shared ones. */
  readonly scope: LockScope;
  /** The value under `key`, or `undefined` when absent or expired. */
  get<T = unknown>(key: string, options?: StorageCallOptions): Promise<T | undefined>;
  /** The values under `keys`, in order, `undefined` for each one absent. */
  getMany<T = unknown>(keys: readonly string[], options?: StorageCallOptions): Promise<Array<T | undefined>>;
  /** Stores `value` (JSON-able; Buffers survive) for `ttlMs` milliseconds (`undefined`: no expiry). */
  set(key: string, value: unknown, ttlMs?: number, options?: StorageCallOptions): Promise<void>;
  /** Deletes `key`; `true` if something was deleted. */
  delete(key: string, options?: StorageCallOptions): Promise<boolean>;
}

/** Whether `value` is a {@link Storage} (duck-typed, so third-party stores qualify). */
export function isStorage(value: unknown): value is Storage {
  const storage = value as Storage | null;
  return (
    typeof storage === 'object' &&
    storage !== null &&
    typeof storage.get === 'function' &&
    typeof storage.getMany === 'function' &&
    typeof storage.set === 'function' &&
    typeof storage.delete === 'function' &&
    typeof storage.scope === 'string'
  );
}

const wrapped = new WeakMap<object, KeyvStorage>();

/**
 * Turns a configured store into a {@link Storage}: a `Storage` is returned as is, a `Keyv` is
 * wrapped in a {@link KeyvStorage} once (the same wrapper every time, so its `error` listener is
 * attached once). Anything else throws `InvalidOptionError` naming `owner` and `option`.
 */
export function toStorage(value: unknown, owner: string, option = 'cache'): Storage {
  if (isStorage(value)) return value;
  if (isKeyvLike(value)) {
    let storage = wrapped.get(value);
    if (storage === undefined) wrapped.set(value, (storage = new KeyvStorage(value)));
    return storage;
  }
  throw new InvalidOptionError(owner, option, 'a Keyv instance or a Storage', value);
}

/**
 * The store configured under `name` in `caches` (the `caches` setting), as a {@link Storage}. An
 * unknown name throws `InvalidOptionError` naming `owner`, `option` and the configured names.
 *
 * @example
 * ```ts
 * const storage = resolveStorage(settings.caches, 'special', '@cacheResponse on CityController.list');
 * ```
 */
export function resolveStorage(caches: Readonly<Record<string, unknown>>, name: unknown, owner: string, option = 'cache'): Storage {
  if (typeof name !== 'string' || !Object.hasOwn(caches, name)) {
    const names = Object.keys(caches)
      .map((known) => `"${known}"`)
      .join(', ');
    throw new InvalidOptionError(owner, option, `one of the configured caches (${names})`, name);
  }
  return toStorage(caches[name], owner, option);
}
