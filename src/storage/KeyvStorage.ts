import Keyv from 'keyv';
import { InvalidOptionError, messageOf, StorageError } from '../errors';
import type { LockScope } from '../locks/Lock';
import type { KeyvLike } from './KeyvLike';
import type { Storage, StorageCallOptions } from './Storage';
import { withTimeout } from '../promises';
import { timedStoreCall, type StorageCallEvent } from '../events';

/** Options of {@link KeyvStorage}. */
export interface KeyvStorageOptions {
  /**
   * Longest wait for one call, in milliseconds; past it the call rejects with `StorageError`
   * (with default `@keyv/redis` options a `get` waits forever while Redis is down).
   * @default 2000
   */
  timeoutMs?: number;
  /**
   * Which processes see this store's data. Detected as `'process'` for a `Map` or a
   * `LruStore`, else assumed `'cluster'`; set it for other process-local adapters so the
   * store/lock pairing check can see them.
   * @default detected
   */
  scope?: LockScope;
  /**
   * A connection in progress that calls wait for (within their timeout) until it has settled
   * once, so the first requests of a cold process do not fail while the store connects.
   * @default none
   */
  ready?: Promise<unknown>;
}

const DEFAULT_KEYV_STORAGE_OPTIONS = Object.freeze({ timeoutMs: 2000 });
const SCOPES: readonly LockScope[] = ['process', 'host', 'cluster'];
const owner = 'KeyvStorage';

/**
 * A {@link Storage} over a user's `Keyv` that never fails silently. keyv 5 swallows store errors
 * (a throwing `get` answers `undefined` without even emitting), and `@keyv/redis` swallows its
 * own (it emits `error` and answers `undefined`). So calls go through a twin `Keyv` on the same
 * store, namespace and serializer with `throwOnErrors: true` (the app's instance is not
 * modified), and every call during which the store emitted `error` fails: calls overlapping a
 * failure fail together, the safe side for idempotency. This holds whether or not the app
 * attached its own `error` listener. `set() === false` is a failure; a call that does not settle
 * within `timeoutMs` is a failure.
 *
 * @example
 * ```ts
 * const storage = new KeyvStorage(new Keyv({ store: new KeyvRedis(url) }), { timeoutMs: 500 });
 * await storage.set('k', 'v', 60_000);
 * ```
 */
export class KeyvStorage<K extends KeyvLike = KeyvLike> implements Storage {
  readonly scope: LockScope;
  /** The app's Keyv, as given. */
  readonly keyv: K;
  private readonly strict: Keyv;
  private readonly timeoutMs: number;
  private errorCount = 0;
  private lastError: unknown;
  private ready: Promise<unknown> | undefined;

  constructor(keyv: K, options: KeyvStorageOptions = {}) {
    if (!isKeyvLike(keyv)) throw new InvalidOptionError(owner, 'keyv', 'a Keyv instance', keyv);
    const timeoutMs = options.timeoutMs ?? DEFAULT_KEYV_STORAGE_OPTIONS.timeoutMs;
    if (!(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new InvalidOptionError(owner, 'timeoutMs', 'a positive number of milliseconds', timeoutMs);
    }
    if (options.scope !== undefined && !SCOPES.includes(options.scope)) {
      throw new InvalidOptionError(owner, 'scope', "'process', 'host' or 'cluster'", options.scope);
    }
    this.keyv = keyv;
    this.timeoutMs = timeoutMs;
    this.scope = options.scope ?? detectScope(keyv.store);
    if (options.ready) {
      const ready = options.ready.then(ignore, ignore);
      this.ready = ready;
      void ready.then(() => {
        if (this.ready === ready) this.ready = undefined;
      });
    }
    this.strict = strictTwin(keyv);
    this.strict.on('error', (error: unknown) => {
      this.errorCount += 1;
      this.lastError = error;
    });
  }

  get<T = unknown>(key: string, options?: StorageCallOptions): Promise<T | undefined> {
    return this.run('get', options, () => this.strict.get<T>(key));
  }

  getMany<T = unknown>(keys: readonly string[], options?: StorageCallOptions): Promise<Array<T | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    // Without a native getMany, keyv reads keys one by one and drops the failures (allSettled).
    const read =
      typeof (this.strict.store as { getMany?: unknown }).getMany === 'function'
        ? () => this.strict.getMany<T>([...keys])
        : () => Promise.all(keys.map((key) => this.strict.get<T>(key)));
    return this.run('getMany', options, read);
  }

  async set(key: string, value: unknown, ttlMs?: number, options?: StorageCallOptions): Promise<void> {
    if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) {
      throw new InvalidOptionError(`${owner}.set`, 'ttlMs', 'a positive number of milliseconds or undefined', ttlMs);
    }
    const written = await this.run('set', options, () => this.strict.set(key, value, ttlMs === undefined ? undefined : Math.ceil(ttlMs)));
    if (written === false) throw new StorageError('set', `the store did not write "${key}"`);
  }

  delete(key: string, options?: StorageCallOptions): Promise<boolean> {
    return this.run('delete', options, () => this.strict.delete(key));
  }

  private run<T>(operation: StorageCallEvent['operation'], options: StorageCallOptions | undefined, call: () => Promise<T>): Promise<T> {
    return timedStoreCall('keyv', operation, () => this.settle(operation, options, call));
  }

  private async settle<T>(operation: string, options: StorageCallOptions | undefined, call: () => Promise<T>): Promise<T> {
    const timeoutMs = options?.timeoutMs ?? this.timeoutMs;
    const errorsBefore = this.errorCount;
    let result: T;
    try {
      const ready = this.ready;
      result = await withTimeout(
        ready ? ready.then(call) : Promise.resolve().then(call),
        timeoutMs,
        () => new StorageError(operation, `no answer within ${timeoutMs} ms`),
      );
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw new StorageError(operation, messageOf(error), { cause: error });
    }
    if (this.errorCount !== errorsBefore) {
      throw new StorageError(operation, `the store reported an error: ${messageOf(this.lastError)}`, { cause: this.lastError });
    }
    return result;
  }
}

function strictTwin(given: KeyvLike): Keyv {
  // Another copy of keyv is the same class in all but identity.
  const keyv = given as Keyv;
  if (keyv.throwOnErrors) return keyv;
  return new Keyv({
    store: keyv.store,
    namespace: keyv.namespace,
    useKeyPrefix: keyv.useKeyPrefix,
    serialize: keyv.serialize,
    deserialize: keyv.deserialize,
    compression: keyv.compression,
    ttl: keyv.ttl,
    throwOnErrors: true,
  });
}

function detectScope(store: unknown): LockScope {
  if (store instanceof Map) return 'process';
  const declared = (store as { scope?: unknown } | null)?.scope;
  return SCOPES.includes(declared as LockScope) ? (declared as LockScope) : 'cluster';
}

/**
 * Whether `value` looks like a `Keyv` (duck-typed: an app may load another copy of keyv).
 * @internal
 */
export function isKeyvLike(value: unknown): value is KeyvLike {
  const keyv = value as Keyv | null;
  return (
    typeof keyv === 'object' &&
    keyv !== null &&
    typeof keyv.get === 'function' &&
    typeof keyv.set === 'function' &&
    typeof keyv.delete === 'function' &&
    typeof keyv.on === 'function' &&
    'store' in keyv
  );
}

function ignore(): void {}
