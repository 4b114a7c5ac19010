import { getMetadataArgsStorage } from 'routing-controllers';
import type { RouteTarget } from './steps';

/** A route pattern's parameters, as Express's and Koa's routers name them (`:id`, `:id?`, `:id(\\d+)`). */
const PARAM = /:([A-Za-z0-9_]+)/g;

/**
 * The parameter names of each route routing-controllers registers for `route` (the controller's
 * prefix plus the action's path, from the nearest class in the chain declaring the action), or
 * `undefined` when the metadata does not say (a route never registered, or a RegExp path: its
 * parameters have no names). Read when a route is bound, never per request.
 * @internal
 */
export function routeParamNames(route: RouteTarget): readonly (readonly string[])[] | undefined {
  const storage = getMetadataArgsStorage();
  const prefix: string | undefined = storage.controllers.find((controller) => controller.target === route.controller)?.route;
  for (
    let target: unknown = route.controller;
    typeof target === 'function' && target !== Function.prototype;
    target = Object.getPrototypeOf(target)
  ) {
    const actions = storage.actions.filter((action) => action.target === target && action.method === route.methodName);
    if (actions.length === 0) continue;
    if (actions.some((action) => action.route instanceof RegExp)) return undefined;
    return actions.map((action) => namesIn(`${prefix ?? ''}${typeof action.route === 'string' ? action.route : ''}`));
  }
  return undefined;
}

function namesIn(path: string): string[] {
  return [...path.matchAll(PARAM)].map((match) => match[1]);
}
