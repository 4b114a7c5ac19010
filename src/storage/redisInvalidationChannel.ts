// The invalidation channel of a near cache over Redis pub/sub: messages are published on the
// store's own connection and heard on a duplicate of it (a subscribed connection runs no other
// commands). node-redis resubscribes a reconnected subscriber before it reports 'ready', so
// 'ready' after a loss means subscribed again. On a cluster client, PUBLISH reaches every node
// (Redis Cluster broadcasts it); it is sent to the master of the written key's slot, the one
// that just took the write (node-redis would pick any node for a keyless command, a dead one too); the client reports a node's first 'ready' only, so once one of
// its connections dropped the channel stays reported unhealthy: copies then live by the
// staleness bound alone, which holds either way.
import type { InvalidationChannel } from './NearCacheStorage';
import { isClusterClient } from './redisClient';

/** The part of a node-redis v5 client the channel uses. */
export interface PubSubClient {
  readonly isOpen: boolean;
  publish(channel: string, message: string): Promise<unknown>;
  /** node-redis cluster form: `firstKey` picks the slot (and so the master) the command goes to. */
  sendCommand?(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
  duplicate(): PubSubClient;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  destroy(): void;
  /** A cluster client's masters (a single-node client has none). */
  readonly masters?: readonly unknown[];
}

/**
 * An {@link InvalidationChannel} on `channel` of the Redis `client` serves; the subscriber is a
 * duplicate connection this channel opens and closes.
 * @internal
 */
export function redisInvalidationChannel(client: PubSubClient, channel: string, storedKey: (key: string) => string): InvalidationChannel {
  let subscriber: PubSubClient | undefined;
  const healthListeners: Array<(healthy: boolean) => void> = [];
  const report = (healthy: boolean) => healthListeners.forEach((listener) => listener(healthy));
  return {
    publish: (message, key) =>
      isClusterClient(client) && client.sendCommand
        ? client.sendCommand(storedKey(key), false, ['PUBLISH', channel, message])
        : client.publish(channel, message),
    async subscribe(listener) {
      subscriber = client.duplicate();
      const cluster = isClusterClient(client);
      subscriber.on('error', () => undefined);
      for (const lost of cluster ? ['node-error', 'node-reconnecting', 'node-disconnect'] : ['end', 'reconnecting']) {
        subscriber.on(lost, () => report(false));
      }
      await subscriber.connect();
      await subscriber.subscribe(channel, listener);
      if (!cluster) subscriber.on('ready', () => report(true));
    },
    onHealth: (listener) => void healthListeners.push(listener),
    async close() {
      if (subscriber?.isOpen) subscriber.destroy();
    },
  };
}
