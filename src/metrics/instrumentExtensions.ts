import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { InvalidOptionError } from '../errors';
import {
  CACHE_CHANNEL_NAME,
  IDEMPOTENCY_CHANNEL_NAME,
  STORAGE_CHANNEL_NAME,
  type CacheEvent,
  type IdempotencyEvent,
  type StorageCallEvent,
} from '../events';
import { isPlainObject } from '../options';
import type { CounterLike, MeterLike } from './MeterLike';

/** Options of {@link instrumentExtensions}. */
export interface InstrumentExtensionsOptions {
  /**
   * The OpenTelemetry meter to create the instruments with.
   * @default `metrics.getMeter('routing-controllers-extensions')` of `@opentelemetry/api` (loaded only then)
   */
  meter?: MeterLike;
}

/** What {@link instrumentExtensions} returns. */
export interface ExtensionsInstrumentation {
  /** Stops recording (unsubscribes from the channels); the instruments stay with the meter. */
  stop(): void;
}

const OWNER = 'instrumentExtensions';

/** Store latencies are short: buckets from 0.1 ms to 2.5 s, in seconds. */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Records what the library does as OpenTelemetry metrics, from its `node:diagnostics_channel`
 * events (nothing is recorded, and nothing costs, before this is called):
 *
 * | instrument | kind | attributes |
 * | --- | --- | --- |
 * | `rcx.cache.hits`, `rcx.cache.misses`, `rcx.cache.stale`, `rcx.cache.coalesced`, `rcx.cache.stored`, `rcx.cache.revalidated` | counter | `route` |
 * | `rcx.cache.not_stored`, `rcx.cache.bypassed` | counter | `route`, `reason` |
 * | `rcx.cache.invalidations` | counter | — |
 * | `rcx.cache.stale_if_error` | counter | `route`, `status` (what the action answered or threw) |
 * | `rcx.cache.purges` | counter | `outcome` (`ok`, `error`) |
 * | `rcx.idempotency.claims` | counter | `route`, `takeover` |
 * | `rcx.idempotency.replays`, `rcx.idempotency.completions`, `rcx.idempotency.releases`, `rcx.idempotency.waits` | counter | `route` |
 * | `rcx.idempotency.conflicts` | counter | `route`, `reason` (`in-progress`, `key-reused`) |
 * | `rcx.idempotency.lease_losses` | counter | `route`, `reason` (`lease-lost`, `fenced`) |
 * | `rcx.store.errors` | counter | `layer` (`cache`, `idempotency`), `route` |
 * | `rcx.store.duration` | histogram, seconds | `store`, `operation`, `outcome` (`ok`, `error`) |
 *
 * `route` is the route pattern (`/cities/:id`), or `Class.method` for `@cached`; keys are never
 * attributes. Store latencies come from the library's own stores (keyv ones, Redis included, and
 * the in-memory ones). `@opentelemetry/api` (an optional peer dependency) is loaded only when no
 * `meter` is given.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 *
 * const instrumentation = instrumentExtensions({ meter: metrics.getMeter('shop') });
 * // … on shutdown
 * instrumentation.stop();
 * ```
 */
export function instrumentExtensions(options: InstrumentExtensionsOptions = {}): ExtensionsInstrumentation {
  if (!isPlainObject(options)) throw new InvalidOptionError(OWNER, 'options', 'an object', options);
  const meter = options.meter ?? globalMeter();
  if (!isMeter(meter)) throw new InvalidOptionError(OWNER, 'meter', 'an OpenTelemetry Meter (createCounter, createHistogram)', meter);
  const counter = (name: string, description: string): CounterLike => meter.createCounter(`rcx.${name}`, { description });

  const cacheCounters = {
    hit: counter('cache.hits', 'Responses and results served from the cache while fresh'),
    miss: counter('cache.misses', 'Lookups that found nothing usable and ran the action or method'),
    stale: counter('cache.stale', 'Stale entries served while one refresh runs'),
    coalesced: counter('cache.coalesced', 'Callers that waited for another one’s miss (single-flight)'),
    stored: counter('cache.stored', 'Entries written to the store'),
    revalidated: counter('cache.revalidated', 'Hits answered 304 from the stored validators'),
  } as const;
  const notStored = counter('cache.not_stored', 'Responses or results not stored, by reason');
  const bypassed = counter('cache.bypassed', 'Requests that bypassed the cache, by reason');
  const invalidations = counter('cache.invalidations', 'Invalidations (one per @invalidates response or invalidateTags call)');
  const staleIfError = counter('cache.stale_if_error', 'Stale entries served in place of an error of the action (staleIfError)');
  const purges = counter('cache.purges', 'Calls of the cdn.purge setting, by outcome');
  const claims = counter('idempotency.claims', 'Keys claimed to run the action (takeover: after an owner’s lease expired)');
  const idempotencyCounters = {
    replayed: counter('idempotency.replays', 'Retries answered with the stored response'),
    completed: counter('idempotency.completions', 'Outcomes stored for replay'),
    released: counter('idempotency.releases', 'Claims released without a stored outcome (errors, unstored statuses)'),
    waited: counter('idempotency.waits', 'Waits of a duplicate for the request in progress'),
  } as const;
  const conflicts = counter('idempotency.conflicts', 'Requests refused: key in progress (409/423) or reused with another request (422)');
  const leaseLosses = counter('idempotency.lease_losses', 'Owners that lost their lease, or whose late write was fenced off');
  const storeErrors = counter('store.errors', 'Store or lock failures (the cache fails open, idempotency answers 503)');
  const duration = meter.createHistogram('rcx.store.duration', {
    description: 'Duration of calls to the library’s stores',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });

  const onCache = (message: unknown) => {
    const event = message as CacheEvent;
    switch (event.type) {
      case 'not-stored':
        return notStored.add(1, { route: event.route, reason: event.reason });
      case 'bypass':
        return bypassed.add(1, { route: event.route, reason: event.reason });
      case 'invalidated':
        return invalidations.add(1);
      case 'stale-if-error':
        return staleIfError.add(1, { route: event.route, status: event.status });
      case 'purged':
      case 'purge-error':
        return purges.add(1, { outcome: event.type === 'purged' ? 'ok' : 'error' });
      case 'store-error':
        return storeErrors.add(1, { layer: 'cache', route: event.route });
      default:
        return cacheCounters[event.type].add(1, { route: event.route });
    }
  };
  const onIdempotency = (message: unknown) => {
    const event = message as IdempotencyEvent;
    switch (event.type) {
      case 'claimed':
      case 'takeover':
        return claims.add(1, { route: event.route, takeover: event.type === 'takeover' });
      case 'conflict':
        return conflicts.add(1, { route: event.route, reason: 'in-progress' });
      case 'mismatch':
        return conflicts.add(1, { route: event.route, reason: 'key-reused' });
      case 'lease-lost':
      case 'fenced':
        return leaseLosses.add(1, { route: event.route, reason: event.type });
      case 'store-error':
        return storeErrors.add(1, { layer: 'idempotency', route: event.route });
      case 'replayed':
      case 'completed':
      case 'released':
      case 'waited':
        return idempotencyCounters[event.type].add(1, { route: event.route });
      default:
        return undefined;
    }
  };
  const onStorage = (message: unknown) => {
    const event = message as StorageCallEvent;
    duration.record(event.durationMs / 1000, { store: event.store, operation: event.operation, outcome: event.ok ? 'ok' : 'error' });
  };

  subscribe(CACHE_CHANNEL_NAME, onCache);
  subscribe(IDEMPOTENCY_CHANNEL_NAME, onIdempotency);
  subscribe(STORAGE_CHANNEL_NAME, onStorage);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe(CACHE_CHANNEL_NAME, onCache);
      unsubscribe(IDEMPOTENCY_CHANNEL_NAME, onIdempotency);
      unsubscribe(STORAGE_CHANNEL_NAME, onStorage);
    },
  };
}

function isMeter(value: unknown): value is MeterLike {
  const meter = value as Partial<MeterLike> | null;
  return (
    typeof meter === 'object' && meter !== null && typeof meter.createCounter === 'function' && typeof meter.createHistogram === 'function'
  );
}

/** The global meter of `@opentelemetry/api`, loaded now (an optional peer dependency). */
function globalMeter(): MeterLike {
  let api: { metrics: { getMeter(name: string): MeterLike } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when no meter is given: the peer dependency is optional
    api = require('@opentelemetry/api') as typeof api;
  } catch {
    throw new InvalidOptionError(OWNER, 'meter', 'given when @opentelemetry/api is not installed', undefined);
  }
  return api.metrics.getMeter('routing-controllers-extensions');
}
