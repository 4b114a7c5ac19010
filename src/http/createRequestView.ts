import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Action } from 'routing-controllers';
import type { DriverName, RequestView } from './RequestView';
import { negotiateFormat, negotiateLanguage } from './negotiate';
import { parseQuery } from './parseQuery';

/** What the request view needs from routing-controllers' action metadata. @internal */
export interface RouteInfo {
  readonly route: string;
  readonly currentUserChecker?: (action: Action) => unknown;
}

/** The Express request fields the view reads (structural, so `express` stays a dev dependency). */
interface ExpressRequestLike extends IncomingMessage {
  originalUrl?: string;
  params?: Record<string, string>;
  body?: unknown;
  ip?: string;
  protocol?: string;
  user?: unknown;
}

/** The Koa context fields the view reads. */
interface KoaContextLike {
  req: IncomingMessage;
  originalUrl: string;
  params?: Record<string, string>;
  request: { body?: unknown };
  ip: string;
  protocol: string;
  state: { user?: unknown };
}

/** Lazily computed, per-request view shared by the Express and Koa variants. */
abstract class LazyRequestView implements RequestView {
  abstract readonly driver: DriverName;
  readonly method: string;
  readonly path: string;
  readonly url: string;
  readonly route: string;
  #query?: Record<string, string | string[]>;
  #headers?: Record<string, string>;
  #format?: string;
  #language?: { value: string | undefined };
  #user?: Promise<unknown>;

  protected constructor(
    protected readonly message: IncomingMessage,
    url: string,
    protected readonly action: Action,
    private readonly routeInfo: RouteInfo,
  ) {
    this.method = (message.method ?? 'GET').toUpperCase();
    this.url = url;
    const mark = url.indexOf('?');
    this.path = mark < 0 ? url : url.slice(0, mark);
    this.route = routeInfo.route;
  }

  abstract readonly params: Readonly<Record<string, string>>;
  abstract readonly body: unknown;
  abstract readonly ip: string;
  abstract readonly protocol: string;
  abstract readonly raw: object;
  protected abstract userFromRequest(): unknown;

  get query(): Readonly<Record<string, string | string[]>> {
    return (this.#query ??= parseQuery(this.url));
  }

  get headers(): Readonly<Record<string, string>> {
    return (this.#headers ??= combineHeaders(this.message.headers));
  }

  headerLines(name: string): readonly string[] {
    return this.message.headersDistinct[name.toLowerCase()] ?? [];
  }

  get host(): string {
    return this.headers.host ?? '';
  }

  get format(): string {
    if (this.#format === undefined) {
      const param = this.query.format;
      this.#format = negotiateFormat(typeof param === 'string' ? param : param?.[0], this.headers.accept);
    }
    return this.#format;
  }

  get language(): string | undefined {
    return (this.#language ??= { value: negotiateLanguage(this.headers['accept-language']) }).value;
  }

  currentUser(): Promise<unknown> {
    const checker = this.routeInfo.currentUserChecker;
    return (this.#user ??= checker
      ? Promise.resolve().then(() => checker(this.action))
      : Promise.resolve(this.userFromRequest()));
  }
}

class ExpressRequestView extends LazyRequestView {
  readonly driver = 'express';

  constructor(
    private readonly req: ExpressRequestLike,
    action: Action,
    routeInfo: RouteInfo,
  ) {
    super(req, req.originalUrl ?? req.url ?? '/', action, routeInfo);
  }

  get params(): Readonly<Record<string, string>> {
    return this.req.params ?? {};
  }
  get body(): unknown {
    return this.req.body;
  }
  get ip(): string {
    return this.req.ip ?? this.req.socket?.remoteAddress ?? '';
  }
  get protocol(): string {
    return this.req.protocol ?? 'http';
  }
  get raw(): object {
    return this.req;
  }
  protected userFromRequest(): unknown {
    return this.req.user;
  }
}

class KoaRequestView extends LazyRequestView {
  readonly driver = 'koa';

  constructor(
    private readonly ctx: KoaContextLike,
    action: Action,
    routeInfo: RouteInfo,
  ) {
    super(ctx.req, ctx.originalUrl, action, routeInfo);
  }

  get params(): Readonly<Record<string, string>> {
    return this.ctx.params ?? {};
  }
  get body(): unknown {
    return this.ctx.request.body;
  }
  get ip(): string {
    return this.ctx.ip;
  }
  get protocol(): string {
    return this.ctx.protocol;
  }
  get raw(): object {
    return this.ctx;
  }
  protected userFromRequest(): unknown {
    return this.ctx.state.user;
  }
}

/**
 * Where a request's view is kept: a symbol-keyed property of the Node request rather than a
 * WeakMap, since one short-lived WeakMap entry per request makes every garbage collection walk
 * ephemerons (measured: a visibly slower hit path and p99 spikes).
 */
const VIEW = Symbol('routing-controllers-extensions:request-view');

type WithView = IncomingMessage & { [VIEW]?: RequestView };

/**
 * The request view of a routing-controllers `Action`, built once per request (the same object
 * for every decorator and middleware of this library that asks).
 * @internal
 */
export function requestViewOf(action: Action, routeInfo: RouteInfo): RequestView {
  const message: WithView = action.context ? action.context.req : action.request;
  return (message[VIEW] ??= action.context
    ? new KoaRequestView(action.context as KoaContextLike, action, routeInfo)
    : new ExpressRequestView(action.request as ExpressRequestLike, action, routeInfo));
}

function combineHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  // Node joins repeated request lines itself except Set-Cookie, the one array-valued field.
  if (headers['set-cookie'] === undefined) return headers as Record<string, string>;
  const combined: Record<string, string> = Object.create(null);
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) combined[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return combined;
}
