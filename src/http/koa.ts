import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Action } from 'routing-controllers';
import type { CapturedResponse } from './CapturedResponse';
import { BODILESS_STATUSES, REQUEST_STATE, REQUEST_VIEW, type HostAdapter, type WithRequestView } from './HostAdapter';
import { LazyRequestView, type RouteInfo } from './RequestView';

/** The Koa context fields the adapter reads (structural, so `koa` stays a dev dependency). */
interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  originalUrl: string;
  params?: Record<string, string>;
  request: { body?: unknown };
  response: object;
  ip: string;
  protocol: string;
  host: string;
  state: Record<string, unknown> & { user?: unknown };
  status: number;
  body: unknown;
}

class KoaRequestView extends LazyRequestView {
  readonly driver = 'koa';

  constructor(
    private readonly ctx: KoaContext,
    action: Action,
    route: RouteInfo,
  ) {
    super(ctx.req, ctx.originalUrl, action, route);
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
  /** `ctx.host` (X-Forwarded-Host only with `app.proxy`), lower-cased. */
  get host(): string {
    return this.ctx.host.toLowerCase();
  }
  get raw(): object {
    return this.ctx;
  }
  protected userFromRequest(): unknown {
    return this.ctx.state.user;
  }
}

const contextOf = (action: Action): KoaContext => action.context as KoaContext;

/**
 * routing-controllers' Koa driver (Koa 2 and 3): the action carries `context`; nothing is written
 * until Koa's `respond()` after the middleware chain unwinds, from `ctx.status`, the headers and
 * `ctx.body`.
 * @internal
 */
export const koaAdapter: HostAdapter = {
  driver: 'koa',

  nodeRequest: (action) => contextOf(action).req,

  nodeResponse: (action) => contextOf(action).res,

  requestView(action, route) {
    const ctx = contextOf(action);
    const req = ctx.req as WithRequestView;
    return (req[REQUEST_VIEW] ??= new KoaRequestView(ctx, action, route));
  },

  respond(action, { status, headers, body }: CapturedResponse): unknown {
    const ctx = contextOf(action);
    const bodiless = BODILESS_STATUSES.has(status);
    ctx.status = status;
    // Headers go before the body: Koa would otherwise pick its own content type for a Buffer.
    for (const name in headers) ctx.res.setHeader(name, headers[name]);
    ctx.body = bodiless ? null : body;
    // Setting the body to null turns the status into 204: set it again.
    if (bodiless) ctx.status = status;
    return ctx;
  },

  // Koa has no freshness check of its own.
  ignoreFrameworkFreshness() {},

  respondAfterClose(action) {
    // Koa ends a response empty once the socket has closed (`ctx.writable` false): answering
    // as if it were still open lets a capture see the response the action produced.
    Object.defineProperty(contextOf(action).response, 'writable', {
      configurable: true,
      get(this: { res: ServerResponse }) {
        return !this.res.writableEnded;
      },
    });
  },

  exposeToAction(action, name, value) {
    contextOf(action).state[name] = value;
  },

  middlewareAction(args) {
    const [context, next] = args as [KoaContext | undefined, unknown];
    if (args.length !== 2 || typeof next !== 'function' || typeof context !== 'object' || context === null || !('req' in context))
      return undefined;
    return { request: context.request, response: context.response, context, next: next as Action['next'] };
  },

  requestState(action) {
    const req = contextOf(action).req as WithRequestView;
    return (req[REQUEST_STATE] ??= new Map());
  },
};
