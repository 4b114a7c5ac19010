import { LockTimeoutError } from '../errors';
import { publishIdempotencyEvent, type IdempotencyEvent } from '../events';
import { StateKey, type ActionExchange } from '../http/ActionExchange';
import type { CaptureResult, CapturedResponse } from '../http/CapturedResponse';
import { replayForClient } from '../http/contentCoding';
import type { ActionStep } from '../http/steps';
import type { EarlyConditions } from '../keys/KeyBit';
import { earlyKeyBlocker } from '../keys/KeyFunc';
import { isAnonymous } from './idempotencyKeyConstructors';
import { PARSED_IDEMPOTENCY_KEY, parseIdempotencyKey } from './IdempotencyKeyBit';
import type { ResolvedIdempotencyOptions } from './IdempotencyKeyOptions';
import type { Claim } from './IdempotencyPersistence';
import { idempotencyProblem, type IdempotencyProblem } from './idempotencyProblems';
import { decodeResponse, outcomeOf, replayResponse, statusOf, type IdempotencyRecord } from './IdempotencyRecord';

/** How a step was attached: a decorator, the manual decorator, or the opt-out middleware. */
export type IdempotencyMode = 'key' | 'manual' | 'opt-out';

/** What the record of a request's key says to do (the outcome of read → decide). */
type Decision =
  | { readonly kind: 'completed'; readonly record: IdempotencyRecord }
  | { readonly kind: 'mismatch' | 'busy' | 'claimable' }
  | { readonly kind: 'unavailable'; readonly error: unknown };

/** One request as the step knows it once its key is parsed and hashed. */
interface KeyedRequest {
  readonly key: string;
  readonly recordKey: string;
  readonly fp: string | null;
  /** What the `retries` stage decided, left for the `idempotency` stage. */
  decision?: Decision;
}

const KEYED = new StateKey<KeyedRequest>('idempotency-request');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** Longest time a successful response's body waits for its outcome to be stored. */
const HOLD_BODY_MAX_MS = 1_000;
/** Longest wait, once the action has settled, for the driver to end the response of a client that left. */
const ABORTED_END_MAX_MS = 1_000;

/**
 * The idempotency engine of one action (research §3.6), read top to bottom: **read** the record
 * of the request's key, **decide** (replay, 422 for another request with the key, wait for or
 * 409/423 a duplicate in flight), **claim** the key, **run** the action under a lease renewed
 * until the outcome is stored, **record** the outcome (or release the claim) once the response
 * has ended. It runs in two places of the route's pipeline: at the `retries` stage, before
 * `@etag` preconditions, it replays a completed request (and answers a duplicate in flight),
 * so a retried conditional write gets its replay instead of 412; everything that would make a
 * new request (a claim, 400, 422, 503) waits for the `idempotency` stage, after preconditions.
 * Problem details never echo the client's key.
 * @internal
 */
export class IdempotencyStep implements ActionStep {
  readonly stage = 'idempotency';
  /** The step's part before the preconditions. */
  readonly retries: ActionStep;

  /**
   * @param name - the decorator or middleware, for diagnostics
   * @param options - the options merged with the settings the route is bound to
   */
  constructor(
    readonly name: string,
    readonly mode: IdempotencyMode,
    private readonly options: ResolvedIdempotencyOptions,
  ) {
    this.retries = {
      stage: 'retries',
      name,
      run: (exchange, next) => this.runRetries(exchange, next),
      earlyBlocker: (conditions) => this.retriesEarlyBlocker(conditions),
      answerEarly: (exchange) => this.replayEarly(exchange),
    };
  }

  /** The claim stage answers nothing early: a new request is always claimed and run in the action. */
  answerEarly(): boolean {
    return false;
  }

  /** A replay can be answered early when the record key and the fingerprint are known before the parameters. */
  private retriesEarlyBlocker(conditions: EarlyConditions): string | undefined {
    const { keySource, fingerprintSource } = this.options;
    if (this.mode === 'manual') return 'manual mode runs the action on every duplicate';
    return (
      earlyKeyBlocker(keySource, 'keyFunc', conditions) ??
      (fingerprintSource === undefined ? undefined : earlyKeyBlocker(fingerprintSource, 'fingerprint', conditions))
    );
  }

