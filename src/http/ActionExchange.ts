import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Action } from 'routing-controllers';
import type { EarlyConditions, KeyBitContext } from '../keys/KeyBit';
import type { CaptureResult, CapturedResponse, HeaderValue } from './CapturedResponse';
import { beforeHeaders } from './beforeHeaders';
import { weakenEtagWhenEncoded } from './contentCoding';
import type { HostAdapter } from './HostAdapter';
import { isRefreshRequest, sendRefreshRequest } from './refreshRequest';
import type { RequestView, RouteInfo } from './RequestView';
import { beforeResponseEnd, captureResponse, inspectResponseBody, onResponseCaptured } from './responseInterceptor';

/**
 * Thrown on a route's early path when something reads what exists only once routing-controllers
 * has resolved the action's parameters (the arguments, a body parsed for the route): the early
 * path then gives the request to the action, and learns not to try that route again.
 * @internal
 */
export class EarlyPathUnavailable extends Error {
  constructor(readonly missing: string) {
    super(`${missing} are not known before routing-controllers resolves the action's parameters`);
    this.name = 'EarlyPathUnavailable';
  }
}

/** The {@link EarlyPathUnavailable} that `error` is or was caused by, if any. @internal */
export function earlyPathUnavailable(error: unknown): EarlyPathUnavailable | undefined {
  for (let seen = error, depth = 0; seen instanceof Error && depth < 8; seen = seen.cause, depth++) {
    if (seen instanceof EarlyPathUnavailable) return seen;
  }
  return undefined;
}

