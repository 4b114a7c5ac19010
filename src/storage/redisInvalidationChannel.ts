// The invalidation channel of a near cache over Redis pub/sub: messages are published on the
// store's own connection and heard on a duplicate of it (a subscribed connection runs no other
// commands). node-redis resubscribes a reconnected subscriber before it reports 'ready', so
// 'ready' after a loss means subscribed again.
import type { InvalidationChannel } from './NearCacheStorage';

/** The part of a node-redis v5 client the channel uses. */
export interface PubSubClient {
  readonly isOpen: boolean;
  publish(channel: string, message: string): Promise<unknown>;
  duplicate(): PubSubClient;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  on(event: 'ready' | 'end' | 'reconnecting' | 'error', listener: (...args: unknown[]) => void): unknown;
  destroy(): void;
}

/**
 * An {@link InvalidationChannel} on `channel` of the Redis `client` serves; the subscriber is a
 * duplicate connection this channel opens and closes.
 * @internal
 */
export function redisInvalidationChannel(client: PubSubClient, channel: string): InvalidationChannel {
  let subscriber: PubSubClient | undefined;
  const healthListeners: Array<(healthy: boolean) => void> = [];
  const report = (healthy: boolean) => healthListeners.forEach((listener) => listener(healthy));
  return {
    publish: (message) => client.publish(channel, message),
    async subscribe(listener) {
      subscriber = client.duplicate();
      subscriber.on('error', () => undefined);
      subscriber.on('end', () => report(false));
      subscriber.on('reconnecting', () => report(false));
      await subscriber.connect();
      await subscriber.subscribe(channel, listener);
      subscriber.on('ready', () => report(true));
    },
    onHealth: (listener) => void healthListeners.push(listener),
    async close() {
      if (subscriber?.isOpen) subscriber.destroy();
    },
  };
}
