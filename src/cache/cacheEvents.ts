import { channel } from 'node:diagnostics_channel';
import type { NotStoredReason } from './storagePolicy';

/** Name of the `node:diagnostics_channel` on which `@cacheResponse` reports what it does. */
export const CACHE_CHANNEL_NAME = 'routing-controllers-extensions:cache';

/** One message on {@link CACHE_CHANNEL_NAME}. */
export type CacheEvent =
  | { readonly type: 'hit' | 'stale' | 'miss' | 'coalesced' | 'stored' | 'revalidated'; readonly route: string; readonly key: string }
  | { readonly type: 'bypass' | 'not-stored'; readonly route: string; readonly key?: string; readonly reason: NotStoredReason }
  | { readonly type: 'store-error'; readonly route: string; readonly key?: string; readonly error: unknown }
  | { readonly type: 'invalidated'; readonly tags: readonly string[] };

const cacheChannel = channel(CACHE_CHANNEL_NAME);

/**
 * Publishes a cache event; free when nobody subscribes.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(CACHE_CHANNEL_NAME, (event) => metrics.count((event as CacheEvent).type));
 * ```
 */
export function publishCacheEvent(event: CacheEvent | (() => CacheEvent)): void {
  if (cacheChannel.hasSubscribers) cacheChannel.publish(typeof event === 'function' ? event() : event);
}
