import { StorageError } from '../../src/errors';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import type { Storage } from '../../src/storage/Storage';

/**
 * The default in-memory store with a record of what was asked of it (keys read, keys written
 * with their ttl), and a switch that makes every call fail with `StorageError` as an
 * unreachable store would: for tests that assert what a step read or wrote.
 */
export class RecordingStorage implements Storage {
  readonly scope = 'process' as const;
  readonly inner = new MemoryStorage();
  /** Every key read, in order (`getMany` records each of its keys). */
  readonly reads: string[] = [];
  /** Every write, in order. */
  readonly writes: Array<{ key: string; ttlMs: number | undefined }> = [];
  /** While true, every call rejects with `StorageError`. */
  failing = false;

  /** Reads of keys starting with `prefix` (e.g. `rcx:response:` for cache entries). */
  readsOf(prefix: string): string[] {
    return this.reads.filter((key) => key.startsWith(prefix));
  }

  /** Writes of keys starting with `prefix`. */
  writesOf(prefix: string): Array<{ key: string; ttlMs: number | undefined }> {
    return this.writes.filter(({ key }) => key.startsWith(prefix));
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.check('get');
    this.reads.push(key);
    return this.inner.get<T>(key);
  }

  async getMany<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    this.check('getMany');
    this.reads.push(...keys);
    return this.inner.getMany<T>(keys);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.check('set');
    this.writes.push({ key, ttlMs });
    return this.inner.set(key, value, ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    this.check('delete');
    return this.inner.delete(key);
  }

  private check(operation: string): void {
    if (this.failing) throw new StorageError(operation, 'the store is unreachable');
  }
}
