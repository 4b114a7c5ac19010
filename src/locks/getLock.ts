import { InvalidOptionError } from '../errors';
import { getExtensionsSettings } from '../settings';
import type { Lock } from './Lock';

/**
 * Whether `value` is a {@link Lock} (duck-typed, so third-party locks qualify).
 * @internal
 */
export function isLock(value: unknown): value is Lock {
  const lock = value as Lock | null;
  return typeof lock === 'object' && lock !== null && typeof lock.acquire === 'function' && typeof lock.renew === 'function'
    && typeof lock.release === 'function' && ['process', 'host', 'cluster'].includes(lock.scope);
}

/**
 * Resolves a decorator's `lock` option: a {@link Lock} instance is returned as is, a string names
 * a lock configured with `configureExtensions({ locks })`. Anything else, or an unknown name,
 * throws `InvalidOptionError` naming `owner`.
 *
 * @example
 * ```ts
 * const lock = getLock('default', '@idempotencyKey');
 * ```
 */
export function getLock(nameOrInstance: string | Lock, owner: string): Lock {
  if (isLock(nameOrInstance)) return nameOrInstance;
  const locks = getExtensionsSettings().locks;
  if (typeof nameOrInstance !== 'string' || !Object.hasOwn(locks, nameOrInstance)) {
    const names = Object.keys(locks).map((name) => `"${name}"`).join(', ');
    throw new InvalidOptionError(owner, 'lock', `a Lock or one of the configured locks (${names})`, nameOrInstance);
  }
  return locks[nameOrInstance];
}
