import { ConflictingDecoratorsError } from '../errors';
import type { RouteTarget, RouteWideDefinition, StepDefinition } from './steps';

/**
 * What a decorator applied to a controller CLASS declares: a step definition for every route of
 * the class (and of its subclasses) it applies to, e.g. `@cacheResponse` for GET/HEAD routes,
 * `@idempotencyKey` for POST/PUT/PATCH/DELETE ones. `given` are the decorator's options as
 * given, which a method-level decorator of the same kind refines option by option (see
 * `StepDefinition.under`).
 */
export interface ControllerStepDefinition extends RouteWideDefinition {
  /** The options the decorator was given (validated when it was applied), for a method's to refine. */
  readonly given: object;
}

const byClass = new Map<Function, ControllerStepDefinition[]>();

/**
 * Records a class-level declaration. A class declares one decorator of each kind: a second one
 * (`@cacheResponse` twice, or `@idempotencyKey` with `@idempotencyKeyManual`) throws
 * `ConflictingDecoratorsError` while the class is defined.
 * @internal
 */
export function declareControllerStep(target: Function, definition: ControllerStepDefinition): void {
  let definitions = byClass.get(target);
  if (!definitions) byClass.set(target, (definitions = []));
  const existing = definitions.find((declared) => declared.kind === definition.kind);
  if (existing) throw new ConflictingDecoratorsError(target.name || 'AnonymousController', existing.name, definition.name);
  definitions.push(definition);
}

/**
 * The class-level definitions of a route's controller, by kind: for each kind, the one of the
 * nearest class in the controller's chain that declares it (a subclass's class decorator replaces
 * its base's). Whether one applies to the route is its `appliesTo`: a route without a method-level
 * decorator of the kind gets it only then, while one with such a decorator is refined by it anyway
 * (a PUT with `@etag({ requirePrecondition: true })` keeps the class's tag source).
 * @internal
 */
export function controllerDefinitions(route: RouteTarget): Map<string, ControllerStepDefinition> {
  const found = new Map<string, ControllerStepDefinition>();
  for (
    let target: unknown = route.controller;
    typeof target === 'function' && target !== Function.prototype;
    target = Object.getPrototypeOf(target)
  ) {
    for (const definition of byClass.get(target as Function) ?? []) {
      if (!found.has(definition.kind)) found.set(definition.kind, definition);
    }
  }
  return found;
}

/**
 * Whether a class related to `target` (itself, a base class or a subclass) has class-level
 * declarations: the routes of `target`'s actions may then get steps from them.
 * @internal
 */
export function hasRelatedControllerSteps(target: Function): boolean {
  if (byClass.size === 0) return false;
  const own = target.prototype as object;
  for (const declaring of byClass.keys()) {
    const theirs = declaring.prototype as object;
    if (theirs === own || Object.prototype.isPrototypeOf.call(theirs, own) || Object.prototype.isPrototypeOf.call(own, theirs)) return true;
  }
  return false;
}

/**
 * A route's definition of one kind built from a method-level one over a class-level one. Options
 * that cannot be combined fail when the route is bound (the app is built), not here: reading what
 * a route declares never throws.
 * @internal
 */
export function refine(own: StepDefinition, classLevel: ControllerStepDefinition, route: RouteTarget): StepDefinition {
  if (!own.under) return own;
  try {
    return own.under(classLevel, route);
  } catch (error) {
    return {
      ...own,
      under: undefined,
      bind: () => {
        throw error;
      },
    };
  }
}
