import { LockTimeoutError } from '../errors';
import { publishIdempotencyEvent, type IdempotencyEvent } from '../events';
import type { ActionExchange } from '../http/ActionExchange';
import type { CapturedResponse } from '../http/CapturedResponse';
import { replayForClient } from '../http/contentCoding';
import type { ActionStep } from '../http/steps';
import { idempotencyProblem, type IdempotencyProblem } from './idempotencyProblems';
import { PARSED_IDEMPOTENCY_KEY } from './IdempotencyKeyBit';
import type { ResolvedIdempotencyOptions } from './IdempotencyKeyOptions';
import { decodeResponse, type IdempotencyRecord, type StoredIdempotentResponse } from './IdempotencyRecord';
import type { Claim, RecordView } from './IdempotencyRecords';
import { parseIdempotencyKey } from './parseIdempotencyKey';
import { replayResponse } from './replayResponse';
import { localFlight, runClaimedAction } from './runClaimedAction';

/** How a step was attached: a decorator, the manual decorator, or the opt-out middleware. */
export type IdempotencyMode = 'key' | 'manual' | 'opt-out';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The idempotency step of one action (research §3.6): parses the key, fingerprints the request,
 * then replays a completed outcome, answers a mismatch (422) or an in-flight duplicate (wait then
 * replay or 409, 409 at once, or wait then 423), or claims the key, runs the action under a
 * renewed lease and stores or releases the outcome once the response has ended. Store or lock
 * failures before the claim answer 503. Problem details never echo the client's key.
 * @internal
 */
export class IdempotencyStep implements ActionStep {
  readonly stage = 'idempotency';

  /**
   * @param name - the decorator or middleware, for diagnostics
   * @param options - the options merged with the settings the route is bound to
   */
  constructor(
    readonly name: string,
    readonly mode: IdempotencyMode,
    private readonly options: ResolvedIdempotencyOptions,
  ) {}

  async run(exchange: ActionExchange, next: () => unknown): Promise<unknown> {
    const request = exchange.request;
    if (SAFE_METHODS.has(request.method)) return next();
    const options = this.options;
    const parsed = parseIdempotencyKey(exchange.requestHeaderLines(options.header), options.strict);
    if (parsed.kind === 'missing') {
      if (options.optional) return next();
      return this.problem(exchange, options, 'missing-key', `${request.method} ${request.route} requires the ${options.header} header`);
    }
    if (parsed.kind === 'invalid') return this.problem(exchange, options, 'invalid-key', `${options.header} is invalid: ${parsed.reason}`);
    if (options.anonymous === 'reject' && isAnonymous(await request.currentUser())) {
      return this.problem(
        exchange,
        options,
        'scope-required',
        `${request.method} ${request.route} accepts ${options.header} only from authenticated clients`,
      );
    }
    exchange.set(PARSED_IDEMPOTENCY_KEY, { header: options.header, key: parsed.key });
    const recordKey = await options.keyFunc(exchange);
    const fp = options.fingerprint ? await options.fingerprint(exchange) : null;
    // A replay of an outcome this process has seen needs no store round trip, hence no await.
    const cached = options.records.cachedCompleted(recordKey);
    if (cached !== undefined) return this.recorded(exchange, next, options, parsed.key, recordKey, fp, cached);
    return this.decide(exchange, next, options, parsed.key, recordKey, fp);
  }

  private async decide(
    exchange: ActionExchange,
    next: () => unknown,
    options: ResolvedIdempotencyOptions,
    key: string,
    recordKey: string,
    fp: string | null,
  ): Promise<unknown> {
    const route = exchange.request.route;
    // 'locked' waits for the key as long as for the lock around a claim (django-idempotency-key).
    const deadline = Date.now() + (options.inFlight === 'locked' ? options.lockTimeoutMs : options.maxWaitMs);
    const busy: IdempotencyProblem = options.inFlight === 'locked' ? 'locked' : 'request-in-progress';
    let pollMs = 10;
    for (;;) {
      let view: RecordView;
      try {
        view = await options.records.read(recordKey);
      } catch (error) {
        return this.unavailable(exchange, options, recordKey, error);
      }
      if (view.state === 'completed') return this.recorded(exchange, next, options, key, recordKey, fp, view.record);
      if (view.state === 'in-flight') {
        if (isMismatch(view.record, fp)) return this.mismatch(exchange, options, recordKey);
        const local = localFlight(options.records.storage, recordKey);
        // The owner here already answered and is storing its outcome: that is a matter of moments.
        if (local?.finishing) {
          await local.done;
          continue;
        }
        const remaining = deadline - Date.now();
        if (options.inFlight === 'conflict' || remaining <= 0) {
          this.publish('conflict', route, recordKey);
          return this.problem(exchange, options, busy, `a request with the same ${options.header} is still being processed`);
        }
        this.publish('waited', route, recordKey);
        await waitFor(local?.done, Math.min(remaining, local ? remaining : pollMs));
        pollMs = Math.min(pollMs * 2, 250);
        continue;
      }
      if (view.state === 'orphan' && isMismatch(view.record, fp)) return this.mismatch(exchange, options, recordKey);
      let outcome: Awaited<ReturnType<typeof options.records.claim>>;
      try {
        outcome = await options.records.claim(recordKey, fp);
      } catch (error) {
        if (!(error instanceof LockTimeoutError)) return this.unavailable(exchange, options, recordKey, error);
        this.publish('conflict', route, recordKey);
        return this.problem(exchange, options, busy, `the same ${options.header} is being claimed by another request`);
      }
      if ('claim' in outcome) return this.execute(exchange, next, options, key, outcome.claim);
    }
  }

  /** A completed record: 422 for another request, else its replay (or the manual action). */
  private recorded(
    exchange: ActionExchange,
    next: () => unknown,
    options: ResolvedIdempotencyOptions,
    key: string,
    recordKey: string,
    fp: string | null,
    record: IdempotencyRecord,
  ): unknown {
    if (isMismatch(record, fp)) return this.mismatch(exchange, options, recordKey);
    const stored = record.response as StoredIdempotentResponse;
    if (this.mode === 'manual') {
      exchange.exposeToAction('idempotency', {
        key,
        exists: true,
        response: stored.body === null ? undefined : decodeResponse(stored),
      } satisfies IdempotencyInfo);
      return next();
    }
    if (stored.body === null) {
      return this.problem(
        exchange,
        options,
        'replay-unavailable',
        `the response to this ${options.header} was too large to keep; it is not executed again`,
      );
    }
    this.publish('replayed', exchange.request.route, recordKey);
    return exchange.respond(
      replayForClient(replayResponse(stored, options.conflictStatusCode), exchange.request.headers['accept-encoding']),
    );
  }

  private mismatch(exchange: ActionExchange, options: ResolvedIdempotencyOptions, recordKey: string): unknown {
    this.publish('mismatch', exchange.request.route, recordKey);
    return this.problem(exchange, options, 'key-reused', `this ${options.header} was already used for another request`);
  }

  private execute(exchange: ActionExchange, next: () => unknown, options: ResolvedIdempotencyOptions, key: string, claim: Claim): unknown {
    this.publish(claim.takeover ? 'takeover' : 'claimed', exchange.request.route, claim.key);
    if (this.mode === 'manual')
      exchange.exposeToAction('idempotency', { key, exists: false, response: undefined } satisfies IdempotencyInfo);
    return runClaimedAction(exchange, next, options, claim);
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
}

function isMismatch(record: IdempotencyRecord, fp: string | null): boolean {
  return fp !== null && record.fp !== null && record.fp !== fp;
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
