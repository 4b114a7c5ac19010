import { MemoryStorage } from './MemoryStorage';
import type { MemoryStoreOptions } from './MemoryStore';

/**
 * The default store: a bounded in-memory LRU ({@link MemoryStorage}), capped by entries and by
 * bytes, TTLs honoured. One process only (`scope: 'process'`).
 *
 * @example
 * ```ts
 * configureExtensions({ caches: { default: createMemoryStorage({ maxEntries: 5_000, maxBytes: 32 * 1024 * 1024 }) } });
 * ```
 */
export function createMemoryStorage(options: MemoryStoreOptions = {}): MemoryStorage {
  return new MemoryStorage(options);
}
