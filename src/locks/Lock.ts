/**
 * How far a lock reaches: one process (`InProcessLock`), the processes of one host (`FileLock`),
 * or every host sharing a backend (`RedisLock`). Stores carry the same scope, so a pairing that
 * cannot work (an in-memory store guarded by a cross-process lock) is rejected at startup.
 */
export type LockScope = 'process' | 'host' | 'cluster';

/** Options of {@link Lock.acquire}. */
export interface LockAcquireOptions {
  /**
   * How long the lock stays held without a renewal, in milliseconds. A holder that neither renews
   * nor releases loses the lock after this time (its handle's `signal` aborts).
   */
  ttlMs: number;
  /**
   * How long to wait for a held lock before giving up with a `LockTimeoutError`, in milliseconds.
   * `0` tries once.
   * @default 0
   */
  waitMs?: number;
}

/**
 * A held lock. Only the holder's token can renew or release it: a stale or foreign token gets
 * `false`, never an exception, so a late `release()` in a `finally` is always safe. Backend
 * failures (Redis unreachable, I/O errors) reject with `LockError`.
 */
export interface LockHandle {
  /** The key this handle locks. */
  readonly key: string;
  /** Random 128-bit token identifying this holder. */
  readonly token: string;
  /**
   * Fencing number: strictly greater than the fence of every earlier holder of the same key, so a
   * store can reject writes of a holder that was paused past its TTL and overtaken.
   */
  readonly fence: number;
  /**
   * Aborted, with a `LockError` as its reason, as soon as the lock is known lost: the TTL lapsed
   * without renewal, another process took a stale lock over, or a renewal found it gone.
   */
  readonly signal: AbortSignal;
  /** Extends the TTL (default: the TTL given to `acquire`); `false` when the lock is no longer ours. */
  renew(ttlMs?: number): Promise<boolean>;
  /** Releases the lock; `false` when it was no longer ours (expired or taken over). */
  release(): Promise<boolean>;
}

/**
 * A per-key mutual-exclusion lock with TTL, bounded waiting and fencing numbers. Implementations:
 * `InProcessLock`, `FileLock`, `RedisLock`; all pass one contract suite
 * (`spec/locks/lock.contract.ts`), which is what a third-party implementation must pass too.
 * Waiters of one `Lock` instance are served in FIFO order; across processes there is no order,
 * only the bound `waitMs`.
 *
 * @example
 * ```ts
 * const handle = await lock.acquire('order:42', { ttlMs: 10_000, waitMs: 2_000 });
 * try {
 *   await work(handle.signal);
 * } finally {
 *   await handle.release();
 * }
 * ```
 */
export interface Lock {
  /** Which processes this lock excludes from each other. */
  readonly scope: LockScope;
  /** Acquires `key`, waiting up to `waitMs`; rejects with `LockTimeoutError` or `LockError`. */
  acquire(key: string, options: LockAcquireOptions): Promise<LockHandle>;
  /** Extends the TTL of `key` if `token` holds it; `false` otherwise. */
  renew(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Releases `key` if `token` holds it; `false` otherwise. */
  release(key: string, token: string): Promise<boolean>;
}
