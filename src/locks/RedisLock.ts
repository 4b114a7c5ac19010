import { InvalidOptionError, LockError, LockTimeoutError } from '../errors';
import { withTimeout } from '../promises';
import { createOwnRedisClient, firstReady } from '../storage/redisClient';
import { InProcessLock } from './InProcessLock';
import type { Lock, LockAcquireOptions, LockHandle } from './Lock';
import { assertTtl, resolveAcquireOptions, retryUntil, TokenLockHandle } from './lockParts';
import { withoutUndefined } from '../options';

/**
 * The part of a node-redis v5 client or cluster client `RedisLock` uses: the clients `@keyv/redis`
 * creates and re-exports (`import { createClient, createCluster } from '@keyv/redis'`) fit. A
 * cluster client sends each script to the master serving its keys' slot.
 */
export interface RedisLockClient {
  readonly isOpen: boolean;
  /**
   * Whether the connection is ready for commands (node-redis v5 client; a cluster client has none,
   * and is ready once it has discovered the slots); commands wait for the first ready connection.
   */
  readonly isReady?: boolean;
  /** A cluster client's masters (empty while it discovers the slots: commands then wait for it). */
  readonly masters?: readonly unknown[];
  connect(): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready' | 'connect', listener: () => void): unknown;
  listenerCount(event: 'error'): number;
  destroy(): void;
}

/** Options of {@link RedisLock}. */
export interface RedisLockOptions {
  /**
   * Prefix of every Redis key the lock writes: `<prefix>{<key>}:lock` holds the token,
   * `<prefix>{<key>}:fence` the last fence of the key (one hash tag, so both sit in one slot of a
   * Redis Cluster; a key starting with `}` is tagged `<prefix>={=}<key>:lock` instead).
   * @default 'rcx:lock:'
   */
  prefix?: string;
  /**
   * Longest wait for one Redis command (and, before the first ready connection, for that
   * connection), in milliseconds; past it the call fails with `LockError` instead of hanging
   * while Redis is unreachable.
   * @default 1000
   */
  commandTimeoutMs?: number;
  /**
   * Smallest pause between two attempts on a held lock, in milliseconds.
   * @default 5
   */
  retryMinMs?: number;
  /**
   * Largest pause between two attempts on a held lock, in milliseconds.
   * @default 100
   */
  retryMaxMs?: number;
}

const DEFAULT_REDIS_LOCK_OPTIONS = Object.freeze({ prefix: 'rcx:lock:', commandTimeoutMs: 1000, retryMinMs: 5, retryMaxMs: 100 });

/** How long the last fence of a key is kept after its last acquire (it guards against a clock going back). */
const FENCE_RETENTION_MS = 24 * 60 * 60_000;

// SET NX PX and the fence in one script: a holder paused between the two could otherwise draw
// a larger fence than the holder that overtook it. The fence is Redis' clock in microseconds,
// or one more than the key's last fence if that is larger: it still grows after Redis lost its
// data (a fresh counter would restart at 1) and after the clock stepped back.
const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local time = redis.call('TIME')
  local fence = tonumber(time[1]) * 1000000 + tonumber(time[2])
  local last = tonumber(redis.call('GET', KEYS[2]))
  if last and last >= fence then fence = last + 1 end
  redis.call('SET', KEYS[2], string.format('%.0f', fence), 'PX', ARGV[3])
  return fence
