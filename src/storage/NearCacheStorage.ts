import { randomBytes } from 'node:crypto';
import { InvalidOptionError, messageOf, StorageError } from '../errors';
import { withTimeout } from '../promises';
import { systemClock, type Clock } from '../clock';
import type { LockScope } from '../locks/Lock';
import { decodeKept, encodeKept } from './keptValues';
import type { Storage, StorageCallOptions } from './Storage';

/** Options of a near cache (`createRedisStorage(target, { nearCache })`). */
export interface NearCacheOptions {
  /** Most keys kept in this process; the least recently used go first. */
  maxEntries: number;
  /**
   * Longest time a copy is served after it was read from (or written to) the shared store. Pub/sub
   * invalidations drop copies sooner (a write in another process is seen as soon as its message
   * arrives); this bound is what holds when messages cannot arrive — before the subscription is
   * first ready, while the subscriber connection is down (once it is back every copy is dropped,
   * since messages may have been missed) — and for keys that expire in the shared store, whose
   * copies outlive them by at most this long.
   */
  maxStalenessMs: number;
  /**
   * Time source of `maxStalenessMs` and of the TTLs of copies (tests inject a fake one).
   * @default the system clock
   */
  clock?: Clock;
}

/**
 * The invalidation channel a near cache listens and publishes on: Redis pub/sub over its own
 * subscriber connection. `subscribe` resolves once subscribed; `onHealth` reports the subscriber
 * connection going down (`false`) and coming back resubscribed (`true`).
 */
export interface InvalidationChannel {
  /** Publishes `message` about `key` (a cluster channel routes it by the key's slot). */
  publish(message: string, key: string): Promise<unknown>;
  subscribe(listener: (message: string) => void): Promise<void>;
  onHealth(listener: (healthy: boolean) => void): void;
  close(): Promise<void>;
}

interface NearCopy {
  /** As {@link encodeKept} keeps it: every reader gets its own copy. */
  readonly kept: unknown;
  /** When it was read from (or written to) the shared store, on the clock. */
  readonly fetchedAt: number;
  /** When the TTL it was written with here ends (a copy read from the store has none of its own). */
  readonly expiresAt: number;
}

const owner = 'createRedisStorage';
/** Separates the sender's id from the key in a message; neither an id nor this can be in an id. */
const SEPARATOR = '\n';

/**
 * A {@link Storage} that keeps a bounded in-process copy of what it reads from a shared store and
 * keeps it coherent across processes through an {@link InvalidationChannel}: every write or delete
 * through any process's near cache drops the key's copy in every process (after the shared store
 * took it). A near hit answers without a round trip. No copy is served more than
 * `maxStalenessMs` after it was read, whether or not invalidations arrive (see {@link NearCacheOptions}). Calls with
 * `consistent: true` (idempotency records, whose claims must see the current value) go to the
 * shared store only and leave no copy.
 *
 * @example
 * ```ts
 * const storage = createRedisStorage('redis://10.0.0.5:6379', { nearCache: { maxEntries: 10_000, maxStalenessMs: 1000 } });
 * configureExtensions({ caches: { default: storage } });
 * ```
 */
export class NearCacheStorage<S extends Storage = Storage> implements Storage {
  readonly scope: LockScope;
  /** The shared store behind the copies (for `createRedisStorage`, its `KeyvStorage`). */
  readonly shared: S;
  readonly #remote: S;
  readonly #channel: InvalidationChannel;
  /** Insertion order is recency order: the first copies are the least recently used. */
  readonly #copies = new Map<string, NearCopy>();
  readonly #maxEntries: number;
  readonly #clock: Clock;
  readonly #maxStalenessMs: number;
  readonly #id = randomBytes(9).toString('base64url');
  #healthy = false;
  #closed = false;
  /** Moves on every change of the channel's health: a read begun before it keeps no copy. */
  #epoch = 0;
  /** Keys being read or written now, with how many calls: only these need watching. */
  readonly #pending = new Map<string, number>();
  /** Pending keys invalidated (here or in another process) since their calls began. */
  readonly #invalidatedWhilePending = new Set<string>();
  readonly #publishTimeoutMs: number;

