import type { ActionExchange } from '../http/ActionExchange';
import type { CaptureResult } from '../http/CapturedResponse';
import type { Claim } from './IdempotencyRecords';
import { holdAtMost, recordOutcome, statusOf } from './recordOutcome';
import { renewWhileRunning } from './renewWhileRunning';
import type { ResolvedIdempotencyOptions } from './IdempotencyKeyOptions';

/** Longest time a successful response's body waits for its outcome to be stored. */
const HOLD_BODY_MAX_MS = 1_000;
/** Longest wait, once the action has settled, for the driver to end the response of a client that left. */
const ABORTED_END_MAX_MS = 1_000;

/**
 * Runs the action of a claim (`next`) and keeps the claim, renewing its lease, until the action
 * has finished and its response has ended; then stores the outcome or releases the claim
 * (research §3.6 steps 4–5). A client that goes away early changes nothing: the claim is held
 * while the action runs, and the response the action produced is the one stored and replayed,
 * so a retry waits or gets 409 and never runs the action a second time. Returns what `next`
 * returns, unchanged.
 * @internal
 *
 * @example
 * ```ts
 * if ('claim' in outcome) return runClaimedAction(exchange, next, options, outcome.claim);
 * ```
 */
export function runClaimedAction(
  exchange: ActionExchange,
  next: () => unknown,
  options: ResolvedIdempotencyOptions,
  claim: Claim,
): unknown {
  const route = exchange.request.route;
  const flight = startLocalFlight(options.records.storage, claim.key);
  const stopRenewal = renewWhileRunning(options.records, options.clock, options.leaseMs, claim, route);
  let recording: Promise<void> | undefined;
  let recordingStarted!: () => void;
  const started = new Promise<void>((resolve) => (recordingStarted = resolve));
  const record = (result: CaptureResult): Promise<void> => {
    if (recording) return recording;
    flight.finishing = true;
    stopRenewal();
    recordingStarted();
    return (recording = recordOutcome(options, claim, result, route, flight));
  };
  // The outcome is stored before the body leaves, so a duplicate sent anywhere once the client
  // has its answer is replayed rather than met with "in flight". An error response's body is
  // never held (Express destroys the socket after it), nor any body past HOLD_BODY_MAX_MS.
  exchange.onResponseCaptured(options.maxBodyBytes, (result) => {
    const stored = record(result);
    return statusOf(result) < 400 ? holdAtMost(stored, HOLD_BODY_MAX_MS) : undefined;
  });
  exchange.respondAfterClose();
  let actionSettled!: () => void;
  const settled = new Promise<void>((resolve) => (actionSettled = resolve));
  void exchange.captureResponse(options.maxBodyBytes).then(async (result) => {
    if (!result.complete && result.reason === 'aborted') {
      // The client left while the action runs: its end, not the abort, decides the record. The
      // driver still ends the response after the action, which records it; if it never does,
      // the outcome is unknown and the claim is released.
      await settled;
      await Promise.race([started, delay(ABORTED_END_MAX_MS)]);
    }
    return record(result);
  });
  try {
    const value = next();
    Promise.resolve(value).then(actionSettled, actionSettled);
    return value;
  } catch (error) {
    actionSettled();
    throw error;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A claim this process is running: waiters in the same process wait on it instead of polling. */
export interface LocalFlight {
  /** Resolves once the claim's outcome is stored or released. */
  readonly done: Promise<void>;
  /** Set once the response has ended and the outcome is being written. */
  finishing: boolean;
  end(): void;
}

const flights = new WeakMap<object, Map<string, LocalFlight>>();

/**
 * The flight of `key` in the store `scope`, if this process runs it.
 * @internal
 */
export function localFlight(scope: object, key: string): LocalFlight | undefined {
  return flights.get(scope)?.get(key);
}

/**
 * Registers a flight this process just claimed; `end()` wakes its waiters and forgets it.
 * @internal
 */
export function startLocalFlight(scope: object, key: string): LocalFlight {
  let byKey = flights.get(scope);
  if (!byKey) flights.set(scope, (byKey = new Map()));
  let resolve!: () => void;
  const done = new Promise<void>((settle) => (resolve = settle));
  const map = byKey;
  const flight: LocalFlight = {
    done,
    finishing: false,
    end() {
      if (map.get(key) === flight) map.delete(key);
      resolve();
    },
  };
  map.set(key, flight);
  return flight;
}
