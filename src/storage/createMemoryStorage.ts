import Keyv from 'keyv';
import { KeyvStorage } from './KeyvStorage';
import { MemoryStore, type MemoryStoreOptions } from './MemoryStore';

/**
 * The default store: a bounded {@link MemoryStore} behind keyv (values serialized as they would
 * be for Redis, so a hit never hands out a shared mutable object), wrapped in a
 * {@link KeyvStorage}. One process only (`scope: 'process'`).
 *
 * @example
 * ```ts
 * configureExtensions({ caches: { default: createMemoryStorage({ maxEntries: 5_000, maxBytes: 32 * 1024 * 1024 }) } });
 * ```
 */
export function createMemoryStorage(options: MemoryStoreOptions & { timeoutMs?: number } = {}): KeyvStorage {
  const { timeoutMs, ...storeOptions } = options;
  return new KeyvStorage(new Keyv({ store: new MemoryStore(storeOptions) }), { timeoutMs });
}
