import type { Clock } from '../clock';
import { StateKey, type ActionExchange } from '../http/ActionExchange';
import { headerText, type CapturedResponse, type HeaderValue } from '../http/CapturedResponse';
import type { ActionStep } from '../http/steps';
import type { EarlyConditions } from '../keys/KeyBit';
import { earlyKeyBlocker } from '../keys/KeyFunc';
import { isThenable, then } from '../promises';
import { computeContentEtag } from './entityTags';
import { toEntityTag, type ResolvedEtagFunc, type ValidatedEtagOptions } from './EtagOptions';
import { evaluatePreconditions } from './evaluatePreconditions';
import { formatHttpDate, toHttpDatePrecision } from './httpDate';
import { notModifiedReplacementHeaders, preconditionResponse } from './preconditionResponses';
import type { PreconditionResult } from './PreconditionResult';

const OWNER = '@etag';
const EMPTY = Buffer.alloc(0);
const CONDITIONAL_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range', 'range'] as const;
const NO_CONDITIONS: Readonly<Record<string, string | readonly string[]>> = Object.freeze({});
/** Our `ETag` until the body is known: keeps Express from generating its own weak tag meanwhile. */
const PENDING_TAG = '"rcx-content-etag-pending"';

/** The current validators of the target resource, as the engine and the headers want them. */
interface Validators {
  readonly etag?: string;
  readonly lastModified?: number;
  readonly exists: boolean;
}

/** The validators the early path computed for this request (the action's run reuses them). */
const EARLY_VALIDATORS = new StateKey<Validators>('early-validators');

/** A step that knows headers a 304 answered before the action owes the client (e.g. `Vary`). */
export interface NotModifiedHeadersProvider {
  notModifiedHeaders(exchange: ActionExchange): Readonly<Record<string, HeaderValue>>;
}

/**
 * The `@etag` step (stage `preconditions`, so it runs before idempotency, cache and action):
 * computes the validators, evaluates the request's preconditions with `evaluatePreconditions`,
 * and answers 304 / 412 / 428 / 431 itself or lets the request through with the validators
 * set on the response. In `content` mode the tag comes from the final body bytes instead.
 * @internal
 */
export class EtagStep implements ActionStep {
  readonly stage = 'preconditions';
  readonly name = OWNER;
  #providers: readonly NotModifiedHeadersProvider[] = [];

  /**
   * @param etagFunc - the tag function resolved for the route (`undefined` with `content: true`)
   * @param clock - the settings' clock (a `Last-Modified` is never later than now)
   * @param etagSource - the tag function as given (a KeyConstructor, a function…), for the early path
   */
  constructor(
    private readonly options: ValidatedEtagOptions,
    private readonly etagFunc: ResolvedEtagFunc | undefined,
    private readonly clock: Clock,
    private readonly etagSource?: unknown,
  ) {}

  /** A 304 or 412 can be answered early when the tag is known before the parameters are resolved. */
  earlyBlocker(conditions: EarlyConditions): string | undefined {
    if (this.options.content) return 'content: true waits for the body';
    return earlyKeyBlocker(this.etagSource, 'etagFunc', conditions);
  }

  /**
   * Answers a conditional request whose preconditions fail (304, 412, 428, 431) on the early
   * path; when they pass, leaves the validators for the action's run and lets the request go on.
   */
  answerEarly(exchange: ActionExchange): boolean | Promise<boolean> {
    const method = exchange.request.method;
    if (method === 'OPTIONS' || method === 'CONNECT' || method === 'TRACE') return false;
    const headers = conditionalHeaders(exchange);
    if (headers === NO_CONDITIONS && !this.options.requirePrecondition) return false;
    return then(this.validators(exchange, false), (validators) => {
      const result = this.evaluate(method, headers, validators);
      if (result.outcome === 'proceed') {
        exchange.set(EARLY_VALIDATORS, validators);
        return false;
      }
      exchange.ignoreFrameworkFreshness();
      exchange.respond(preconditionResponse(result, this.answerHeaders(exchange, validators)));
      return true;
    });
  }