  constructor(remote: S, channel: InvalidationChannel, options: NearCacheOptions, publishTimeoutMs = 2_000) {
    const { maxEntries, maxStalenessMs, clock = systemClock } = validateNearCacheOptions(options);
    this.#publishTimeoutMs = publishTimeoutMs;
    this.scope = remote.scope;
    this.shared = remote;
    this.#remote = remote;
    this.#channel = channel;
    this.#clock = clock;
    this.#maxStalenessMs = maxStalenessMs;
    this.#maxEntries = maxEntries;
    channel.onHealth((healthy) => {
      // Back after a loss: whatever was published meanwhile is lost, so no copy can be trusted.
      if (healthy && !this.#healthy) this.#copies.clear();
      if (healthy !== this.#healthy) this.#epoch += 1;
      this.#healthy = healthy;
    });
    this.#subscribe(0);
  }

  /** Subscribes, retrying with a capped backoff: without it only the staleness bound holds. */
  #subscribe(attempt: number): void {
    this.#channel
      .subscribe((message) => this.#heard(message))
      .then(
        () => {
          if (this.#closed) return;
          this.#epoch += 1;
          this.#copies.clear();
          this.#healthy = true;
        },
        () => {
          if (this.#closed) return;
          const retry = setTimeout(() => this.#subscribe(attempt + 1), Math.min(100 * 2 ** attempt, 5_000));
          retry.unref();
        },
      );
  }

  /** Keys with a copy in this process now (at most `maxEntries`). */
  get nearSize(): number {
    return this.#copies.size;
  }

  /** Whether invalidations are being heard (subscribed, connection up). */
  get channelHealthy(): boolean {
    return this.#healthy;
  }

  get<T = unknown>(key: string, options?: StorageCallOptions): Promise<T | undefined> {
    if (options?.consistent) return this.#remote.get<T>(key, options);
    const copy = this.#servable(key);
    if (copy !== undefined) return Promise.resolve(decodeKept(copy.kept) as T);
    return this.#fetch([key], options).then((values) => values[0] as T | undefined);
  }

  getMany<T = unknown>(keys: readonly string[], options?: StorageCallOptions): Promise<Array<T | undefined>> {
    if (options?.consistent) return this.#remote.getMany<T>(keys, options);
    const values: unknown[] = new Array(keys.length);
    const missing: number[] = [];
    for (let index = 0; index < keys.length; index++) {
      const copy = this.#servable(keys[index]);
      if (copy === undefined) missing.push(index);
      else values[index] = decodeKept(copy.kept);
    }
    if (missing.length === 0) return Promise.resolve(values as Array<T | undefined>);
    return this.#fetch(
      missing.map((index) => keys[index]),
      options,
    ).then((fetched) => {
      missing.forEach((index, at) => (values[index] = fetched[at]));
      return values as Array<T | undefined>;
    });
  }

  async set(key: string, value: unknown, ttlMs?: number, options?: StorageCallOptions): Promise<void> {
    this.#invalidate(key);
    if (options?.consistent) return this.#remote.set(key, value, ttlMs, options);
    const epoch = this.#begin([key]);
    const writtenAt = this.#clock.now();
    let keepable: boolean;
    try {
      await this.#remote.set(key, value, ttlMs, options);
      await this.#announce('set', key, options);
    } finally {
      // Another write of the key meanwhile (here or elsewhere) may be the newer one: keep no copy then.
      keepable = this.#end([key], epoch)[0];
    }
    if (keepable) this.#keep(key, value, writtenAt, ttlMs === undefined ? Infinity : writtenAt + ttlMs);
  }

  async delete(key: string, options?: StorageCallOptions): Promise<boolean> {
    this.#invalidate(key);
    const deleted = await this.#remote.delete(key, options);
    if (!options?.consistent) await this.#announce('delete', key, options);
    return deleted;
  }

  /** Stops listening for invalidations (the subscriber connection it opened is closed). */
  close(): Promise<void> {
    this.#closed = true;
    this.#healthy = false;
    this.#copies.clear();
    return this.#channel.close();
  }

  #servable(key: string): NearCopy | undefined {
    const copy = this.#copies.get(key);
    if (copy === undefined) return undefined;
    const now = this.#clock.now();
    this.#copies.delete(key);
    if (now >= copy.expiresAt || now - copy.fetchedAt >= this.#maxStalenessMs) return undefined;
    this.#copies.set(key, copy);
    return copy;
  }

  #keep(key: string, value: unknown, fetchedAt: number, expiresAt: number): void {
    this.#copies.delete(key);
    this.#copies.set(key, { kept: encodeKept(value), fetchedAt, expiresAt });
    if (this.#copies.size > this.#maxEntries) this.#copies.delete(this.#copies.keys().next().value as string);
  }

  async #fetch(keys: readonly string[], options: StorageCallOptions | undefined): Promise<unknown[]> {
    const epoch = this.#begin(keys);
    const fetchedAt = this.#clock.now();
    let values: unknown[] = [];
    try {
      values = await this.#remote.getMany(keys, options);
    } finally {
      // A key invalidated while the read was on the wire may have come back with the older value.
      const keepable = this.#end(keys, epoch);
      keys.forEach((key, index) => {
        if (keepable[index] && values[index] !== undefined) this.#keep(key, values[index], fetchedAt, Infinity);
      });
    }
    return values;
  }

  /** Marks calls on `keys` as begun; returns the epoch to hand to {@link #end}. */
  #begin(keys: readonly string[]): number {
    for (const key of keys) this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
    return this.#epoch;
  }

  /** Ends calls on `keys` begun at `epoch`: for each, whether a copy of what they saw may be kept. */
  #end(keys: readonly string[], epoch: number): boolean[] {
    const sameEpoch = epoch === this.#epoch;
    return keys.map((key) => {
      const keepable = sameEpoch && !this.#invalidatedWhilePending.has(key);
      const left = (this.#pending.get(key) ?? 1) - 1;
      if (left > 0) {
        this.#pending.set(key, left);
      } else {
        this.#pending.delete(key);
        this.#invalidatedWhilePending.delete(key);
      }
      return keepable;
    });
  }

  /** Drops the copy of `key`, and tells calls on it in progress that what they saw may be old. */
  #invalidate(key: string): void {
    this.#copies.delete(key);
    if (this.#pending.has(key)) this.#invalidatedWhilePending.add(key);
  }

  async #announce(operation: 'set' | 'delete', key: string, options: StorageCallOptions | undefined): Promise<void> {
    const timeoutMs = options?.timeoutMs ?? this.#publishTimeoutMs;
    try {
      await withTimeout(
        this.#channel.publish(this.#id + SEPARATOR + key, key),
        timeoutMs,
        () => new Error(`no answer within ${timeoutMs} ms`),
      );
    } catch (error) {
      // The value is in the shared store, but other processes keep their copies until the bound.
      throw new StorageError(operation, `wrote "${key}" but could not publish its invalidation: ${messageOf(error)}`, { cause: error });
    }
  }

  #heard(message: string): void {
    const at = message.indexOf(SEPARATOR);
    if (at < 0 || message.slice(0, at) === this.#id) return;
    this.#invalidate(message.slice(at + 1));
  }
}

function validateNearCacheOptions(options: unknown): Required<NearCacheOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(owner, 'nearCache', '{ maxEntries, maxStalenessMs }', options);
  }
  const { maxEntries, maxStalenessMs, clock = systemClock } = options as Partial<NearCacheOptions>;
  if (!(typeof maxEntries === 'number' && Number.isInteger(maxEntries) && maxEntries > 0)) {
    throw new InvalidOptionError(owner, 'nearCache.maxEntries', 'a positive integer', maxEntries);
  }
  if (!(typeof maxStalenessMs === 'number' && Number.isFinite(maxStalenessMs) && maxStalenessMs > 0)) {
    throw new InvalidOptionError(owner, 'nearCache.maxStalenessMs', 'a positive number of milliseconds', maxStalenessMs);
  }
  if (typeof clock?.now !== 'function') throw new InvalidOptionError(owner, 'nearCache.clock', 'a Clock', clock);
  return { maxEntries, maxStalenessMs, clock };
}
