import type { ActionExchange } from '../http/ActionExchange';
import type { ActionStep } from '../http/actionHook';
import type { CaptureResult, CapturedResponse } from '../http/CapturedResponse';
import { setRequestState } from '../http/setRequestState';
import { LockTimeoutError } from '../errors';
import { storableHeaders } from '../cache/storagePolicy';
import { systemClock } from '../locks/Clock';
import { publishIdempotencyEvent, type IdempotencyEvent } from './idempotencyEvents';
import { idempotencyProblem, type IdempotencyProblem } from './idempotencyProblems';
import type { IdempotencyInfo } from './IdempotencyInfo';
import { decodeResponse, encodeResponse, type IdempotencyRecord, type StoredIdempotentResponse } from './IdempotencyRecord';
import type { Claim, RecordView } from './IdempotencyRecords';
import { localFlight, startLocalFlight } from './localFlights';
import { isOptOutRequest } from './optOutRequests';
import { parseIdempotencyKey } from './parseIdempotencyKey';
import { renewWhileRunning } from './renewWhileRunning';
import { resolveIdempotencyOptions, type ResolvedIdempotencyOptions } from './resolveIdempotencyOptions';
import type { IdempotencyKeyOptions } from './IdempotencyKeyOptions';
import { getExtensionsSettings } from '../settings';

