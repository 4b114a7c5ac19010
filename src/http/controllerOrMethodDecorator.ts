import { declareControllerStep, type ControllerStepDefinition } from './controllerSteps';
import { installHooks } from './routingControllers';

/**
 * A decorator that may sit on a controller method or on the controller class itself (then it
 * applies to every matching action of the class and of its subclasses).
 *
 * @example
 * ```ts
 * @JsonController('/cities')
 * @cacheResponse({ ttl: 60_000 })        // every GET action of the controller
 * class CityController {
 *   @Get('/:id')
 *   @cacheResponse({ ttl: 5_000 })      // refines the class's options for this action
 *   one(@Param('id') id: string) { ... }
 * }
 * ```
 */
export type ControllerOrMethodDecorator = MethodDecorator & ClassDecorator;

/**
 * Builds a {@link ControllerOrMethodDecorator}: TypeScript calls a class decorator with the class
 * alone and a method decorator with the prototype and the method name.
 * @internal
 */
export function controllerOrMethodDecorator(
  onClass: (target: Function) => void,
  onMethod: (prototype: object, methodName: string) => void,
): ControllerOrMethodDecorator {
  return ((target: object, methodName?: string | symbol) => {
    if (methodName === undefined) onClass(target as Function);
    else onMethod(target, String(methodName));
  }) as ControllerOrMethodDecorator;
}

/**
 * Declares a class-level step (see `ControllerStepDefinition`), making sure the hooks are
 * installed so that apps built afterwards bind it.
 * @internal
 */
export function declareControllerRouteStep(target: Function, definition: ControllerStepDefinition): void {
  installHooks();
  declareControllerStep(target, definition);
}

/** `Controller` of a decorated class, as errors name it when a class decorator is applied. @internal */
export function controllerId(target: Function): string {
  return target.name || 'AnonymousController';
}

/** Route action types a class-level `@cacheResponse` or `@etag` applies to. */
const SAFE_ACTION_TYPES: ReadonlySet<string> = new Set(['get', 'head']);

/** Whether a route serves GET or HEAD (the routes class-level cache and etag decorators apply to). @internal */
export function isReadRoute(route: { readonly actionTypes: readonly string[] }): boolean {
  return route.actionTypes.some((type) => SAFE_ACTION_TYPES.has(type));
}
