import { Container, Token } from 'typedi';
import { InvalidOptionError } from './errors';
import { withoutUndefined } from './locks/withoutUndefined';
import type { KeyFunc } from './keys/KeyFunc';
import { DefaultKeyConstructor } from './keys/DefaultKeyConstructor';
import type Keyv from 'keyv';
import { InProcessLock } from './locks/InProcessLock';
import type { Lock } from './locks/Lock';
import { isLock } from './locks/getLock';
import { createMemoryStorage } from './storage/createMemoryStorage';
import type { Storage } from './storage/Storage';
import { isKeyvLike } from './storage/KeyvStorage';
import { isStorage } from './storage/getStorage';
import type { IdempotencySettings } from './idempotency/IdempotencyKeyOptions';
import { validateIdempotencyOptions } from './idempotency/validateIdempotencyOptions';
import { withBuiltInRecordStorage } from './idempotency/recordStorage';

/**
 * Library-wide settings, the defaults every decorator falls back to (drf-extensions'
 * `REST_FRAMEWORK_EXTENSIONS`). Held in the typedi `Container`, so an app that calls
 * `useContainer(Container)` configures once; tests call `resetExtensions()`.
 */
export interface ExtensionsSettings {
  /**
   * Default time to live of a cached response, in milliseconds.
   * @default 300000 (5 minutes)
   */
  defaultCacheResponseTimeout: number;
  /**
   * Whether `@cacheResponse` stores 4xx/5xx responses by default.
   * @default false
   */
  defaultCacheErrors: boolean;
  /**
   * Name of the store `@cacheResponse` uses when its `cache` option is not given.
   * @default 'default'
   */
  defaultUseCache: string;
  /**
   * Key function of `@cacheResponse` when its `keyFunc` option is not given.
   * @default new DefaultKeyConstructor()
   */
  defaultKeyFunc: KeyFunc;
  /**
   * Tag function of `@etag` when no `etagFunc` is given.
   * @default new DefaultKeyConstructor()
   */
  defaultEtagFunc: KeyFunc;
  /**
   * Default of `KeyConstructor`'s `memoizeForRequest` option.
   * @default false
   */
  defaultKeyConstructorMemoizeForRequest: boolean;
  /**
   * Named stores (drf's `CACHES`): a `Keyv` (wrapped so its errors are never swallowed) or a
   * `Storage`. `configureExtensions` merges by name, so giving `special` keeps `default`.
   * @default { default: createMemoryStorage() } (bounded in-memory LRU)
   */
  caches: Record<string, Keyv | Storage>;
  /**
   * Named locks used by `@idempotencyKey` and `@cacheResponse({ lock })`; merged by name.
   * @default { default: new InProcessLock() }
   */
  locks: Record<string, Lock>;
  /**
   * Defaults of `@idempotencyKey`, `@idempotencyKeyManual` and `IdempotencyKeyMiddleware`
   * (every field of `IdempotencyKeyOptions`, plus the `clock`); merged field by field. The
   * built-in idempotency record store (used where no `cache` is named) also lives here, so
   * `resetExtensions()` starts it afresh.
   * @default {} (the defaults of `IdempotencyKeyOptions`)
   */
  idempotency: IdempotencySettings;
}

/** typedi token under which the resolved settings live. */
export const EXTENSIONS_SETTINGS = new Token<ExtensionsSettings>('routing-controllers-extensions:settings');

function createDefaultSettings(): ExtensionsSettings {
  return {
    defaultCacheResponseTimeout: 5 * 60_000,
    defaultCacheErrors: false,
    defaultUseCache: 'default',
    defaultKeyFunc: new DefaultKeyConstructor(),
    defaultEtagFunc: new DefaultKeyConstructor(),
    defaultKeyConstructorMemoizeForRequest: false,
    caches: { default: createMemoryStorage() },
    locks: { default: new InProcessLock() },
    idempotency: withBuiltInRecordStorage({}),
  };
}

/**
 * Sets library-wide defaults (merged over the current ones) and returns the result.
 * Bad values fail here, at startup, naming the setting.
 *
 * @example
 * ```ts
 * configureExtensions({
 *   defaultCacheResponseTimeout: 60_000,
 *   caches: { special: createRedisStorage('redis://127.0.0.1:6380') },
 *   locks: { default: new RedisLock('redis://127.0.0.1:6380') },
 * });
 * ```
 */
export function configureExtensions(settings: Partial<ExtensionsSettings>): Readonly<ExtensionsSettings> {
  const current = getExtensionsSettings();
  for (const name of ['caches', 'locks'] as const) {
    const named: unknown = settings[name];
    if (named !== undefined && (typeof named !== 'object' || named === null || ![Object.prototype, null].includes(Object.getPrototypeOf(named)))) {
      throw new InvalidOptionError('configureExtensions', name, 'a plain object of named entries', named);
    }
  }
  const next = { ...current, ...withoutUndefined(settings) };
  next.caches = { ...current.caches, ...withoutUndefined(settings.caches ?? {}) } as ExtensionsSettings['caches'];
  next.locks = { ...current.locks, ...withoutUndefined(settings.locks ?? {}) } as ExtensionsSettings['locks'];
  next.idempotency = validateIdempotencyOptions({ ...current.idempotency, ...withoutUndefined(settings.idempotency ?? {}) }, 'configureExtensions: idempotency', true);
  validateSettings(next);
  Container.set(EXTENSIONS_SETTINGS, next);
  return next;
}

/** The settings in force (the defaults until `configureExtensions` is called). */
export function getExtensionsSettings(): Readonly<ExtensionsSettings> {
  if (!Container.has(EXTENSIONS_SETTINGS)) Container.set(EXTENSIONS_SETTINGS, createDefaultSettings());
  return Container.get(EXTENSIONS_SETTINGS);
}

/** Restores every default (for tests and for apps that reconfigure from scratch). */
export function resetExtensions(): void {
  Container.set(EXTENSIONS_SETTINGS, createDefaultSettings());
}

function validateSettings(settings: ExtensionsSettings): void {
  const owner = 'configureExtensions';
  if (!(Number.isFinite(settings.defaultCacheResponseTimeout) && settings.defaultCacheResponseTimeout > 0)) {
    throw new InvalidOptionError(owner, 'defaultCacheResponseTimeout', 'a positive number of milliseconds', settings.defaultCacheResponseTimeout);
  }
  for (const flag of ['defaultCacheErrors', 'defaultKeyConstructorMemoizeForRequest'] as const) {
    if (typeof settings[flag] !== 'boolean') throw new InvalidOptionError(owner, flag, 'a boolean', settings[flag]);
  }
  if (typeof settings.defaultUseCache !== 'string' || settings.defaultUseCache === '') {
    throw new InvalidOptionError(owner, 'defaultUseCache', 'a store name', settings.defaultUseCache);
  }
  for (const [name, cache] of Object.entries(settings.caches)) {
    if (!isStorage(cache) && !isKeyvLike(cache)) throw new InvalidOptionError(owner, `caches.${name}`, 'a Keyv instance or a Storage', cache);
  }
  for (const [name, lock] of Object.entries(settings.locks)) {
    if (!isLock(lock)) throw new InvalidOptionError(owner, `locks.${name}`, 'a Lock (InProcessLock, FileLock, RedisLock or one with acquire/renew/release/scope)', lock);
  }
  if (!Object.hasOwn(settings.caches, settings.defaultUseCache)) {
    throw new InvalidOptionError(owner, 'defaultUseCache', `one of the configured caches (${Object.keys(settings.caches).join(', ')})`, settings.defaultUseCache);
  }
}
