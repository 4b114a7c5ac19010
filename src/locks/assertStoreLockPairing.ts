import { InvalidOptionError } from '../errors';
import type { Storage } from '../storage/Storage';
import type { Lock } from './Lock';

/**
 * Rejects a store and lock that cannot work together: a lock reaching further than the store
 * (an in-memory store guarded by a `FileLock` or `RedisLock`) means other processes hold the
 * lock over data they cannot see, so each process would run the guarded work on its own copy.
 * Decorators call this when they are applied, so the mistake fails at startup.
 *
 * @example
 * ```ts
 * assertStoreLockPairing(getStorage('default', '@idempotencyKey'), getLock('default', '@idempotencyKey'), '@idempotencyKey');
 * ```
 */
export function assertStoreLockPairing(storage: Storage, lock: Lock, owner: string): void {
  if (storage.scope === 'process' && lock.scope !== 'process') {
    throw new InvalidOptionError(
      owner,
      'lock',
      `a lock of the same reach as its store: the store is in-memory (one process) but the lock is ${lock.constructor.name} (scope '${lock.scope}'); use a shared store such as createRedisStorage(url), or an InProcessLock`,
      lock.scope,
    );
  }
}
