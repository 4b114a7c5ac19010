// What the library reports on `node:diagnostics_channel`: one channel for the caches
// (`@cacheResponse`, `@cached`), one for the idempotency layer, one for store calls. Publishing is
// free while nobody subscribes.
import { channel } from 'node:diagnostics_channel';
import type { NotStoredReason } from './cache/storagePolicy';

/** Name of the `node:diagnostics_channel` on which `@cacheResponse` reports what it does. */
export const CACHE_CHANNEL_NAME = 'routing-controllers-extensions:cache';

/**
 * One message on {@link CACHE_CHANNEL_NAME}. `route` is the route pattern (`/cities/:id`) for
 * `@cacheResponse` and `Class.method` for `@cached`.
 */
export type CacheEvent =
  | { readonly type: 'hit' | 'stale' | 'miss' | 'coalesced' | 'stored' | 'revalidated'; readonly route: string; readonly key: string }
  | {
      readonly type: 'bypass' | 'not-stored';
      readonly route: string;
      readonly key?: string;
      /** `'not-serializable'`: a `@cached` result that would not come back from the store as it is. */
      readonly reason: NotStoredReason | 'not-serializable';
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

/** Name of the `node:diagnostics_channel` on which the library reports how it serves each route. */
export const ROUTES_CHANNEL_NAME = 'routing-controllers-extensions:routes';

/**
 * One message on {@link ROUTES_CHANNEL_NAME}: whether a route answers from its early path (a
 * route-level middleware before routing-controllers resolves the action's parameters) and, when
 * it does not, why. Reported when the app is built (what the route's structure allows) and on the
 * route's first request (what its steps allow).
 */
export type RouteEvent = { readonly type: 'early-path'; readonly route: string; readonly enabled: boolean; readonly reason?: string };

const routesChannel = channel(ROUTES_CHANNEL_NAME);

/**
 * Publishes a route event; free when nobody subscribes.
 *
 * @example
 * ```ts
 * subscribe(ROUTES_CHANNEL_NAME, (event) => console.log(event)); // { type: 'early-path', route: 'CityController.one', enabled: true }
 * ```
 */
export function publishRouteEvent(event: RouteEvent): void {
  if (routesChannel.hasSubscribers) routesChannel.publish(event);
}

/**
 * Name of the `node:diagnostics_channel` on which the library's stores report each call they make
 * ({@link StorageCallEvent}); `instrumentExtensions` records them as `rcx.store.duration`.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(STORAGE_CHANNEL_NAME, (event) => latency.record((event as StorageCallEvent).durationMs));
 * ```
 */
export const STORAGE_CHANNEL_NAME = 'routing-controllers-extensions:storage';

/**
 * One store call on {@link STORAGE_CHANNEL_NAME}, published when it settles by the library's
 * `Storage` implementations (`KeyvStorage` — every keyv store, Redis included —, `MemoryStorage`,
 * `MemoryRecordStorage`); a `Storage` of your own reports nothing.
 */
export interface StorageCallEvent {
  readonly type: 'call';
  /** Which implementation: `'keyv'`, `'memory'` or `'memory-records'`. */
  readonly store: string;
  readonly operation: 'get' | 'getMany' | 'set' | 'delete';
  /** From the call to its settling, in milliseconds (a timeout counts as the time waited). */
  readonly durationMs: number;
  /** Whether it succeeded (a miss is a success). */
  readonly ok: boolean;
}

const storageChannel = channel(STORAGE_CHANNEL_NAME);

/**
 * Runs a store call and, while someone subscribes to {@link STORAGE_CHANNEL_NAME}, reports how
 * long it took once it settles; without subscribers it costs one property read.
 * @internal
 */
export function timedStoreCall<T>(store: string, operation: StorageCallEvent['operation'], call: () => Promise<T>): Promise<T> {
  if (!storageChannel.hasSubscribers) return call();
  const started = performance.now();
  const report = (ok: boolean) => {
    if (storageChannel.hasSubscribers) {
      storageChannel.publish({ type: 'call', store, operation, durationMs: performance.now() - started, ok } satisfies StorageCallEvent);
    }
  };
  const pending = call();
  pending.then(
    () => report(true),
    () => report(false),
  );
  return pending;
}
