import type { ServerResponse } from 'node:http';
import type { Action } from 'routing-controllers';
import type { CapturedResponse } from './CapturedResponse';

/** Statuses that never carry content (RFC 9110 §6.4.1). */
const BODILESS = new Set([204, 205, 304]);

/**
 * Writes a complete response through the driver and returns the value an action must return
 * so that routing-controllers leaves the response alone (its own short-circuit): the Express
 * `res`, or the Koa `ctx`.
 * @internal
 */
export function respond(action: Action, response: CapturedResponse): unknown {
  return action.context ? respondKoa(action.context, response) : respondExpress(action.response, response);
}

function respondExpress(res: ServerResponse, { status, headers, body }: CapturedResponse): ServerResponse {
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]);
  if (BODILESS.has(status)) {
    res.removeHeader('content-length');
    res.end();
  } else {
    // Node drops the body itself for HEAD requests but keeps this length, as RFC 9110 §9.3.2 wants.
    res.setHeader('content-length', body.length);
    res.end(body);
  }
  return res;
}

interface KoaContextLike {
  status: number;
  body: unknown;
  res: ServerResponse;
}

function respondKoa(ctx: KoaContextLike, { status, headers, body }: CapturedResponse): KoaContextLike {
  ctx.status = status;
  // Headers go before the body: Koa would otherwise pick its own content type for a Buffer.
  for (const name in headers) ctx.res.setHeader(name, headers[name]);
  ctx.body = BODILESS.has(status) ? null : body;
  if (BODILESS.has(status)) ctx.status = status;
  return ctx;
}