end
return 0`;
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

interface Held {
  readonly token: string;
  readonly gate: LockHandle;
  readonly controller: AbortController;
}

const owner = 'RedisLock';

/**
 * A lock for every process and host sharing one Redis: `SET <key> <token> NX PX <ttl>` with the
 * fencing number drawn in the same Lua script (Redis `TIME` in microseconds, above the key's
 * last fence), so fences strictly increase per key even after Redis lost its data; renew and
 * release are Lua compare-and-act on the token, so a stale or foreign token changes nothing.
 * Waiting polls with exponential backoff and jitter, after a FIFO queue per key inside the
 * process. Commands wait for the client's first ready connection (within `commandTimeoutMs`),
 * so a fresh process does not fail its first burst; after that every command is bounded by
 * `commandTimeoutMs` and Redis down means `LockError`, never a hang. Targets a single Redis
 * primary or a Redis Cluster (through a cluster client): the two keys of a lock share a hash tag,
 * so each script runs on the one master serving their slot and never spans slots.
 *
 * @example
 * ```ts
 * import { createClient, createCluster } from '@keyv/redis';
 * const client = createClient({ url: 'redis://127.0.0.1:6380' });
 * configureExtensions({ locks: { default: new RedisLock(client) } });
 * // or on a Redis Cluster:
 * const cluster = createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:6379' }, { url: 'redis://10.0.0.2:6379' }] });
 * configureExtensions({ locks: { default: new RedisLock(cluster) } });
 * ```
 */
export class RedisLock implements Lock {
  readonly scope = 'cluster' as const;
  readonly client: RedisLockClient;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;
  private readonly backoff: { minMs: number; maxMs: number };
  private readonly gate = new InProcessLock();
  private readonly held = new Map<string, Held>();
  private connecting: Promise<unknown> | undefined;
  private ready: Promise<void> | undefined;
  private wasReady = false;

  /** @param target - a node-redis v5 client or cluster client, an `@keyv/redis` store (its `client` is used), or a `redis://` URL */
  constructor(target: RedisLockClient | { client: unknown } | string, options: RedisLockOptions = {}) {
    const resolved = { ...DEFAULT_REDIS_LOCK_OPTIONS, ...withoutUndefined(options) };
    if (typeof resolved.prefix !== 'string') throw new InvalidOptionError(owner, 'prefix', 'a string', resolved.prefix);
    for (const name of ['commandTimeoutMs', 'retryMinMs', 'retryMaxMs'] as const) {
      const value = resolved[name];
      if (!(typeof value === 'number' && Number.isFinite(value) && value >= 1))
        throw new InvalidOptionError(owner, name, 'a number of milliseconds >= 1', value);
    }
    if (resolved.retryMaxMs < resolved.retryMinMs)
      throw new InvalidOptionError(owner, 'retryMaxMs', 'a number of milliseconds >= retryMinMs', resolved.retryMaxMs);
    this.prefix = resolved.prefix;
    this.commandTimeoutMs = resolved.commandTimeoutMs;
    this.backoff = { minMs: resolved.retryMinMs, maxMs: resolved.retryMaxMs };
    this.ownsClient = typeof target === 'string';
    this.client =
      typeof target === 'string' ? (createOwnRedisClient(target, this.commandTimeoutMs) as unknown as RedisLockClient) : toClient(target);
    // node-redis throws an unobserved 'error' event, which would crash the process on a disconnect.
    if (this.client.listenerCount('error') === 0) this.client.on('error', () => undefined);
    // A client opened here connects at once, so the first acquire finds it ready.
    if (this.ownsClient) this.waitReady();
  }

  async acquire(key: string, options: LockAcquireOptions): Promise<LockHandle> {
    const { ttlMs, waitMs } = resolveAcquireOptions(`${owner}.acquire`, key, options);
    const deadline = Date.now() + waitMs;
    const gate = await this.gate.acquire(key, { ttlMs: ttlMs + waitMs, waitMs });
    try {
      const fence = await retryUntil(
        async () => {
          const reply = Number(
            await this.run(
              'acquire',
              key,
              ACQUIRE,
              [this.lockKey(key), this.fenceKey(key)],
              [gate.token, String(ttlMs), String(FENCE_RETENTION_MS)],
            ),
          );
          return reply > 0 ? reply : undefined;
        },
        deadline,
        this.backoff,
      );
      if (fence === undefined) throw new LockTimeoutError(key, waitMs);
      const held: Held = { token: gate.token, gate, controller: new AbortController() };
      this.held.set(key, held);
      await gate.renew(ttlMs);
      gate.signal.addEventListener('abort', () => this.lose(key, gate.token, gate.signal.reason));
      return new TokenLockHandle(this, key, gate.token, fence, held.controller.signal, ttlMs);
    } catch (error) {
      await gate.release();
      // A timed-out SET may still have run; free it by token so it does not block others until its TTL.
      if (error instanceof LockError) this.run('release', key, RELEASE, [this.lockKey(key)], [gate.token]).catch(() => undefined);
      throw error;
    }
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    assertTtl(`${owner}.renew`, ttlMs);
    const renewed = Number(await this.run('renew', key, RENEW, [this.lockKey(key)], [token, String(Math.ceil(ttlMs))])) === 1;
    const held = this.held.get(key);
    if (held === undefined || held.token !== token) return renewed;
    if (!renewed) {
      this.lose(key, token, new LockError(`redis lock "${key}" was lost: it expired before renew`));
      return false;
    }
    return held.gate.renew(ttlMs);
  }

  async release(key: string, token: string): Promise<boolean> {
    const held = this.held.get(key);
    if (held !== undefined && held.token === token) this.held.delete(key);
    try {
      return Number(await this.run('release', key, RELEASE, [this.lockKey(key)], [token])) === 1;
    } finally {
      if (held !== undefined && held.token === token) await held.gate.release();
    }
  }

  /** Closes the connection if this lock opened it from a URL; a client passed in is left alone. */
  close(): void {
    if (this.ownsClient && this.client.isOpen) this.client.destroy();
  }

  private lockKey(key: string): string {
    return `${this.prefix}${hashTagged(key)}:lock`;
  }

  private fenceKey(key: string): string {
    return `${this.prefix}${hashTagged(key)}:fence`;
  }

  /** The first ready connection, while there has been none (then `undefined`: commands fail fast offline). */
  private waitReady(): Promise<void> | undefined {
    if (this.wasReady) return undefined;
    this.ready ??= firstReady(this.client)?.then(() => {
      this.wasReady = true;
      this.ready = undefined;
    });
    if (this.ready === undefined) this.wasReady = true;
    return this.ready;
  }

  private lose(key: string, token: string, reason: unknown): void {
    const held = this.held.get(key);
    if (held === undefined || held.token !== token) return;
    this.held.delete(key);
    held.controller.abort(reason instanceof LockError ? reason : new LockError(`redis lock "${key}" was lost`, { cause: reason }));
    this.run('release', key, RELEASE, [this.lockKey(key)], [token]).catch(() => undefined);
    held.gate.release().catch(() => undefined);
  }

  private async run(operation: string, key: string, script: string, keys: string[], args: string[]): Promise<unknown> {
    const timeout = () => new LockError(`redis lock "${key}": ${operation} got no answer within ${this.commandTimeoutMs} ms`);
    try {
      const ready = this.waitReady();
      if (ready) {
        await withTimeout(ready, this.commandTimeoutMs, timeout);
      } else if (!this.client.isOpen) {
        // Closed after it was ready (e.g. disconnected by its owner): open it again.
        this.connecting ??= this.client.connect().finally(() => (this.connecting = undefined));
        await withTimeout(this.connecting, this.commandTimeoutMs, timeout).catch((error: unknown) => {
          if (!this.client.isOpen) throw error;
        });
      }
      return await withTimeout(this.client.eval(script, { keys, arguments: args }), this.commandTimeoutMs, timeout);
    } catch (error) {
      if (error instanceof LockError) throw error;
      throw new LockError(`redis lock "${key}": ${operation} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
}

/**
 * `{<key>}`: the hash tag that puts a lock's two keys in one slot on a Redis Cluster. Redis hashes
 * a key whole when its tag is empty (`{}`), which `{<key>}` is for a key starting with `}`; such
 * a key gets the fixed tag `={=}` in front instead (still one slot for both, and no other key's
 * layout starts with `=`).
 */
function hashTagged(key: string): string {
  return key.startsWith('}') ? `={=}${key}` : `{${key}}`;
}

function toClient(target: unknown): RedisLockClient {
  const candidate = isClient(target) ? target : (target as { client?: unknown } | null)?.client;
  if (!isClient(candidate))
    throw new InvalidOptionError(
      owner,
      'client',
      'a node-redis v5 client or cluster client, an @keyv/redis store or a redis:// URL',
      target,
    );
  return candidate;
}

function isClient(value: unknown): value is RedisLockClient {
  const client = value as RedisLockClient | null;
  return typeof client === 'object' && client !== null && typeof client.eval === 'function' && typeof client.connect === 'function';
}