  /**
   * The early path of the `retries` stage: replays a completed request with one store read (or
   * none, for a record this process has seen). Anything else — a new key, a duplicate in flight,
   * a problem to answer — goes on to the action with what was read left for its stages.
   */
  private async replayEarly(exchange: ActionExchange): Promise<boolean> {
    if (SAFE_METHODS.has(exchange.request.method)) return false;
    const request = await this.keyed(exchange, true);
    if (request === undefined || 'status' in request) return false;
    exchange.set(KEYED, request);
    const decision = this.cachedDecision(request) ?? (await this.readOnce(request));
    if (decision?.kind === 'completed') {
      this.recorded(exchange, noAction, request, decision.record);
      return true;
    }
    if (decision !== undefined) request.decision = decision;
    return false;
  }

  /** What one read of the record decides, without waiting for a duplicate in flight (`undefined` then). */
  private async readOnce(request: KeyedRequest): Promise<Decision | undefined> {
    let view;
    try {
      view = await this.options.persistence.read(request.recordKey);
    } catch (error) {
      return { kind: 'unavailable', error };
    }
    if (view.state === 'absent' || view.state === 'orphan') return { kind: 'claimable' };
    if (isMismatch(view.record, request.fp)) return { kind: 'mismatch' };
    return view.state === 'completed' ? { kind: 'completed', record: view.record } : undefined;
  }

  /** Stage `retries`: replays a completed request, answers a duplicate in flight, defers the rest. */
  private runRetries(exchange: ActionExchange, next: () => unknown): unknown {
    if (SAFE_METHODS.has(exchange.request.method)) return next();
    const known = exchange.get(KEYED);
    return (known ? Promise.resolve(known) : this.keyed(exchange, true)).then((request) => {
      if (request === undefined || 'status' in request) return next();
      exchange.set(KEYED, request);
      const act = (decision: Decision): unknown => {
        if (decision.kind === 'busy') return this.busy(exchange);
        if (decision.kind === 'completed' && this.mode !== 'manual') return this.recorded(exchange, next, request, decision.record);
        request.decision = decision;
        return next();
      };
      const known = request.decision ?? this.cachedDecision(request);
      return known ? act(known) : this.decide(exchange, request).then(act);
    });
  }

  /** Stage `idempotency`: after the preconditions, claims and runs a new request. */
  async run(exchange: ActionExchange, next: () => unknown): Promise<unknown> {
    if (SAFE_METHODS.has(exchange.request.method)) return next();
    const request = exchange.get(KEYED) ?? (await this.keyed(exchange, false));
    if (request === undefined) return next();
    if ('status' in request) return exchange.respond(request);
    let decision = request.decision ?? (await this.decide(exchange, request));
    for (;;) {
      if (decision.kind === 'completed') return this.recorded(exchange, next, request, decision.record);
      if (decision.kind === 'mismatch') return this.mismatch(exchange, request);
      if (decision.kind === 'busy') return this.busy(exchange);
      if (decision.kind === 'unavailable') return this.unavailable(exchange, request, decision.error);
      const claimed = await this.claim(exchange, request);
      if ('kind' in claimed) {
        decision = claimed.kind === 'claimable' ? await this.decide(exchange, request) : claimed;
        continue;
      }
      return this.execute(exchange, next, request, claimed);
    }
  }

  /** The request's key and hashes, a problem (400) to answer, or `undefined` to pass (no key, optional). */
  private async keyed(exchange: ActionExchange, quiet: boolean): Promise<KeyedRequest | CapturedResponse | undefined> {
    const { request } = exchange;
    const options = this.options;
    const parsed = parseIdempotencyKey(exchange.requestHeaderLines(options.header), options.strict);
    if (parsed.kind !== 'key' && (quiet || (parsed.kind === 'missing' && options.optional))) return undefined;
    if (parsed.kind === 'missing')
      return this.problemOf('missing-key', `${request.method} ${request.route} requires the ${options.header} header`);
    if (parsed.kind === 'invalid') return this.problemOf('invalid-key', `${options.header} is invalid: ${parsed.reason}`);
    if (options.anonymous === 'reject' && isAnonymous(await request.currentUser())) {
      if (quiet) return undefined;
      return this.problemOf(
        'scope-required',
        `${request.method} ${request.route} accepts ${options.header} only from authenticated clients`,
      );
    }
    exchange.set(PARSED_IDEMPOTENCY_KEY, { header: options.header, key: parsed.key });
    const recordKey = await options.keyFunc(exchange);
    const fp = options.fingerprint ? await options.fingerprint(exchange) : null;
    return { key: parsed.key, recordKey, fp };
  }

