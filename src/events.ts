// What the library reports on `node:diagnostics_channel`: one channel for the response cache,
// one for the idempotency layer. Publishing is free while nobody subscribes.
import { channel } from 'node:diagnostics_channel';
import type { NotStoredReason } from './cache/storagePolicy';

/** Name of the `node:diagnostics_channel` on which `@cacheResponse` reports what it does. */
export const CACHE_CHANNEL_NAME = 'routing-controllers-extensions:cache';

/** One message on {@link CACHE_CHANNEL_NAME}. */
export type CacheEvent =
  | { readonly type: 'hit' | 'stale' | 'miss' | 'coalesced' | 'stored' | 'revalidated'; readonly route: string; readonly key: string }
  | {
      readonly type: 'bypass' | 'not-stored';
      readonly route: string;
      readonly key?: string;
      readonly reason: NotStoredReason;
      /** What a rule (`condition`, `unless`, a `ttl` function) answered instead of what it should. */
      readonly detail?: string;
      /** What a rule threw. */
      readonly error?: unknown;
    }
  | { readonly type: 'store-error'; readonly route: string; readonly key?: string; readonly error: unknown }
  | { readonly type: 'invalidated'; readonly tags: readonly string[] }
  /** A stale entry was served because the action threw (`error`) or answered `status` ≥ 500 (`staleIfError`). */
  | { readonly type: 'stale-if-error'; readonly route: string; readonly key: string; readonly status: number; readonly error?: unknown }
  /** `cdn.purge` settled for these surrogate keys (`purged`), or failed (`purge-error`). */
  | { readonly type: 'purged'; readonly tags: readonly string[] }
  | { readonly type: 'purge-error'; readonly tags: readonly string[]; readonly error: unknown };

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

/** Name of the `node:diagnostics_channel` on which the idempotency layer reports what it does. */
export const IDEMPOTENCY_CHANNEL_NAME = 'routing-controllers-extensions:idempotency';

/** One message on {@link IDEMPOTENCY_CHANNEL_NAME}; `key` is the hashed record key, never the client's. */
export type IdempotencyEvent =
  | {
      readonly type:
        | 'claimed'
        | 'takeover'
        | 'replayed'
        | 'completed'
        | 'released'
        | 'renewed'
        | 'lease-lost'
        | 'fenced'
        | 'mismatch'
        | 'conflict'
        | 'waited';
      readonly route: string;
      readonly key: string;
    }
  | { readonly type: 'store-error'; readonly route: string; readonly key?: string; readonly error: unknown };

const idempotencyChannel = channel(IDEMPOTENCY_CHANNEL_NAME);

/**
 * Publishes an idempotency event; free when nobody subscribes.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(IDEMPOTENCY_CHANNEL_NAME, (event) => metrics.count((event as IdempotencyEvent).type));
 * ```
 */
export function publishIdempotencyEvent(event: IdempotencyEvent): void {
  if (idempotencyChannel.hasSubscribers) idempotencyChannel.publish(event);
}
