// The node-redis connections `createRedisStorage` and `RedisLock` open from a URL, and how both
// wait for the first ready connection of a client.
import { createClient, type RedisClientType } from '@keyv/redis';

/**
 * What readiness needs of a node-redis client (v5 has all of it; `isReady` may be missing on
 * others) or cluster client (no `isReady`, its `masters` instead).
 */
export interface ReadinessClient {
  readonly isOpen: boolean;
  readonly isReady?: boolean;
  /** A cluster client's masters: empty while it is still discovering the slots. */
  readonly masters?: readonly unknown[];
  connect(): Promise<unknown>;
  on(event: 'ready' | 'connect', listener: () => void): unknown;
}

/**
 * A node-redis client for `url` as the library's helpers open it: no offline queue (while Redis
 * is down a command fails at once instead of queueing without bound) and a reconnect backoff
 * capped at 2 s that never gives up. Not connected yet: see {@link firstReady}.
 * @internal
 */
export function createOwnRedisClient(url: string, connectTimeoutMs: number): RedisClientType {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2000) },
  }) as RedisClientType;
}

/**
 * Resolves once `client` has a ready connection (node-redis `isReady`, not `isOpen`: a socket
 * is open before its handshake is done, and without an offline queue a command sent then fails
 * with "The client is offline"), connecting it first if it is not open. `undefined` when it is
 * ready already. Never rejects: a client that cannot connect keeps retrying, and callers bound
 * their wait with their own timeout.
 * @internal
 *
 * @example
 * ```ts
 * const ready = firstReady(client);
 * if (ready) await withTimeout(ready, 1000, () => new Error('not ready'));
 * ```
 */
export function firstReady(client: ReadinessClient): Promise<void> | undefined {
  if (isReady(client)) return undefined;
  return new Promise<void>((resolve) => {
    client.on('ready', resolve);
    // A cluster client has no 'ready': it emits 'connect' once it has discovered the slots.
    if (isClusterClient(client)) client.on('connect', resolve);
    // connect() resolves once the first connection is ready (after as many retries as it takes).
    if (!client.isOpen) client.connect().then(() => resolve(), ignore);
  });
}

function isReady(client: ReadinessClient): boolean {
  // A cluster client is open from the start of connect(), but until it knows the slots every
  // command fails (node-redis finds no master for the key's slot).
  if (isClusterClient(client)) return client.isOpen && client.masters.length > 0;
  return client.isReady === true || (client.isReady === undefined && client.isOpen);
}

function ignore(): void {}

/**
 * Whether `client` is a node-redis cluster client (it lists its masters; a single-node client has none).
 * @internal
 */
export function isClusterClient<C extends { readonly masters?: readonly unknown[] }>(
  client: C,
): client is C & { readonly masters: readonly unknown[] } {
  return Array.isArray(client.masters);
}
