import { InvalidOptionError } from '../errors';

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

/** Whether `value` is a {@link Lock} (duck-typed, so third-party locks qualify). */
export function isLock(value: unknown): value is Lock {
  const lock = value as Lock | null;
  return (
    typeof lock === 'object' &&
    lock !== null &&
    typeof lock.acquire === 'function' &&
    typeof lock.renew === 'function' &&
    typeof lock.release === 'function' &&
    ['process', 'host', 'cluster'].includes(lock.scope)
  );
}

/**
 * Resolves a `lock` option against the configured locks: a {@link Lock} instance is returned as
 * is, a string names an entry of `locks`. Anything else, or an unknown name, throws
 * `InvalidOptionError` naming `owner`.
 *
 * @example
 * ```ts
 * const lock = resolveLock(settings.locks, 'default', '@idempotencyKey on OrderController.create');
 * ```
 */
export function resolveLock(locks: Readonly<Record<string, Lock>>, nameOrInstance: unknown, owner: string, option = 'lock'): Lock {
  if (isLock(nameOrInstance)) return nameOrInstance;
  if (typeof nameOrInstance !== 'string' || !Object.hasOwn(locks, nameOrInstance)) {
    const names = Object.keys(locks)
      .map((name) => `"${name}"`)
      .join(', ');
    throw new InvalidOptionError(owner, option, `a Lock or one of the configured locks (${names})`, nameOrInstance);
  }
  return locks[nameOrInstance];
}

/**
 * Rejects a store and lock that cannot work together: a lock reaching further than the store
 * (an in-memory store guarded by a `FileLock` or `RedisLock`) means other processes hold the
 * lock over data they cannot see, so each process would run the guarded work on its own copy.
 */
export function assertStoreLockPairing(storage: { readonly scope: LockScope }, lock: Lock, owner: string): void {
  if (storage.scope === 'process' && lock.scope !== 'process') {
    throw new InvalidOptionError(
      owner,
      'lock',
      `a lock of the same reach as its store: the store is in-memory (one process) but the lock is ${lock.constructor.name} (scope '${lock.scope}'); use a shared store such as createRedisStorage(url), or an InProcessLock`,
      lock.scope,
    );
  }
}
