import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Action } from 'routing-controllers';
import type { KeyBitContext } from '../keys/KeyBit';
import type { CaptureResult, CapturedResponse, HeaderValue } from './CapturedResponse';
import { beforeResponseEnd, captureResponse, inspectResponseBody, onResponseCaptured, type BeforeEndHook } from './responseInterceptor';
import { requestViewOf, type RouteInfo } from './createRequestView';
import type { RequestView } from './RequestView';
import { isRefreshRequest, sendRefreshRequest } from './refreshRequest';
import { respond } from './respond';

/**
 * One invocation of a decorated action as the library's steps see it: the neutral request view,
 * the controller call, and the few response operations the features need (headers, capture,
 * replay). The only object through which feature code reaches the response.
 */
export class ActionExchange implements KeyBitContext {
  /** The framework-neutral request. */
  readonly request: RequestView;
  /** Per-invocation scratch space where steps leave facts for later steps (e.g. validators). */
  readonly state = new Map<symbol, unknown>();

  constructor(
    private readonly action: Action,
    routeInfo: RouteInfo,
    /** The controller instance the action runs on. */
    readonly controller: object,
    /** The action's method name. */
    readonly methodName: string,
    /** The action's resolved positional arguments, as routing-controllers passes them. */
    readonly args: readonly unknown[],
  ) {
    this.request = requestViewOf(action, routeInfo);
  }

  /** The Node request both drivers read from. */
  private get nodeRequest(): IncomingMessage {
    return this.action.context ? this.action.context.req : this.action.request;
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

  /** The Node response both drivers finally write to. */
  private get nodeResponse(): ServerResponse {
    return this.action.context ? this.action.context.res : this.action.response;
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
    if (!this.action.context) Object.defineProperty(this.action.request, 'fresh', { value: false, configurable: true });
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
   * shows the response the action produced: Express always does, Koa would end it empty once the
   * socket has closed. Nothing reaches the client either way.
   */
  respondAfterClose(): void {
    const response: unknown = this.action.context?.response;
    if (typeof response !== 'object' || response === null) return;
    Object.defineProperty(response, 'writable', {
      configurable: true,
      get(this: { res: ServerResponse }) {
        return !this.res.writableEnded;
      },
    });
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

  /** Runs `hook` before the response leaves, e.g. to invalidate cached copies after a write. */
  beforeResponseEnd(hook: (status: number) => void | Promise<void>): void {
    const wrapped: BeforeEndHook = (res) => hook(res.statusCode);
    beforeResponseEnd(this.nodeResponse, wrapped);
  }

  /**
   * Runs `hook` on the complete body bytes before any leave (see `inspectResponseBody`): it gets
   * the status and the body (`undefined` past `maxBytes`, or when the head already went out),
   * may set headers, and may return a response to send instead.
   */
  inspectBody(maxBytes: number, hook: (status: number, body: Buffer | undefined) => CapturedResponse | undefined): void {
    inspectResponseBody(this.nodeResponse, maxBytes, (res, body) => hook(res.statusCode, body));
  }

  /** Resolves when the response has been fully handed to the socket or the connection closed. */
  whenFinished(): Promise<void> {
    const res = this.nodeResponse;
    if (res.writableFinished || res.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
    });
  }

  /**
   * Writes a complete response instead of running the action and returns the value the step
   * must return so routing-controllers leaves the response alone.
   */
  respond(response: CapturedResponse): unknown {
    return respond(this.action, response);
  }
}
