import type { CaptureResult, CapturedResponse } from '../http/CapturedResponse';
import { storableHeaders } from '../cache/storagePolicy';
import { publishIdempotencyEvent } from '../events';
import { encodeResponse } from './IdempotencyRecord';
import type { Claim } from './IdempotencyRecords';
import type { LocalFlight } from './runClaimedAction';
import type { ResolvedIdempotencyOptions } from './IdempotencyKeyOptions';

/** Request-specific headers never replayed, on top of what the cache never stores (research §3.8). */
const UNREPLAYED = new Set([
  'x-request-id',
  'request-id',
  'x-correlation-id',
  'server',
  'retry-after',
  'idempotent-replayed',
  'ratelimit',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
]);
const COMPLETION_RETRY_DELAYS_MS = [50, 200, 500];

/**
 * Stores the outcome of a claim (a status in `storeOnStatuses`) or releases the claim (anything
 * else, or an aborted response), with the owner checked. Resolves once the first attempt is
 * over, whatever its result, so a caller holding the response body never waits for retries;
 * failed attempts are retried in the background, then `flight` ends.
 * @internal
 *
 * @example
 * ```ts
 * exchange.onResponseCaptured(maxBodyBytes, (result) => recordOutcome(options, claim, result, route, flight));
 * ```
 */
export function recordOutcome(
  options: ResolvedIdempotencyOptions,
  claim: Claim,
  result: CaptureResult,
  route: string,
  flight: LocalFlight,
): Promise<void> {
  const status = statusOf(result);
  const keep = options.storeOnStatuses.has(status) && (result.complete || result.reason === 'too-large');
  const stored = !keep
    ? undefined
    : result.complete
      ? encodeResponse(status, replayableHeaders(result.response), result.response.body)
      : encodeResponse(status, {}, null);
  const attempt = async (): Promise<boolean> => {
    try {
      const owned = stored ? await options.records.complete(claim, stored) : await options.records.release(claim);
      publishIdempotencyEvent({ type: !owned ? 'fenced' : stored ? 'completed' : 'released', route, key: claim.key });
      return true;
    } catch (error) {
      publishIdempotencyEvent({ type: 'store-error', route, key: claim.key, error });
      return false;
    }
  };
  const first = attempt();
  void first.then(async (done) => {
    try {
      for (let retry = 0; !done && retry < COMPLETION_RETRY_DELAYS_MS.length; retry += 1) {
        await new Promise((resolve) => setTimeout(resolve, COMPLETION_RETRY_DELAYS_MS[retry]));
        done = await attempt();
      }
    } finally {
      flight.end();
    }
  });
  return first.then(() => undefined);
}

/** The status of a captured (or failed to capture) response. @internal */
export function statusOf(result: CaptureResult): number {
  return result.complete ? result.response.status : result.status;
}

/**
 * `work`, or nothing more than `ms` later if it takes longer: what is held waits at most `ms`.
 * @internal
 */
export function holdAtMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function replayableHeaders(response: CapturedResponse): Record<string, string | number | readonly string[]> {
  const kept = storableHeaders(response.headers);
  for (const name of Object.keys(kept)) if (UNREPLAYED.has(name)) delete kept[name];
  return kept;
}
