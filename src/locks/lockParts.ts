// What the built-in locks share: argument checks, the token handle and the polling backoff.
import { InvalidOptionError } from '../errors';
import type { Lock, LockAcquireOptions, LockHandle } from './Lock';

/**
 * Checks the arguments of `Lock.acquire` and fills the defaults (`waitMs: 0`).
 * @internal
 */
export function resolveAcquireOptions(owner: string, key: string, options: LockAcquireOptions): Required<LockAcquireOptions> {
  if (typeof key !== 'string' || key === '') throw new InvalidOptionError(owner, 'key', 'a non-empty string', key);
  const ttlMs = options?.ttlMs;
  if (!(typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new InvalidOptionError(owner, 'ttlMs', 'a positive number of milliseconds', ttlMs);
  }
  const waitMs = options.waitMs ?? 0;
  if (!(typeof waitMs === 'number' && Number.isFinite(waitMs) && waitMs >= 0)) {
    throw new InvalidOptionError(owner, 'waitMs', 'zero or a positive number of milliseconds', waitMs);
  }
  return { ttlMs: Math.ceil(ttlMs), waitMs };
}

/**
 * Checks the TTL given to `renew`.
 * @internal
 */
export function assertTtl(owner: string, ttlMs: number): void {
  if (!(typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new InvalidOptionError(owner, 'ttlMs', 'a positive number of milliseconds', ttlMs);
  }
}

/**
 * The handle every built-in lock returns: it forwards `renew` and `release` to its lock with its
 * own token, so the token check lives in one place per lock.
 * @internal
 */
export class TokenLockHandle implements LockHandle {
  constructor(
    private readonly lock: Lock,
    readonly key: string,
    readonly token: string,
    readonly fence: number,
    readonly signal: AbortSignal,
    private readonly ttlMs: number,
  ) {}

  renew(ttlMs: number = this.ttlMs): Promise<boolean> {
    return this.lock.renew(this.key, this.token, ttlMs);
  }

  release(): Promise<boolean> {
    return this.lock.release(this.key, this.token);
  }
}

/** Bounds of the randomised backoff between two attempts on a shared backend. */
export interface RetryBackoff {
  /** Smallest pause, in milliseconds. */
  minMs: number;
  /** Largest pause, in milliseconds. */
  maxMs: number;
}

/**
 * Calls `attempt` until it returns a value other than `undefined` or `deadline` (epoch ms) passes,
 * pausing between attempts with exponential backoff and full jitter (so contenders from several
 * processes do not poll in lockstep). Returns `undefined` when the deadline passed first.
 * Errors thrown by `attempt` propagate at once: a failing backend is not a busy lock.
 * @internal
 */
export async function retryUntil<T>(
  attempt: () => Promise<T | undefined>,
  deadline: number,
  backoff: RetryBackoff,
): Promise<T | undefined> {
  for (let round = 0; ; round += 1) {
    const result = await attempt();
    if (result !== undefined) return result;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return undefined;
    const ceiling = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(round, 16));
    const pause = Math.min(remaining, backoff.minMs + Math.random() * (ceiling - backoff.minMs));
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