  /** Read → decide, waiting for a duplicate in flight as `inFlight` says. */
  private async decide(exchange: ActionExchange, request: KeyedRequest): Promise<Decision> {
    const { persistence, inFlight, lockTimeoutMs, maxWaitMs } = this.options;
    const { recordKey, fp } = request;
    const cached = this.cachedDecision(request);
    if (cached !== undefined) return cached;
    // 'locked' waits for the key as long as for the lock around a claim (django-idempotency-key).
    const deadline = Date.now() + (inFlight === 'locked' ? lockTimeoutMs : maxWaitMs);
    for (let pollMs = 10; ; pollMs = Math.min(pollMs * 2, 250)) {
      let view;
      try {
        view = await persistence.read(recordKey);
      } catch (error) {
        return { kind: 'unavailable', error };
      }
      if (view.state === 'absent') return { kind: 'claimable' };
      if (isMismatch(view.record, fp)) return { kind: 'mismatch' };
      if (view.state === 'completed') return { kind: 'completed', record: view.record };
      if (view.state === 'orphan') return { kind: 'claimable' };
      const local = persistence.localFlight(recordKey);
      const remaining = deadline - Date.now();
      // An owner here that already answered is storing its outcome: wait for it even in 'conflict' mode.
      if (remaining <= 0 || (inFlight === 'conflict' && !local?.finishing)) {
        this.publish('conflict', exchange, recordKey);
        return { kind: 'busy' };
      }
      this.publish('waited', exchange, recordKey);
      await waitFor(local?.done, local ? remaining : Math.min(remaining, pollMs));
    }
  }

  /** The decision a completed record this process has seen gives: a replay needs no store round trip. */
  private cachedDecision(request: KeyedRequest): Decision | undefined {
    const cached = this.options.persistence.cached(request.recordKey);
    if (cached === undefined) return undefined;
    return isMismatch(cached, request.fp) ? { kind: 'mismatch' } : { kind: 'completed', record: cached };
  }

  /** Claim: the claim, or what to decide instead (a lost race, a busy lock, a failed store). */
  private async claim(exchange: ActionExchange, request: KeyedRequest): Promise<Claim | Decision> {
    try {
      const outcome = await this.options.persistence.claim(request.recordKey, request.fp);
      return 'claim' in outcome ? outcome.claim : { kind: 'claimable' };
    } catch (error) {
      if (!(error instanceof LockTimeoutError)) return { kind: 'unavailable', error };
      this.publish('conflict', exchange, request.recordKey);
      return { kind: 'busy' };
    }
  }

