import { systemClock } from './clock';
import { MemoryRecordStorage } from './idempotency/MemoryRecordStorage';
import { DefaultKeyConstructor } from './keys/DefaultKeyConstructor';
import { InProcessLock } from './locks/InProcessLock';
import type { ExtensionsSettings } from './settings';
import { MemoryStorage } from './storage/MemoryStorage';

/**
 * The settings in force until `configureExtensions` is called, built afresh for every
 * `resetExtensions()` (new stores, a new lock): the one place where defaults that are objects
 * are made.
 * @internal
 */
export function createDefaultSettings(): ExtensionsSettings {
  return {
    defaultCacheResponseTimeout: 5 * 60_000,
    defaultCacheErrors: false,
    defaultUseCache: 'default',
    defaultKeyFunc: new DefaultKeyConstructor(),
    defaultEtagFunc: new DefaultKeyConstructor(),
    defaultKeyConstructorMemoizeForRequest: false,
    caches: { default: new MemoryStorage() },
    locks: { default: new InProcessLock() },
    idempotency: { cache: new MemoryRecordStorage() },
    earlyPath: true,
    credentialHeaders: Object.freeze(['authorization', 'cookie']),
    availableFormats: null,
    availableLanguages: null,
    cdn: null,
    clock: systemClock,
  };
}
