import { InvalidOptionError } from '../errors';
import type { LockAcquireOptions } from './Lock';

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