  /**
   * Run → record: runs the action (`next`) under the claim and returns what `next` returns. The
   * outcome is written when the response ends, before its body leaves (a duplicate sent once
   * the client has its answer is replayed, not met with "in flight"); an error response's body
   * is never held (Express destroys the socket after it), nor any body past HOLD_BODY_MAX_MS. A
   * client that leaves changes nothing: the response the action produced is the one recorded.
   */
  private execute(exchange: ActionExchange, next: () => unknown, request: KeyedRequest, claim: Claim): unknown {
    const options = this.options;
    this.publish(claim.takeover ? 'takeover' : 'claimed', exchange, claim.key);
    if (this.mode === 'manual') exposeInfo(exchange, { key: request.key, exists: false, response: undefined });
    const held = options.persistence.hold(claim, exchange.request.route);
    const keep = options.errors === 'record' ? () => true : (status: number) => options.storeOnStatuses.has(status);
    let recording: Promise<void> | undefined;
    let recordingStarted!: () => void;
    const started = new Promise<void>((resolve) => (recordingStarted = resolve));
    const record = (result: CaptureResult): Promise<void> => (recording ??= (recordingStarted(), held.settle(outcomeOf(result, keep))));
    exchange.onResponseCaptured(options.maxBodyBytes, (result) =>
      statusOf(result) < 400 ? holdAtMost(record(result), HOLD_BODY_MAX_MS) : void record(result),
    );
    exchange.respondAfterClose();
    let actionSettled!: () => void;
    const settled = new Promise<void>((resolve) => (actionSettled = resolve));
    void exchange.captureResponse(options.maxBodyBytes).then(async (result) => {
      if (!result.complete && result.reason === 'aborted') {
        // The client left while the action ran: the driver still ends the response after the
        // action, which records it; if it never does, the outcome is unknown and is released.
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

  /** A completed record of this request: its replay, or, in manual mode, the action told so. */
  private recorded(exchange: ActionExchange, next: () => unknown, request: KeyedRequest, record: IdempotencyRecord): unknown {
    const stored = record.response!;
    if (this.mode === 'manual') {
      exposeInfo(exchange, { key: request.key, exists: true, response: stored.body === null ? undefined : decodeResponse(stored) });
      return next();
    }
    const { header, conflictStatusCode } = this.options;
    if (stored.body === null) {
      return this.problem(exchange, 'replay-unavailable', `the response to this ${header} was too large to keep; it is not executed again`);
    }
    this.publish('replayed', exchange, request.recordKey);
    // The stored bytes may carry a content coding this client does not accept (406 then).
    return exchange.respond(replayForClient(replayResponse(stored, conflictStatusCode), exchange.request.headers['accept-encoding']));
  }

  private mismatch(exchange: ActionExchange, request: KeyedRequest): unknown {
    this.publish('mismatch', exchange, request.recordKey);
    return this.problem(exchange, 'key-reused', `this ${this.options.header} was already used for another request`);
  }

  private busy(exchange: ActionExchange): unknown {
    const problem = this.options.inFlight === 'locked' ? 'locked' : 'request-in-progress';
    return this.problem(exchange, problem, `a request with the same ${this.options.header} is still being processed`);
  }

  private unavailable(exchange: ActionExchange, request: KeyedRequest, error: unknown): unknown {
    publishIdempotencyEvent({ type: 'store-error', route: exchange.request.route, key: request.recordKey, error });
    return this.problem(exchange, 'unavailable', 'the idempotency store or lock is unavailable; the request was not processed');
  }

  private problem(exchange: ActionExchange, name: IdempotencyProblem, detail: string): unknown {
    return exchange.respond(this.problemOf(name, detail));
  }

  private problemOf(name: IdempotencyProblem, detail: string): CapturedResponse {
    return idempotencyProblem(name, detail, this.options.retryAfterSeconds);
  }

  private publish(type: Exclude<IdempotencyEvent['type'], 'store-error'>, exchange: ActionExchange, key: string): void {
    publishIdempotencyEvent({ type, route: exchange.request.route, key });
  }
}

function isMismatch(record: IdempotencyRecord, fp: string | null): boolean {
  return fp !== null && record.fp !== null && record.fp !== fp;
}

function exposeInfo(exchange: ActionExchange, info: IdempotencyInfo): void {
  exchange.exposeToAction('idempotency', info);
}

/** `work`, or nothing more than `ms` later if it takes longer: what is held waits at most `ms`. */
function holdAtMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * What `@idempotencyKeyManual` hands the action, as `req.idempotency` (Express) or
 * `ctx.state.idempotency` (Koa): the client's key, whether a completed outcome exists for it,
 * and that outcome (status, replayable headers, body bytes; `undefined` when none was kept).
 *
 * @example
 * ```ts
 * const { exists, response } = (req as { idempotency: IdempotencyInfo }).idempotency;
 * if (exists) return JSON.parse(response!.body.toString());
 * ```
 */
export interface IdempotencyInfo {
  readonly key: string;
  readonly exists: boolean;
  readonly response: CapturedResponse | undefined;
}

/** The `next` of a replay answered early: a replay never runs the action. */
function noAction(): never {
  throw new Error('an early replay never runs the action');
}
