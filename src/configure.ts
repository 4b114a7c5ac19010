import { Container, Token } from 'typedi';
import { validateCdnSettings } from './cache/cdn';
import { createDefaultSettings } from './defaults';
import { InvalidOptionError } from './errors';
import { validateIdempotencySettings } from './idempotency/IdempotencyKeyOptions';
import { validateFormats } from './keys/bits/FormatKeyBit';
import { validateLanguages } from './keys/bits/LanguageKeyBit';
import { checkKeyFunc } from './keys/KeyFunc';
import { isLock } from './locks/Lock';
import { isPlainObject, withoutUndefined } from './options';
import type { ExtensionsConfiguration, ExtensionsSettings } from './settings';
import { isKeyvLike } from './storage/KeyvStorage';
import { isStorage } from './storage/Storage';

/** typedi token under which the settings in force live. */
export const EXTENSIONS_SETTINGS = new Token<ExtensionsSettings>('routing-controllers-extensions:settings');

/**
 * Told about every change of the settings before it takes effect: it may throw to refuse the
 * change (nothing is changed then), and returns what to do once every listener accepted it.
 * `reset` is true for `resetExtensions()`.
 * @internal
 */
export type SettingsListener = (next: Readonly<ExtensionsSettings>, change: { readonly reset: boolean }) => (() => void) | void;

const listeners: SettingsListener[] = [];
let version = 0;

const OWNER = 'configureExtensions';
const KNOWN: ReadonlySet<string> = new Set(Object.keys(createDefaultSettings()));
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/**
 * Sets library-wide defaults, merged over the current ones (`caches` and `locks` by name,
 * `idempotency` field by field), and returns the result. Everything given is validated at once:
 * a bad value throws `InvalidOptionError` naming the setting, and nothing changes.
 *
 * Apps already built follow the change: each of their decorated routes is bound again to the new
 * settings, and the call throws (changing nothing) if one of them cannot work with them, naming
 * the route. Configure before building the app and this never matters.
 *
 * @example
 * ```ts
 * configureExtensions({
 *   defaultCacheResponseTimeout: 60_000,
 *   caches: { special: createRedisStorage('redis://127.0.0.1:6380') },
 *   locks: { default: new RedisLock('redis://127.0.0.1:6380') },
 *   idempotency: { cache: 'special' },
 * });
 * ```
 */
export function configureExtensions(configuration: ExtensionsConfiguration): Readonly<ExtensionsSettings> {
  if (!isPlainObject(configuration)) throw new InvalidOptionError(OWNER, 'settings', 'an object', configuration);
  for (const name of Object.keys(configuration)) {
    if (!KNOWN.has(name)) throw new InvalidOptionError(OWNER, name, `one of ${[...KNOWN].join(', ')}`, name);
  }
  for (const name of ['caches', 'locks', 'idempotency'] as const) {
    const given: unknown = configuration[name];
    if (given !== undefined && !isPlainObject(given)) throw new InvalidOptionError(OWNER, name, 'a plain object', given);
  }
  const current = getExtensionsSettings();
  const next: ExtensionsSettings = Object.freeze({
    ...current,
    ...withoutUndefined(configuration),
    caches: Object.freeze({ ...current.caches, ...withoutUndefined(configuration.caches ?? {}) }),
    locks: Object.freeze({ ...current.locks, ...withoutUndefined(configuration.locks ?? {}) }),
    idempotency: Object.freeze({ ...current.idempotency, ...withoutUndefined(configuration.idempotency ?? {}) }),
    credentialHeaders: lowerCased(configuration.credentialHeaders ?? current.credentialHeaders),
    availableFormats: frozenList(configuration.availableFormats, current.availableFormats),
    availableLanguages: frozenList(configuration.availableLanguages, current.availableLanguages),
    cdn: configuration.cdn === undefined ? current.cdn : validateCdnSettings(configuration.cdn, OWNER),
  } as ExtensionsSettings);
  validateSettings(next);
  commit(next, false);
  return next;
}

/** The settings in force (the defaults until `configureExtensions` is called). */
export function getExtensionsSettings(): Readonly<ExtensionsSettings> {
  if (!Container.has(EXTENSIONS_SETTINGS)) Container.set(EXTENSIONS_SETTINGS, Object.freeze(createDefaultSettings()));
  return Container.get(EXTENSIONS_SETTINGS);
}

