import type { Lock, LockHandle } from './Lock';

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
