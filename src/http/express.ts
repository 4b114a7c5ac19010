import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Action } from 'routing-controllers';
import type { CapturedResponse } from './CapturedResponse';
import { BODILESS_STATUSES, REQUEST_STATE, REQUEST_VIEW, type HostAdapter, type WithRequestView } from './HostAdapter';
import { LazyRequestView, type RouteInfo } from './RequestView';

/** The Express request fields the adapter reads (structural, so `express` stays a dev dependency). */
interface ExpressRequest extends IncomingMessage {
  originalUrl?: string;
  params?: Record<string, string>;
  body?: unknown;
  ip?: string;
  protocol?: string;
  hostname?: string;
  user?: unknown;
  app?: { get(setting: string): unknown };
}

type TrustProxy = (address: string | undefined, hop: number) => boolean;

class ExpressRequestView extends LazyRequestView {
  readonly driver = 'express';
  #host?: string;

  constructor(
    private readonly req: ExpressRequest,
    action: Action,
    route: RouteInfo,
  ) {
    super(req, req.originalUrl ?? req.url ?? '/', action, route);
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
  /**
   * Host and port as Express resolves `req.hostname` (X-Forwarded-Host only from a proxy `trust
   * proxy` trusts, its first value), with the port kept, lower-cased; computed once.
   */
  get host(): string {
    return (this.#host ??= resolveExpressHost(this.req));
  }
  get raw(): object {
    return this.req;
  }
  protected userFromRequest(): unknown {
    return this.req.user;
  }
}

function resolveExpressHost(req: ExpressRequest): string {
  const trust = req.app?.get('trust proxy fn') as TrustProxy | undefined;
  const forwarded = req.headers['x-forwarded-host'];
  let host = typeof forwarded === 'string' && forwarded !== '' && trust?.(req.socket?.remoteAddress, 0) ? forwarded : req.headers.host;
  if (host === undefined) return '';
  const comma = host.indexOf(',');
  if (comma >= 0) host = host.slice(0, comma);
  return host.trim().toLowerCase();
}

/**
 * routing-controllers' Express driver (Express 4 and 5): the action carries `request` and
 * `response`; the response is written inside `handleSuccess`, and `res.send` answers conditional
 * requests by itself unless told otherwise.
 * @internal
 */
export const expressAdapter: HostAdapter = {
  driver: 'express',

  nodeRequest: (action: Action): IncomingMessage => action.request,

  nodeResponse: (action: Action): ServerResponse => action.response,

  requestView(action, route) {
    const req = action.request as ExpressRequest & WithRequestView;
    return (req[REQUEST_VIEW] ??= new ExpressRequestView(req, action, route));
  },

  respond(action, { status, headers, body }: CapturedResponse): unknown {
    const res = action.response as ServerResponse;
    res.statusCode = status;
    for (const name in headers) res.setHeader(name, headers[name]);
    if (BODILESS_STATUSES.has(status)) {
      res.removeHeader('content-length');
      res.end();
    } else {
      // Node drops the body itself for HEAD requests but keeps this length, as RFC 9110 §9.3.2 wants.
      res.setHeader('content-length', body.length);
      res.end(body);
    }
    return res;
  },

  ignoreFrameworkFreshness(action) {
    Object.defineProperty(action.request, 'fresh', { value: false, configurable: true });
  },

  // Express writes the response whether or not the client is still there.
  respondAfterClose() {},

  exposeToAction(action, name, value) {
    (action.request as Record<string, unknown>)[name] = value;
  },

  middlewareAction(args) {
    const [request, response, next] = args;
    return typeof next === 'function' && args.length === 3 ? { request, response, next: next as Action['next'] } : undefined;
  },

  requestState(action) {
    const req = action.request as WithRequestView;
    return (req[REQUEST_STATE] ??= new Map());
  },
};
