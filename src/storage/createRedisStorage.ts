import KeyvRedis, { type RedisClientConnectionType, type RedisClientType } from '@keyv/redis';
import Keyv from 'keyv';
import { InvalidOptionError } from '../errors';
import { withoutUndefined } from '../options';
import { KeyvStorage } from './KeyvStorage';
import { NearCacheStorage, type NearCacheOptions } from './NearCacheStorage';
import { createOwnRedisClient, firstReady, type ReadinessClient } from './redisClient';
import { redisInvalidationChannel, type PubSubClient } from './redisInvalidationChannel';

/** Options of {@link createRedisStorage}. */
export interface RedisStorageOptions {
  /**
   * Prefix of every key, applied once: keys are stored as `<namespace>::<key>`. For an
   * `@keyv/redis` store passed in, its own namespace is kept unless this is given.
   * @default 'rcx'
   */
  namespace?: string;
  /**
   * Longest wait for one storage call, in milliseconds.
   * @default 2000
   */
  timeoutMs?: number;
  /**
   * Longest wait for a connection, in milliseconds (for a client this helper creates, also its
   * socket connect timeout).
   * @default 1000
   */
  connectTimeoutMs?: number;
  /**
   * A bounded in-process copy of hot entries and tag versions in front of Redis, kept coherent
   * across processes by pub/sub invalidations (see {@link NearCacheStorage}); idempotency records
   * never use it.
   * @default none
   */
  nearCache?: NearCacheOptions;
}

/**
 * The part of a node-redis v5 client (or cluster, or sentinel) {@link createRedisStorage} needs to
 * tell it apart. Declared here rather than naming node-redis's types, so that a client of the
 * app's own copy fits and this library's types do not pull in node-redis's.
 */
export interface RedisConnectionLike {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
}

/**
 * The part of an `@keyv/redis` store {@link createRedisStorage} relies on. Declared here rather
 * than naming `KeyvRedis`, so that a store from the app's own copy of `@keyv/redis` (another
 * version, or its ESM build beside the CommonJS one this library loads) fits.
 */
export interface KeyvRedisLike {
  namespace: string | undefined;
  readonly client: unknown;
  getClient(): Promise<unknown>;
  get(key: string): Promise<unknown>;
  set(key: string, value: string, ttl?: number): Promise<unknown>;
  delete(key: string): Promise<boolean>;
}

const DEFAULT_REDIS_STORAGE_OPTIONS = Object.freeze({ namespace: 'rcx', timeoutMs: 2000, connectTimeoutMs: 1000 });
const owner = 'createRedisStorage';

/**
 * Builds a Redis-backed {@link KeyvStorage} from a `redis://` URL, a node-redis v5 client, or an
 * `@keyv/redis` store. The namespace is applied by the Redis store only (keyv's own prefix is
 * switched off, which avoids the `ns::ns:key` double prefix). A client made from a URL has no
 * offline queue and a bounded reconnect backoff, so calls fail fast while Redis is down and work
 * again once it is back. It starts connecting at once, and calls made before the first
 * connection is ready (node-redis `isReady`: handshake done, not merely the socket open) wait
 * for it within `timeoutMs`, so a fresh process serves its first burst without failures while
 * Redis is healthy; a client passed in that is not connected yet is connected the same way.
 * Every call is bounded by `timeoutMs`. An `@keyv/redis` store passed in keeps its own
 * connection and error options (failures are still detected through its `error` events).
 * `storage.keyv` is the Keyv (with `nearCache`, `storage.shared.keyv`).
 *
 * @example
 * ```ts
 * configureExtensions({ caches: { default: createRedisStorage('redis://127.0.0.1:6380', { namespace: 'shop' }) } });
 * ```
 */
export function createRedisStorage(
  target: string | RedisConnectionLike | KeyvRedisLike,
  options: RedisStorageOptions & { nearCache: NearCacheOptions },
): NearCacheStorage<KeyvStorage>;
export function createRedisStorage(
  target: string | RedisConnectionLike | KeyvRedisLike,
  options?: RedisStorageOptions & { nearCache?: undefined },
): KeyvStorage;
export function createRedisStorage(
  target: string | RedisConnectionLike | KeyvRedisLike,
  options?: RedisStorageOptions,
): KeyvStorage | NearCacheStorage<KeyvStorage>;
export function createRedisStorage(
  target: string | RedisConnectionLike | KeyvRedisLike,
  options: RedisStorageOptions = {},
): KeyvStorage | NearCacheStorage<KeyvStorage> {
  const namespaceGiven = options.namespace !== undefined;
  const resolved = { ...DEFAULT_REDIS_STORAGE_OPTIONS, ...withoutUndefined(options) };
  if (typeof resolved.namespace !== 'string' || resolved.namespace === '') {
    throw new InvalidOptionError(owner, 'namespace', 'a non-empty string', resolved.namespace);
  }
  if (!(Number.isFinite(resolved.connectTimeoutMs) && resolved.connectTimeoutMs > 0)) {
    throw new InvalidOptionError(owner, 'connectTimeoutMs', 'a positive number of milliseconds', resolved.connectTimeoutMs);
  }
  const store = toStore(target, resolved.connectTimeoutMs);
  if (namespaceGiven || store !== target) store.namespace = resolved.namespace;
  if (store !== target) {
    store.throwOnConnectError = true;
    store.throwOnErrors = true;
    store.connectionTimeout = resolved.connectTimeoutMs;
  }
  const keyv = new Keyv({ store, namespace: store.namespace, useKeyPrefix: false, throwOnErrors: true });
  // A client made or wrapped here connects at once; the first calls wait for it instead of failing offline.
  const ready = store === target ? undefined : firstReady(store.client as unknown as ReadinessClient);
  const shared = new KeyvStorage(keyv, { timeoutMs: resolved.timeoutMs, scope: 'cluster', ready });
  if (options.nearCache === undefined) return shared;
  const client = store.client as unknown as PubSubClient;
  // The store's own namespace (an @keyv/redis store passed in keeps its own).
  const namespace = store.namespace ?? resolved.namespace;
  const channel = redisInvalidationChannel(client, `${namespace}::rcx:near`, (key) => `${namespace}::${key}`);
  return new NearCacheStorage(shared, channel, options.nearCache, resolved.timeoutMs);
}

function toStore(target: unknown, connectTimeoutMs: number): KeyvRedis<unknown> {
  // Duck-typed, not instanceof: the app's KeyvRedis may come from another copy (e.g. the ESM build).
  if (isKeyvRedisLike(target)) return target as KeyvRedis<unknown>;
  if (typeof target === 'string') {
    return new KeyvRedis(createOwnRedisClient(target, connectTimeoutMs));
  }
  if (typeof target === 'object' && target !== null && typeof (target as RedisClientType).connect === 'function') {
    return new KeyvRedis(target as RedisClientConnectionType);
  }
  throw new InvalidOptionError(owner, 'target', 'a redis:// URL, a node-redis client or an @keyv/redis store', target);
}

function isKeyvRedisLike(value: unknown): value is KeyvRedisLike {
  const store = value as KeyvRedisLike | null;
  return typeof store === 'object' && store !== null && typeof store.getClient === 'function' && 'client' in store && 'namespace' in store;
}
