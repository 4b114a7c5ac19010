import type { MetadataArgsStorage } from 'routing-controllers/types/metadata-builder/MetadataArgsStorage';
import { publishRouteEvent } from '../events';
import { ActionExchange, earlyPathUnavailable } from './ActionExchange';
import type { ActionStep } from './steps';
import type { RouteOverride, RouteSlot } from './routes';

/*
 * The early path: a route-level before-middleware (what `@UseBefore` registers) that answers
 * cache hits, 304s and replays before routing-controllers resolves the action's parameters, runs
 * executeAction and handles the result — what apicache and koa-cash skip too. It is only put on
 * routes where nothing the app relies on runs between it and the action: no `@Authorized` (its
 * check runs after route middlewares), no route or controller middlewares (an auth or
 * rate-limit middleware must run first), no interceptors and no 'after' middlewares (they would
 * not see the answer). The app's global 'before' middlewares run before it, as before every route.
 */

/** What the app being built registers, as far as the early path cares. @internal */
export interface AppFacts {
  /** The app has interceptors (global ones, or listed in `interceptors`). */
  readonly interceptors: boolean;
  /** The app has 'after' middlewares. */
  readonly afterMiddlewares: boolean;
}

/**
 * Why a route's structure keeps it off the early path, or `undefined` when it allows one.
 * @internal
 */
export function structuralBlocker(
  storage: MetadataArgsStorage,
  controller: Function,
  methodName: string,
  app: AppFacts,
): string | undefined {
  const onRoute = (entry: { target: Function; method?: string }) =>
    entry.target === controller && (entry.method === undefined || entry.method === methodName);
  if (storage.responseHandlers.some((handler) => handler.type === 'authorized' && onRoute(handler))) return '@Authorized';
  if (storage.uses.some(onRoute)) return 'route or controller middlewares (@UseBefore/@UseAfter) must run first';
  if (storage.useInterceptors.some(onRoute) || app.interceptors) return 'interceptors would not see an early answer';
  if (app.afterMiddlewares) return "the app's 'after' middlewares would not see an early answer";
  return undefined;
}

/**
 * The early middleware of one route: once the route's first request has taught its override the
 * route (`runtime`), answers from the steps that can; anything else goes on to the action. A
 * failure on the early path never fails the request: the action path runs instead.
 * @internal
 */
export function earlyMiddleware(override: RouteOverride, routeId: string): (...args: unknown[]) => unknown {
  publishRouteEvent({ type: 'early-path', route: routeId, enabled: true });
  return function earlyPath(...args: unknown[]): unknown {
    const next = args[args.length - 1] as () => unknown;
    const runtime = override.runtime;
    if (runtime === undefined) return next();
    const action = runtime.adapter.middlewareAction(args);
    if (action === undefined) return next();
    const conditions = { bodyParsed: !runtime.parsesBodyLate };
    const plan = runtime.slot.earlyPlan(conditions);
    if (!('steps' in plan)) return next();
    let exchange: ActionExchange;
    try {
      exchange = new ActionExchange(runtime.adapter, action, runtime.info, runtime.controllerOf(action), runtime.method, [], conditions);
    } catch {
      return next();
    }
    return answer(plan.steps, 0, exchange, next, runtime.slot);
  };
}

// Synchronous answers stay synchronous: a 304 from a synchronous tag costs no promise hop.
function answer(steps: readonly ActionStep[], index: number, exchange: ActionExchange, next: () => unknown, slot: RouteSlot): unknown {
  for (let at = index; at < steps.length; at++) {
    const step = steps[at];
    const failed = (error: unknown): unknown => {
      const unavailable = earlyPathUnavailable(error);
      if (unavailable) slot.learnEarlyBlocker(step, unavailable.missing);
      return next();
    };
    let answered: boolean | Promise<boolean>;
    try {
      answered = step.answerEarly!(exchange);
    } catch (error) {
      return failed(error);
    }
    if (answered === true) return undefined;
    if (answered !== false) {
      return answered.then((done) => (done ? undefined : answer(steps, at + 1, exchange, next, slot)), failed);
    }
  }
  return next();
}