/** How a step was attached: a decorator, the manual decorator, or the opt-out middleware. */
export type IdempotencyMode = 'key' | 'manual' | 'opt-out';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** Request-specific headers never replayed, on top of what the cache never stores (research §3.8). */
const UNREPLAYED = new Set(['x-request-id', 'request-id', 'x-correlation-id', 'server', 'retry-after', 'idempotent-replayed', 'ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);
const COMPLETION_RETRY_DELAYS_MS = [50, 200, 500];
const OWNERS: Record<IdempotencyMode, string> = { key: '@idempotencyKey', manual: '@idempotencyKeyManual', 'opt-out': 'IdempotencyKeyMiddleware' };

/**
 * The idempotency step of one action (research §3.6): parses the key, fingerprints the request,
 * then replays a completed outcome, answers a mismatch (422) or an in-flight duplicate (wait,
 * 409 or 423), or claims the key, runs the action under a renewed lease and stores or releases
 * the outcome once the response has ended. Store or lock failures before the claim answer 503.
 * @internal
 */
export class IdempotencyStep implements ActionStep {
  readonly stage = 'idempotency';
  readonly name: string;
  #resolved?: ResolvedIdempotencyOptions;
  #resolvedFrom?: object;

  constructor(
    private readonly options: Readonly<IdempotencyKeyOptions>,
    readonly mode: IdempotencyMode,
  ) {
    this.name = OWNERS[mode];
  }

  async run(exchange: ActionExchange, next: () => unknown): Promise<unknown> {
    const request = exchange.request;
    if (SAFE_METHODS.has(request.method)) return next();
    if (this.mode === 'opt-out' && !isOptOutRequest(request.raw)) return next();
    const options = this.resolved();
    const parsed = parseIdempotencyKey(request.headerLines(options.header), options.strict);
    if (parsed.kind === 'missing') {
      if (options.optional) return next();
      return this.problem(exchange, options, 'missing-key', `${request.method} ${request.route} requires the ${options.header} header`);
    }
    if (parsed.kind === 'invalid') return this.problem(exchange, options, 'invalid-key', `${options.header}: ${parsed.reason}`);
    if (options.anonymous === 'reject' && isAnonymous(await request.currentUser())) {
      return this.problem(exchange, options, 'scope-required', `${request.method} ${request.route} accepts ${options.header} only from authenticated clients`);
    }
    const recordKey = await options.keyFunc(exchange);
    const fp = options.fingerprint ? await options.fingerprint(exchange) : null;
    return this.decide(exchange, next, options, parsed.key, recordKey, fp);
  }

  private async decide(exchange: ActionExchange, next: () => unknown, options: ResolvedIdempotencyOptions, key: string, recordKey: string, fp: string | null): Promise<unknown> {
    const route = exchange.request.route;
    const deadline = Date.now() + options.maxWaitMs;
    let pollMs = 10;
    for (;;) {
      let view: RecordView;
      try {
        view = await options.records.read(recordKey);
      } catch (error) {
        return this.unavailable(exchange, options, recordKey, error);
      }
      if (view.state !== 'absent' && fp !== null && view.record.fp !== null && view.record.fp !== fp) {
        this.publish('mismatch', route, recordKey);
        return this.problem(exchange, options, 'key-reused', `${options.header} "${key}" was already used for another request`);
      }
      if (view.state === 'completed') return this.completed(exchange, next, options, key, recordKey, view.record);
      if (view.state === 'in-flight') {
        const local = localFlight(options.records.storage, recordKey);
        // The owner here already answered and is storing its outcome: that is a matter of moments.
        if (local?.finishing) {
          await local.done;
          continue;
        }
        const remaining = deadline - Date.now();
        if (options.inFlight !== 'wait' || remaining <= 0) {
          this.publish('conflict', route, recordKey);
          const problem: IdempotencyProblem = options.inFlight === 'locked' ? 'locked' : 'request-in-progress';
          return this.problem(exchange, options, problem, `a request with ${options.header} "${key}" is still being processed`);
        }
        this.publish('waited', route, recordKey);
        await waitFor(local?.done, Math.min(remaining, local ? remaining : pollMs));
        pollMs = Math.min(pollMs * 2, 250);
        continue;
      }
      let outcome: Awaited<ReturnType<typeof options.records.claim>>;
      try {
        outcome = await options.records.claim(recordKey, fp);
      } catch (error) {
        if (!(error instanceof LockTimeoutError)) return this.unavailable(exchange, options, recordKey, error);
        this.publish('conflict', route, recordKey);
        return this.problem(exchange, options, options.inFlight === 'locked' ? 'locked' : 'request-in-progress', `${options.header} "${key}" is being claimed by another request`);
      }
      if ('claim' in outcome) return this.execute(exchange, next, options, key, outcome.claim);
    }
  }

  private completed(exchange: ActionExchange, next: () => unknown, options: ResolvedIdempotencyOptions, key: string, recordKey: string, record: IdempotencyRecord): unknown {
    const stored = record.response as StoredIdempotentResponse;
    const response = decodeResponse(stored);
    if (this.mode === 'manual') {
      setRequestState(exchange.request, 'idempotency', { key, exists: true, response: stored.body === null ? undefined : response } satisfies IdempotencyInfo);
      return next();
    }
    if (stored.body === null) {
      return this.problem(exchange, options, 'replay-unavailable', `the response to ${options.header} "${key}" was too large to keep; it is not executed again`);
    }
    this.publish('replayed', exchange.request.route, recordKey);
    const headers = { ...response.headers, 'idempotent-replayed': 'true' };
    return exchange.respond({ status: options.conflictStatusCode ?? response.status, headers, body: response.body });
  }

  private execute(exchange: ActionExchange, next: () => unknown, options: ResolvedIdempotencyOptions, key: string, claim: Claim): unknown {
    const route = exchange.request.route;
    this.publish(claim.takeover ? 'takeover' : 'claimed', route, claim.key);
    if (this.mode === 'manual') setRequestState(exchange.request, 'idempotency', { key, exists: false, response: undefined } satisfies IdempotencyInfo);
    const flight = startLocalFlight(options.records.storage, claim.key);
    const stopRenewal = renewWhileRunning(options.records, options.clock, options.leaseMs, claim, route);
    void exchange.captureResponse(options.maxBodyBytes).then(async (result) => {
      flight.finishing = true;
      stopRenewal();
      try {
        await this.finish(options, claim, result, route);
      } finally {
        flight.end();
      }
    });
    return next();
  }

  private async finish(options: ResolvedIdempotencyOptions, claim: Claim, result: CaptureResult, route: string): Promise<void> {
    const status = result.complete ? result.response.status : result.status;
    const keep = options.storeOnStatuses.has(status) && (result.complete || result.reason === 'too-large');
    const stored = !keep ? undefined : result.complete ? encodeResponse(status, replayableHeaders(result.response), result.response.body) : encodeResponse(status, {}, null);
    for (let attempt = 0; ; attempt += 1) {
      try {
        const owned = stored ? await options.records.complete(claim, stored) : await options.records.release(claim);
        this.publish(!owned ? 'fenced' : stored ? 'completed' : 'released', route, claim.key);
        return;
      } catch (error) {
        publishIdempotencyEvent({ type: 'store-error', route, key: claim.key, error });
        if (attempt >= COMPLETION_RETRY_DELAYS_MS.length) return;
        await new Promise((resolve) => setTimeout(resolve, COMPLETION_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  private unavailable(exchange: ActionExchange, options: ResolvedIdempotencyOptions, recordKey: string, error: unknown): unknown {
    publishIdempotencyEvent({ type: 'store-error', route: exchange.request.route, key: recordKey, error });
    return this.problem(exchange, options, 'unavailable', 'the idempotency store or lock is unavailable; the request was not processed');
  }

  private problem(exchange: ActionExchange, options: ResolvedIdempotencyOptions, name: IdempotencyProblem, detail: string): unknown {
    return exchange.respond(idempotencyProblem(name, detail, options.retryAfterSeconds));
  }

  private publish(type: Exclude<IdempotencyEvent['type'], 'store-error'>, route: string, key: string): void {
    publishIdempotencyEvent({ type, route, key });
  }

  /** Options merged with the settings in force; recomputed only when the settings change. */
  private resolved(): ResolvedIdempotencyOptions {
    const settings = getExtensionsSettings();
    if (this.#resolved && this.#resolvedFrom === settings) return this.#resolved;
    this.#resolvedFrom = settings;
    return (this.#resolved = resolveIdempotencyOptions(this.options, settings.idempotency, this.name, systemClock));
  }
}

function replayableHeaders(response: CapturedResponse): Record<string, string | number | readonly string[]> {
  const kept = storableHeaders(response.headers);
  for (const name of Object.keys(kept)) if (UNREPLAYED.has(name)) delete kept[name];
  return kept;
}

function isAnonymous(user: unknown): boolean {
  return user === undefined || user === null || user === false || user === '';
}

function waitFor(done: Promise<void> | undefined, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    done?.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