/** The request view with a `body` that throws: what the early path hands steps where the body is parsed later. */
function withoutBody(view: RequestView): RequestView {
  return new Proxy(view, {
    get(target, name) {
      if (name === 'body') throw new EarlyPathUnavailable('the request body');
      const value: unknown = Reflect.get(target, name, target);
      // The view's methods use private fields: call them on the view itself, not the proxy.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A typed slot of per-request state on an {@link ActionExchange}, where a step leaves a fact for
 * a later one (e.g. that a response's Cache-Control is the cache's own).
 *
 * @example
 * ```ts
 * const OWN_CACHE_CONTROL = new StateKey<boolean>('own-cache-control');
 * exchange.set(OWN_CACHE_CONTROL, true);
 * exchange.get(OWN_CACHE_CONTROL); // true
 * ```
 */
export class StateKey<T> {
  /** @param description - for debugging only */
  constructor(readonly description: string) {}

  /** Only here so that keys of different `T` are different types. */
  declare readonly valueType?: T;
}

/** Where a request's key memos live in its state. */
const KEY_MEMOS = new StateKey<Map<object, unknown>>('key-memos');

/**
 * One invocation of a decorated action as the library's steps see it: the neutral request view,
 * the controller call, typed per-request state, and the few response operations the features
 * need (headers, capture, replay). The only object through which feature code reaches the
 * request and the response; what differs between drivers is the {@link HostAdapter}'s.
 */
export class ActionExchange implements KeyBitContext {
  /** The framework-neutral request. */
  readonly request: RequestView;
  #state: Map<object, unknown> | undefined;
  readonly #args: readonly unknown[];
  #keyMemos: Map<object, unknown> | undefined;

  constructor(
    private readonly adapter: HostAdapter,
    private readonly action: Action,
    /** What is known about the route (pattern, the app's currentUserChecker, its `@Header`s). */
    readonly route: RouteInfo,
    /** The controller instance the action runs on. */
    readonly controller: object,
    /** The action's method name. */
    readonly methodName: string,
    args: readonly unknown[],
    /**
     * On the route's early path (before routing-controllers resolves the parameters): what is
     * known then. Reading `args`, or `request.body` where it is not parsed yet, throws
     * {@link EarlyPathUnavailable} there, so a step (or a user's key function) that needs them
     * falls back to the action instead of computing from what is missing.
     */
    readonly early?: EarlyConditions,
  ) {
    const view = adapter.requestView(action, route);
    this.request = early && !early.bodyParsed ? withoutBody(view) : view;
    this.#args = args;
  }

  /**
   * The arguments as known so far (none on the early path), without the early path's guard: what
   * a per-request memo tells invocations apart by.
   * @internal
   */
  get invocationArgs(): readonly unknown[] {
    return this.#args;
  }

  /** The action's resolved positional arguments, as routing-controllers passes them. */
  get args(): readonly unknown[] {
    if (this.early) throw new EarlyPathUnavailable("the action's arguments");
    return this.#args;
  }

  /**
   * The per-request memo table of key constructors (see `KeyBitContext.keyMemos`), shared by the
   * early path and the action of one request.
   */
  get keyMemos(): Map<object, unknown> {
    if (this.#keyMemos) return this.#keyMemos;
    const state = (this.#state ??= this.adapter.requestState(this.action));
    let memos = state.get(KEY_MEMOS) as Map<object, unknown> | undefined;
    if (!memos) state.set(KEY_MEMOS, (memos = new Map()));
    return (this.#keyMemos = memos);
  }

  /** A fact a step left for this request (on its early path or in the action), if any. */
  get<T>(key: StateKey<T>): T | undefined {
    return (this.#state ??= this.adapter.requestState(this.action)).get(key) as T | undefined;
  }

  /** Leaves a fact for later steps of this request. */
  set<T>(key: StateKey<T>, value: T): void {
    (this.#state ??= this.adapter.requestState(this.action)).set(key, value);
  }

  private get nodeRequest(): IncomingMessage {
    return this.adapter.nodeRequest(this.action);
  }

  private get nodeResponse(): ServerResponse {
    return this.adapter.nodeResponse(this.action);
  }

  /** Whether this request is this process's own background refresh (see `refreshInBackground`). */
  get isBackgroundRefresh(): boolean {
    return isRefreshRequest(this.nodeRequest);
  }

  /**
   * Runs the same GET again in the background, through the whole route, marked so that
   * `isBackgroundRefresh` is true there. Resolves when it has ended; never rejects.
   */
  refreshInBackground(): Promise<void> {
    return sendRefreshRequest(this.nodeRequest, this.request.url);
  }

  /** Sets a response header before the response is written. */
  setResponseHeader(name: string, value: HeaderValue): void {
    const res = this.nodeResponse;
    if (!res.headersSent) res.setHeader(name, value);
  }

  /** A response header set so far (by the framework, the action or a step). */
  getResponseHeader(name: string): HeaderValue | undefined {
    return this.nodeResponse.getHeader(name) as HeaderValue | undefined;
  }

  /** Every response header set so far, by lower-cased name. */
  getResponseHeaders(): Record<string, HeaderValue> {
    const headers: Record<string, HeaderValue> = {};
    const current = this.nodeResponse.getHeaders();
    for (const name in current) {
      const value = current[name];
      if (value !== undefined) headers[name] = value as HeaderValue;
    }
    return headers;
  }

  /** Removes a response header before the response is written. */
  removeResponseHeader(name: string): void {
    const res = this.nodeResponse;
    if (!res.headersSent) res.removeHeader(name);
  }

  /**
   * Stops the framework from answering conditional requests by itself (Express's `req.fresh`
   * check in `res.send`), so a feature that evaluates them answers alike on both drivers.
   */
  ignoreFrameworkFreshness(): void {
    this.adapter.ignoreFrameworkFreshness(this.action);
  }

  /**
   * Makes a strong `ETag` of this response weak if a content coding is applied to it later (by a
   * compression middleware below the route): gzip and identity bytes must not share a strong tag.
   */
  weakenEtagWhenEncoded(): void {
    weakenEtagWhenEncoded(this.nodeResponse);
  }

  /**
   * Resolves with the response exactly as written to the wire once it ends (see
   * `captureResponse`); install before running the action.
   */
  captureResponse(maxBytes: number): Promise<CaptureResult> {
    return captureResponse(this.nodeResponse, maxBytes);
  }

  /**
   * Runs `hook` on the capture of the response once it ends, before the body leaves (see
   * `onResponseCaptured`): a promise it returns holds the body, so never return one for an
   * error response (Express may destroy the socket right after writing it).
   */
  onResponseCaptured(maxBytes: number, hook: (result: CaptureResult) => void | Promise<void>): void {
    onResponseCaptured(this.nodeResponse, maxBytes, hook);
  }

  /**
   * Makes the driver still write the response after the client has gone away, so that a capture
   * shows the response the action produced. Nothing reaches the client either way.
   */
  respondAfterClose(): void {
    this.adapter.respondAfterClose(this.action);
  }

  /** Hands the action a per-request value: `req[name]` on Express, `ctx.state[name]` on Koa. */
  exposeToAction(name: string, value: unknown): void {
    this.adapter.exposeToAction(this.action, name, value);
  }

  /**
   * The field lines of a request header, read from the raw header list (cheaper than
   * `request.headerLines`, which builds Node's `headersDistinct` for every header).
   */
  requestHeaderLines(name: string): readonly string[] {
    const raw = this.nodeRequest.rawHeaders;
    const lower = name.toLowerCase();
    let lines: string[] | undefined;
    for (let index = 0; index < raw.length; index += 2) {
      const field = raw[index];
      if (field.length === lower.length && field.toLowerCase() === lower) (lines ??= []).push(raw[index + 1]);
    }
    return lines ?? [];
  }

  /**
   * Runs `hook` once, just before the response head is written (explicitly, or by the first
   * write of a streamed body, which comes before `beforeResponseEnd` hooks), with the status.
   */
  beforeHeadersSent(hook: (status: number) => void): void {
    beforeHeaders(this.nodeResponse, hook);
  }

  /** Runs `hook` before the response leaves, e.g. to invalidate cached copies after a write. */
  beforeResponseEnd(hook: (status: number) => void | Promise<void>): void {
    beforeResponseEnd(this.nodeResponse, (res) => hook(res.statusCode));
  }

  /**
   * Runs `hook` on the complete body bytes before any leave (see `inspectResponseBody`): it gets
   * the status and the body (`undefined` past `maxBytes`, or when the head already went out),
   * may set headers, and may return a response to send instead.
   */
  inspectBody(maxBytes: number, hook: (status: number, body: Buffer | undefined) => CapturedResponse | undefined): void {
    inspectResponseBody(this.nodeResponse, maxBytes, (res, body) => hook(res.statusCode, body));
  }

  /**
   * Writes a complete response instead of running the action and returns the value the step
   * must return so routing-controllers leaves the response alone.
   */
  respond(response: CapturedResponse): unknown {
    return this.adapter.respond(this.action, response);
  }
}
