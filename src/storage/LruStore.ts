import { EventEmitter } from 'node:events';
import { InvalidOptionError } from '../errors';
import { withoutUndefined } from '../options';

/** Options of {@link LruStore}. */
export interface LruStoreOptions {
  /**
   * Most entries kept; the least recently used go first.
   * @default 10000
   */
  maxEntries?: number;
  /**
   * Most bytes kept (UTF-8 size of keys and serialized values, plus a fixed overhead per entry);
   * the least recently used go first. A single entry larger than this is not stored.
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * Time source for expiry, in epoch milliseconds (tests inject a fake one).
   * @default Date.now
   */
  now?: () => number;
}

const DEFAULT_LRU_STORE_OPTIONS = Object.freeze({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, now: () => Date.now() });

/** Bookkeeping bytes counted per entry on top of its key and value, so tiny entries still count. */
const ENTRY_OVERHEAD_BYTES = 64;

interface Entry {
  readonly value: unknown;
  readonly bytes: number;
  readonly expiresAt: number | undefined;
}

/**
 * A bounded in-memory LRU: capped by entry count and by bytes, honouring TTLs on the injected
 * clock. It is a keyv store adapter (`new Keyv({ store: new LruStore() })`) and the LRU
 * behind the default `MemoryStorage`, which calls its synchronous `read`/`write`/`erase`.
 * A `get` refreshes recency; expired entries are dropped when read or when they reach the
 * least-recently-used end. Only this process sees it (`scope: 'process'`).
 *
 * @example
 * ```ts
 * const keyv = new Keyv({ store: new LruStore({ maxEntries: 1000, maxBytes: 8 * 1024 * 1024 }) });
 * ```
 */
export class LruStore extends EventEmitter {
  readonly scope = 'process' as const;
  readonly opts: { dialect: 'memory'; url: string };
  namespace: string | undefined;
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;

  constructor(options: LruStoreOptions = {}) {
    super();
    const resolved = { ...DEFAULT_LRU_STORE_OPTIONS, ...withoutUndefined(options) };
    for (const name of ['maxEntries', 'maxBytes'] as const) {
      if (!(Number.isInteger(resolved[name]) && resolved[name] > 0))
        throw new InvalidOptionError('LruStore', name, 'a positive integer', resolved[name]);
    }
    if (typeof resolved.now !== 'function')
      throw new InvalidOptionError('LruStore', 'now', 'a function returning epoch milliseconds', resolved.now);
    this.maxEntries = resolved.maxEntries;
    this.maxBytes = resolved.maxBytes;
    this.now = resolved.now;
    this.opts = { dialect: 'memory', url: 'memory://' };
  }

  /** Number of entries held (expired ones included until they are touched or evicted). */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes held, as counted against `maxBytes`. */
  get bytes(): number {
    return this.totalBytes;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.read(key) as T | undefined;
  }

  /** The value under `key` (refreshing its recency), or `undefined`; synchronous. */
  read(key: string): unknown {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.isExpired(entry)) {
      this.remove(key, entry);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    return Promise.all(keys.map((key) => this.get<T>(key)));
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Stores `value`; `false` (nothing stored) when the entry alone exceeds `maxBytes`. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    return this.write(key, value, ttl);
  }

  /** Stores `value` synchronously; `false` (nothing stored) when it alone exceeds `maxBytes`. */
  write(key: string, value: unknown, ttl?: number): boolean {
    const bytes = ENTRY_OVERHEAD_BYTES + Buffer.byteLength(key) + sizeOf(value);
    const previous = this.entries.get(key);
    if (previous !== undefined) this.remove(key, previous);
    if (bytes > this.maxBytes) return false;
    const expiresAt = typeof ttl === 'number' && ttl > 0 ? this.now() + ttl : undefined;
    this.entries.set(key, { value, bytes, expiresAt });
    this.totalBytes += bytes;
    this.evict();
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.erase(key);
  }

  /** Deletes `key` synchronously; `true` if a live entry was deleted. */
  erase(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.remove(key, entry);
    return !this.isExpired(entry);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const results = await Promise.all(keys.map((key) => this.delete(key)));
    return results.some(Boolean);
  }

  /** Removes the entries of this store's keyv namespace (`<namespace>:` keys), or all without one. */
  async clear(): Promise<void> {
    const prefix = this.namespace ? `${this.namespace}:` : '';
    for (const [key, entry] of [...this.entries]) if (key.startsWith(prefix)) this.remove(key, entry);
  }

  async disconnect(): Promise<void> {}

  private evict(): void {
    // Map order is recency order: the first entries are the least recently used.
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.totalBytes <= this.maxBytes) return;
      this.remove(key, entry);
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  private isExpired(entry: Entry): boolean {
    return entry.expiresAt !== undefined && entry.expiresAt <= this.now();
  }
}

function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof Uint8Array) return value.byteLength;
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
}
