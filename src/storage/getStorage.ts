import { InvalidOptionError } from '../errors';
import { getExtensionsSettings } from '../settings';
import { isKeyvLike, KeyvStorage } from './KeyvStorage';
import type { Storage } from './Storage';

const wrapped = new WeakMap<object, KeyvStorage>();

/**
 * Whether `value` is a {@link Storage} (duck-typed).
 * @internal
 */
export function isStorage(value: unknown): value is Storage {
  const storage = value as Storage | null;
  return typeof storage === 'object' && storage !== null && typeof storage.get === 'function' && typeof storage.getMany === 'function'
    && typeof storage.set === 'function' && typeof storage.delete === 'function' && typeof storage.scope === 'string';
}

/**
 * Turns a configured store into a {@link Storage}: a `Storage` is returned as is, a `Keyv` is
 * wrapped in a {@link KeyvStorage} once (the same wrapper on every call, so its `error`
 * listener is attached once).
 *
 * @example
 * ```ts
 * const storage = toStorage(new Keyv(), '@cacheResponse');
 * ```
 */
export function toStorage(value: unknown, owner: string): Storage {
  if (isStorage(value)) return value;
  if (isKeyvLike(value)) {
    let storage = wrapped.get(value);
    if (storage === undefined) {
      storage = new KeyvStorage(value);
      wrapped.set(value, storage);
    }
    return storage;
  }
  throw new InvalidOptionError(owner, 'cache', 'a Keyv instance or a Storage', value);
}

/**
 * The store configured under `name` in `configureExtensions({ caches })`, as a {@link Storage}.
 * An unknown name throws `InvalidOptionError` naming `owner` and the configured names.
 *
 * @example
 * ```ts
 * const storage = getStorage('special', '@cacheResponse');
 * ```
 */
export function getStorage(name: string, owner: string): Storage {
  const caches = getExtensionsSettings().caches;
  if (typeof name !== 'string' || !Object.hasOwn(caches, name)) {
    throw new InvalidOptionError(owner, 'cache', `one of the configured caches (${Object.keys(caches).map((n) => `"${n}"`).join(', ')})`, name);
  }
  return toStorage(caches[name], owner);
}