/**
 * Restores every default with new stores and locks (for tests and for apps that reconfigure
 * from scratch). Routes built earlier bind to the defaults on their next request.
 */
export function resetExtensions(): void {
  commit(Object.freeze(createDefaultSettings()), true);
}

/**
 * Subscribes to changes of the settings (see {@link SettingsListener}).
 * @internal
 */
export function onSettingsChange(listener: SettingsListener): void {
  listeners.push(listener);
}

/**
 * A number that changes whenever the settings do: a bound route compares it per request
 * (cheaper than reading the container).
 * @internal
 */
export function settingsVersion(): number {
  return version;
}

/** Header names as the request view keys them; anything else is left for validation to name. */
function lowerCased(names: unknown): unknown {
  return Array.isArray(names) ? Object.freeze(names.map((name: unknown) => (typeof name === 'string' ? name.toLowerCase() : name))) : names;
}

/** A given list (copied, so later changes to the caller's array change nothing), else the current one. */
function frozenList(given: unknown, current: readonly string[] | null): unknown {
  if (given === undefined) return current;
  return Array.isArray(given)
    ? Object.freeze(given.map((item: unknown) => (typeof item === 'string' ? item.trim().toLowerCase() : item)))
    : given;
}

function commit(next: Readonly<ExtensionsSettings>, reset: boolean): void {
  const accepted = listeners.map((listener) => listener(next, { reset }));
  Container.set(EXTENSIONS_SETTINGS, next);
  version += 1;
  for (const apply of accepted) apply?.();
}

function validateSettings(settings: ExtensionsSettings): void {
  if (!(Number.isFinite(settings.defaultCacheResponseTimeout) && settings.defaultCacheResponseTimeout > 0)) {
    throw new InvalidOptionError(
      OWNER,
      'defaultCacheResponseTimeout',
      'a positive number of milliseconds',
      settings.defaultCacheResponseTimeout,
    );
  }
  for (const flag of ['defaultCacheErrors', 'defaultKeyConstructorMemoizeForRequest', 'earlyPath'] as const) {
    if (typeof settings[flag] !== 'boolean') throw new InvalidOptionError(OWNER, flag, 'a boolean', settings[flag]);
  }
  for (const [name, cache] of Object.entries(settings.caches)) {
    if (!isStorage(cache) && !isKeyvLike(cache))
      throw new InvalidOptionError(OWNER, `caches.${name}`, 'a Keyv instance or a Storage', cache);
  }
  for (const [name, lock] of Object.entries(settings.locks)) {
    if (!isLock(lock)) {
      throw new InvalidOptionError(
        OWNER,
        `locks.${name}`,
        'a Lock (InProcessLock, FileLock, RedisLock or one with acquire/renew/release/scope)',
        lock,
      );
    }
  }
  if (typeof settings.defaultUseCache !== 'string' || !Object.hasOwn(settings.caches, settings.defaultUseCache)) {
    throw new InvalidOptionError(
      OWNER,
      'defaultUseCache',
      `one of the configured caches (${Object.keys(settings.caches).join(', ')})`,
      settings.defaultUseCache,
    );
  }
  const credentials: unknown = settings.credentialHeaders;
  if (!Array.isArray(credentials) || !credentials.every((name) => typeof name === 'string' && HEADER_NAME.test(name))) {
    throw new InvalidOptionError(OWNER, 'credentialHeaders', 'an array of header names', credentials);
  }
  if (settings.availableFormats !== null) validateFormats(settings.availableFormats, OWNER, 'availableFormats');
  if (settings.availableLanguages !== null) validateLanguages(settings.availableLanguages, OWNER, 'availableLanguages');
  checkKeyFunc(settings.defaultKeyFunc, OWNER, 'defaultKeyFunc');
  checkKeyFunc(settings.defaultEtagFunc, OWNER, 'defaultEtagFunc');
  const clock = settings.clock as Partial<ExtensionsSettings['clock']> | null;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new InvalidOptionError(OWNER, 'clock', 'an object with now, setTimeout and clearTimeout', clock);
  }
  validateIdempotencySettings(settings, `${OWNER}: idempotency`);
}
