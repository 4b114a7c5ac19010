import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Action } from 'routing-controllers';
import type { CapturedResponse } from './CapturedResponse';
import type { DriverName, RequestView, RouteInfo } from './RequestView';

/**
 * Everything that differs between routing-controllers' drivers, behind one interface: the
 * Express adapter (`express.ts`) and the Koa adapter (`koa.ts`) are the only modules that know
 * `req`, `res` and `ctx`. Feature code reaches a request only through an `ActionExchange`.
 * @internal
 */
export interface HostAdapter {
  readonly driver: DriverName;
  /** The Node request the driver reads from. */
  nodeRequest(action: Action): IncomingMessage;
  /** The Node response the driver finally writes to. */
  nodeResponse(action: Action): ServerResponse;
  /** The request's view, built once per request (the same object for every step that asks). */
  requestView(action: Action, route: RouteInfo): RequestView;
  /**
   * Writes a complete response instead of running the action and returns the value the action
   * must return so that routing-controllers leaves the response alone (its own short-circuit).
   */
  respond(action: Action, response: CapturedResponse): unknown;
  /** Stops the framework from answering conditional requests by itself (Express's `req.fresh`). */
  ignoreFrameworkFreshness(action: Action): void;
  /** Makes the driver still write the response after the client has gone away (Koa would not). */
  respondAfterClose(action: Action): void;
  /** Hands the action a per-request value: `req[name]` on Express, `ctx.state[name]` on Koa. */
  exposeToAction(action: Action, name: string, value: unknown): void;
  /**
   * The `Action` of a request seen by a route-level middleware (`(req, res, next)` on Express,
   * `(ctx, next)` on Koa), as routing-controllers would build it; `undefined` when the arguments
   * are another driver's.
   */
  middlewareAction(args: readonly unknown[]): Action | undefined;
  /** Per-request state shared by every exchange of one request (the early path's and the action's). */
  requestState(action: Action): Map<object, unknown>;
}

/** Statuses that never carry content (RFC 9110 §6.4.1). @internal */
export const BODILESS_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/**
 * Where an adapter keeps a request's view: a symbol-keyed property of the Node request rather
 * than a WeakMap, since one short-lived WeakMap entry per request makes every garbage collection
 * walk ephemerons (measured: a visibly slower hit path and p99 spikes).
 * @internal
 */
export const REQUEST_VIEW = Symbol('routing-controllers-extensions:request-view');

/** Where an adapter keeps a request's state (see `HostAdapter.requestState`), for the same reason. @internal */
export const REQUEST_STATE = Symbol('routing-controllers-extensions:request-state');

/** A Node request carrying its view and state. @internal */
export type WithRequestView = IncomingMessage & { [REQUEST_VIEW]?: RequestView; [REQUEST_STATE]?: Map<object, unknown> };