  /** Other steps of the route that know headers of its 200 (e.g. the cache's `Vary`). */
  link(steps: readonly ActionStep[]): void {
    this.#providers = steps.filter(
      (step): step is ActionStep & NotModifiedHeadersProvider =>
        typeof (step as Partial<NotModifiedHeadersProvider>).notModifiedHeaders === 'function',
    );
  }

  run(exchange: ActionExchange, next: () => unknown): unknown {
    const method = exchange.request.method;
    if (method === 'OPTIONS' || method === 'CONNECT' || method === 'TRACE') return next();
    exchange.ignoreFrameworkFreshness();
    // A compression middleware below the route encodes the body after our tag was set: a strong
    // tag then stands for two representations (RFC 9110 §8.8.3), so it must become weak.
    exchange.weakenEtagWhenEncoded();
    const headers = conditionalHeaders(exchange);
    if (this.options.content) return this.runContent(exchange, next, headers);
    const safe = method === 'GET' || method === 'HEAD';
    // An unsafe request without conditions needs no validators unless they are rebuilt anyway.
    if (!safe && headers === NO_CONDITIONS) return this.decide(exchange, next, headers, { exists: true });
    // Synchronous tag functions keep the 304 path free of promise hops.
    return then(this.validators(exchange, false), (validators) => this.decide(exchange, next, headers, validators));
  }

  /** Answers the preconditions, or runs the action and sends the validators with its response. */
  private decide(
    exchange: ActionExchange,
    next: () => unknown,
    headers: Readonly<Record<string, string | readonly string[]>>,
    validators: Validators,
  ): unknown {
    const method = exchange.request.method;
    const result = this.evaluate(method, headers, validators);
    if (result.outcome !== 'proceed') return exchange.respond(preconditionResponse(result, this.answerHeaders(exchange, validators)));
    const safe = method === 'GET' || method === 'HEAD';
    if (!safe && !this.options.rebuildAfterMethodEvaluation) return next();
    return then(next(), (value: unknown) => {
      const undecided = value === undefined || value === null;
      if (safe) return (this.sendValidators(exchange, validators, undecided), value);
      return then(this.validators(exchange, true), (rebuilt) => (this.sendValidators(exchange, rebuilt, undecided), value));
    });
  }

  /** `content: true`: tag conditions wait for the body; date conditions are answered at once. */
  private async runContent(
    exchange: ActionExchange,
    next: () => unknown,
    headers: Readonly<Record<string, string | readonly string[]>>,
  ): Promise<unknown> {
    const method = exchange.request.method;
    const { lastModified } = await this.validators(exchange, false, false);
    const before: Validators = { lastModified, exists: true };
    const safe = method === 'GET' || method === 'HEAD';
    const byTag = headers['if-match'] !== undefined || headers['if-none-match'] !== undefined;
    if (!safe || !byTag) {
      const result = this.evaluate(method, headers, before);
      if (result.outcome !== 'proceed') return exchange.respond(preconditionResponse(result, this.answerHeaders(exchange, before)));
      if (!safe) return next();
    }
    this.sendValidators(exchange, { ...before, etag: PENDING_TAG }, true);
    exchange.inspectBody(this.options.maxContentBytes, (status, body) => {
      const current = exchange.getResponseHeader('etag');
      if (current === PENDING_TAG) exchange.removeResponseHeader('etag');
      if (status < 200 || status > 299) return undefined;
      let etag = current === PENDING_TAG || current === undefined ? undefined : headerText(current);
      // A HEAD body is never serialized, so its tag is unknown (unless replayed from a stored GET).
      if (current === PENDING_TAG && body && method !== 'HEAD') {
        etag = toEntityTag(computeContentEtag(body), this.options.weak, OWNER);
        exchange.setResponseHeader('etag', etag);
      }
      if (!byTag || etag === undefined) return undefined;
      return this.replacement(exchange, this.evaluate(method, headers, { ...before, etag }));
    });
    return next();
  }

  /** The response that replaces a complete one when its preconditions fail after the action. */
  private replacement(exchange: ActionExchange, result: PreconditionResult): CapturedResponse | undefined {
    if (result.outcome === 'proceed') return undefined;
    const current = exchange.getResponseHeaders();
    const kept = notModifiedReplacementHeaders(current);
    if (result.outcome === 'not-modified') return { status: 304, headers: kept, body: EMPTY };
    const problem = preconditionResponse(result, current);
    return { ...problem, headers: { ...kept, ...problem.headers } };
  }

  private evaluate(
    method: string,
    headers: Readonly<Record<string, string | readonly string[]>>,
    validators: Validators,
  ): PreconditionResult {
    return evaluatePreconditions({
      method,
      headers,
      etag: validators.etag,
      lastModified: validators.lastModified,
      exists: validators.exists,
      requirePrecondition: this.options.requirePrecondition,
      limits: this.options.limits,
    });
  }

  /** Computes the tag (unless `withTag` is false) and the modification time, concurrently. */
  private validators(exchange: ActionExchange, refresh: boolean, withTag = true): Validators | Promise<Validators> {
    if (!refresh && withTag) {
      const early = exchange.get(EARLY_VALIDATORS);
      if (early !== undefined) return early;
    }
    const raw = withTag && this.etagFunc ? this.etagFunc(exchange, refresh) : undefined;
    const modified = this.options.lastModified?.(exchange);
    if (!isThenable(raw) && !isThenable(modified)) return this.toValidators(raw, modified, withTag);
    return Promise.all([raw, modified]).then(([tag, time]) => this.toValidators(tag, time, withTag));
  }

  private toValidators(raw: string | undefined, modified: Date | number | null | undefined, withTag: boolean): Validators {
    const time = modified instanceof Date ? modified.getTime() : typeof modified === 'number' ? modified : Number.NaN;
    return {
      etag: raw === undefined ? undefined : toEntityTag(raw, this.options.weak, OWNER),
      lastModified: Number.isFinite(time) ? time : undefined,
      exists: !withTag || raw !== undefined,
    };
  }

  /**
   * Sets `ETag` / `Last-Modified` unless already set (a handler-set value wins). Called once the
   * action returned and before the driver sends its result, so Express keeps ours instead of
   * hashing its own. When the status is still open (`undecided`: an `undefined` result may
   * become a 404), they are taken back at the end unless the response is 2xx.
   */
  private sendValidators(exchange: ActionExchange, validators: Validators, undecided: boolean): void {
    const sent: [string, string][] = [];
    if (validators.exists && validators.etag !== undefined) sent.push(['etag', validators.etag]);
    if (validators.exists && validators.lastModified !== undefined)
      sent.push(['last-modified', lastModifiedField(validators.lastModified, this.clock.now())]);
    for (const [name, value] of sent) if (exchange.getResponseHeader(name) === undefined) exchange.setResponseHeader(name, value);
    if (sent.length === 0 || !undecided) return;
    exchange.beforeResponseEnd((status) => {
      if (status >= 200 && status <= 299) return;
      for (const [name, value] of sent) if (exchange.getResponseHeader(name) === value) exchange.removeResponseHeader(name);
    });
  }

  /** What a 304 / 412 answered before the action carries: what the 200 would have had. */
  private answerHeaders(exchange: ActionExchange, validators: Validators): Record<string, HeaderValue> {
    const headers: Record<string, HeaderValue> = { ...exchange.getResponseHeaders(), ...exchange.route.headers };
    for (const provider of this.#providers) Object.assign(headers, provider.notModifiedHeaders(exchange));
    if (validators.exists && validators.etag !== undefined) headers.etag = validators.etag;
    if (validators.exists && validators.lastModified !== undefined)
      headers['last-modified'] = lastModifiedField(validators.lastModified, this.clock.now());
    return headers;
  }
}

/**
 * The conditional request headers present. Tag lists keep Node's combined value (lines joined
 * with `, `, as RFC 9110 §5.3 combines them); dates come as separate lines, since Node keeps
 * only the first and a repeated date must be ignored.
 */
function conditionalHeaders(exchange: ActionExchange): Readonly<Record<string, string | readonly string[]>> {
  const { request } = exchange;
  let found: Record<string, string | readonly string[]> | undefined;
  for (const name of CONDITIONAL_HEADERS) {
    const value = request.headers[name];
    if (value === undefined) continue;
    found ??= {};
    found[name] = name === 'if-modified-since' || name === 'if-unmodified-since' ? request.headerLines(name) : value;
  }
  return found ?? NO_CONDITIONS;
}

/** `Last-Modified` never later than now (RFC 9110 §8.8.2.1), at one-second precision. */
function lastModifiedField(time: number, now: number): string {
  return formatHttpDate(toHttpDatePrecision(Math.min(time, now)));
}
