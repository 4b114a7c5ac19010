import type { LockScope } from '../locks/Lock';

/** Per-call options of {@link Storage} methods. */
export interface StorageCallOptions {
  /**
   * Longest wait for this call, in milliseconds, overriding the store's own `timeoutMs`.
   * Past it the call rejects with `StorageError`.
   */
  timeoutMs?: number;
}

/**
 * The narrow key-value interface features use. Every method settles within its timeout: a value,
 * or a `StorageError` (store unreachable, store error, a write the store reports as not done,
 * an undecodable value). A miss is `undefined`, never an error, and an error is never a miss.
 * `scope` says which processes see the same data, for the store/lock pairing check.
 *
 * @example
 * ```ts
 * const storage = createMemoryStorage();
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
