import type { Clock } from '../clock';
import { publishCacheEvent } from '../events';
import { StateKey, type ActionExchange } from '../http/ActionExchange';
import type { CapturedResponse } from '../http/CapturedResponse';
import { isThenable } from '../promises';
import type { CacheEntry } from './CacheEntry';
import { hitResponse } from './hitResponse';

/** A stale entry that may stand in for the action's error (RFC 5861 §4, server side). @internal */
export interface StaleFallback {
  readonly key: string;
  readonly entry: CacheEntry;
  readonly response: CapturedResponse;
}

/** Set once a stale entry answered this request in place of the action's error: what was sent. */
const SERVED_STALE = new StateKey<CapturedResponse>('served-stale');

/**
 * Whether `entry`, past its freshness and its stale-while-revalidate window, may still stand in
 * for an error: its age is within `staleIfErrorMs` past freshness.
 * @internal
 */
export function staleIfErrorApplies(entry: CacheEntry, ageMs: number, staleIfErrorMs: number): boolean {
  return staleIfErrorMs > 0 && ageMs >= entry.ttl && ageMs < entry.ttl + staleIfErrorMs;
}

/**
 * Runs the action (`next`) with `fallback` ready: when it throws an error of status ≥ 500 (any
 * error without an `httpCode` counts as 500) or answers a status ≥ 500, the stale entry is sent
 * instead, marked `Cache-Status: <cache>; fwd=stale; fwd-status=<status>; detail=stale-if-error`,
 * and a `stale-if-error` event carries the error. A 4xx is an answer, not an outage: it goes
 * through. Conditional requests are answered from the stale entry's validators as on a hit.
 * @internal
 */
export function runWithStaleFallback(
  exchange: ActionExchange,
  next: () => unknown,
  fallback: StaleFallback,
  cacheName: string,
  clock: Clock,
  maxBodyBytes: number,
): unknown {
  const serve = (status: number, error?: unknown): CapturedResponse => {
    const age = clock.now() - fallback.entry.storedAt;
    const stale = hitResponse(
      exchange.request,
      fallback.response,
      age,
      `${cacheName}; fwd=stale; fwd-status=${status}; detail=stale-if-error`,
    );
    exchange.set(SERVED_STALE, stale);
    publishCacheEvent({ type: 'stale-if-error', route: exchange.request.route, key: fallback.key, status, error });
    return stale;
  };
  // An answered 5xx is replaced before any of it leaves (the body is held up to maxBodyBytes).
  exchange.inspectBody(maxBodyBytes, (status) => (status >= 500 && exchange.get(SERVED_STALE) === undefined ? serve(status) : undefined));
  const failed = (error: unknown): unknown => {
    const status = statusOf(error);
    if (status < 500) throw error;
    return exchange.respond(serve(status, error));
  };
  let result: unknown;
  try {
    result = next();
  } catch (error) {
    return failed(error);
  }
  return isThenable(result) ? Promise.resolve(result).catch(failed) : result;
}

/** The stale response this request was answered with in place of an error, if it was. @internal */
export function servedStale(exchange: ActionExchange): CapturedResponse | undefined {
  return exchange.get(SERVED_STALE);
}

/** The status routing-controllers answers a thrown error with: its `httpCode`, else 500. */
function statusOf(error: unknown): number {
  const code = (error as { httpCode?: unknown } | null)?.httpCode;
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599 ? code : 500;
}
