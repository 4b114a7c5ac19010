import { StorageError } from '../errors';
import { timedStoreCall, type StorageCallEvent } from '../events';
import { LruStore, type LruStoreOptions } from './LruStore';
import type { Storage } from './Storage';
import { decodeKept as decode, encodeKept as encode } from './keptValues';

/**
 * The default {@link Storage}: a bounded {@link LruStore} used directly, without keyv in
 * between. Memory calls cannot hang or fail over a network, so there are no timers on the hit
 * path; strings are kept as they are (immutable, so sharing is safe) and every other value is
 * serialized as keyv would (Buffers survive), so a read never hands out a shared mutable object.
 * One process only (`scope: 'process'`).
 *
 * @example
 * ```ts
 * configureExtensions({ caches: { default: new MemoryStorage({ maxEntries: 5_000 }) } });
 * ```
 */
export class MemoryStorage implements Storage {
  readonly scope = 'process' as const;
  /** The LRU holding the entries (its `size` and `bytes` show what is used). */
  readonly store: LruStore;

  constructor(options: LruStoreOptions = {}) {
    this.store = new LruStore(options);
  }

  get<T = unknown>(key: string): Promise<T | undefined> {
    return settle('get', () => decode(this.store.read(key)) as T | undefined);
  }

  getMany<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return settle('getMany', () => keys.map((key) => decode(this.store.read(key)) as T | undefined));
  }

  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return settle('set', () => {
      if (!this.store.write(key, encode(value), ttlMs)) throw new StorageError('set', `the value of "${key}" is larger than maxBytes`);
    });
  }

  delete(key: string): Promise<boolean> {
    return settle('delete', () => this.store.erase(key));
  }
}

function settle<T>(operation: StorageCallEvent['operation'], work: () => T): Promise<T> {
  return timedStoreCall('memory', operation, () => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof StorageError ? error : new StorageError(operation, String(error), { cause: error }));
    }
  });
}
