import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';
import { InvalidOptionError, StorageError } from '../errors';
import { timedStoreCall } from '../events';
import { withoutUndefined } from '../options';
import type { Storage } from '../storage/Storage';

/** How store-call events name this implementation. */
const STORE = 'memory-records';

/** Options of {@link MemoryRecordStorage}. */
export interface MemoryRecordStorageOptions {
  /**
   * Most bytes held (UTF-8 size of keys and serialized records, plus a fixed overhead per
   * record). Once reached, writing a new key fails, so a new claim gets 503; records already
   * held are never evicted and may still be completed.
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * Time source for expiry, in epoch milliseconds (tests inject a fake one).
   * @default Date.now
   */
  now?: () => number;
}

const DEFAULT_MEMORY_RECORD_STORAGE_OPTIONS = Object.freeze({ maxBytes: 64 * 1024 * 1024, now: () => Date.now() });

/** Bookkeeping bytes counted per record on top of its key and value. */
const ENTRY_OVERHEAD_BYTES = 64;

interface Entry {
  readonly value: string;
  readonly bytes: number;
  readonly expiresAt: number | undefined;
}

/**
 * The in-memory store of idempotency records, separate from the response cache: a record is
 * dropped only when its TTL runs out, never to make room, since a lost record lets a duplicate
 * run again. It has no entry cap, only a byte cap: past it a new key is refused (`StorageError`,
 * hence 503 + `Retry-After` to a new claim), while an existing key may still be rewritten so
 * running requests can store their outcome. Expired records are swept when room is needed.
 * One process only (`scope: 'process'`).
 *
 * @example
 * ```ts
 * configureExtensions({
 *   caches: { records: new MemoryRecordStorage({ maxBytes: 256 * 1024 * 1024 }) },
 *   idempotency: { cache: 'records' },
 * });
 * ```
 */
export class MemoryRecordStorage implements Storage {
  readonly scope = 'process' as const;
  readonly maxBytes: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;

  constructor(options: MemoryRecordStorageOptions = {}) {
    const { maxBytes, now } = { ...DEFAULT_MEMORY_RECORD_STORAGE_OPTIONS, ...withoutUndefined(options) };
    if (!(Number.isInteger(maxBytes) && maxBytes > 0))
      throw new InvalidOptionError('MemoryRecordStorage', 'maxBytes', 'a positive integer', maxBytes);
    if (typeof now !== 'function')
      throw new InvalidOptionError('MemoryRecordStorage', 'now', 'a function returning epoch milliseconds', now);
    this.maxBytes = maxBytes;
    this.now = now;
  }

  /** Number of records held (expired ones included until they are read or swept). */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes held, as counted against `maxBytes`. */
  get bytes(): number {
    return this.totalBytes;
  }

  get<T = unknown>(key: string): Promise<T | undefined> {
    return timedStoreCall(STORE, 'get', () => Promise.resolve(this.read(key) as T | undefined));
  }

  getMany<T = unknown>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return timedStoreCall(STORE, 'getMany', () => Promise.resolve(keys.map((key) => this.read(key) as T | undefined)));
  }

  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return timedStoreCall(STORE, 'set', () => this.write(key, value, ttlMs));
  }

  private write(key: string, value: unknown, ttlMs?: number): Promise<void> {
    let serialized: string;
    try {
      serialized = defaultSerialize(value);
    } catch (error) {
      return Promise.reject(new StorageError('set', String(error), { cause: error }));
    }
    const bytes = ENTRY_OVERHEAD_BYTES + Buffer.byteLength(key) + Buffer.byteLength(serialized);
    const previous = this.live(key);
    if (previous === undefined && this.totalBytes + bytes > this.maxBytes) {
      this.sweep();
      if (this.totalBytes + bytes > this.maxBytes) {
        return Promise.reject(
          new StorageError('set', `the idempotency record store is full (${this.totalBytes} of ${this.maxBytes} bytes used)`),
        );
      }
    }
    if (previous !== undefined) this.remove(key, previous);
    const expiresAt = typeof ttlMs === 'number' && ttlMs > 0 ? this.now() + ttlMs : undefined;
    this.entries.set(key, { value: serialized, bytes, expiresAt });
    this.totalBytes += bytes;
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    return timedStoreCall(STORE, 'delete', () => {
      const entry = this.live(key);
      if (entry !== undefined) this.remove(key, entry);
      return Promise.resolve(entry !== undefined);
    });
  }

  private read(key: string): unknown {
    const entry = this.live(key);
    return entry === undefined ? undefined : defaultDeserialize(entry.value);
  }

  /** The entry of `key` unless it expired (an expired one is dropped on the way). */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || !this.isExpired(entry)) return entry;
    this.remove(key, entry);
    return undefined;
  }

  private sweep(): void {
    for (const [key, entry] of this.entries) if (this.isExpired(entry)) this.remove(key, entry);
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  private isExpired(entry: Entry): boolean {
    return entry.expiresAt !== undefined && entry.expiresAt <= this.now();
  }
}
