import type { EarlyConditions } from '../keys/KeyBit';
import type { ExtensionsSettings } from '../settings';
import type { ActionExchange } from './ActionExchange';
import { controllerDefinitions, hasRelatedControllerSteps, refine, type ControllerStepDefinition } from './controllerSteps';

/**
 * Where a step runs in a route's pipeline, whatever the decorator order:
 * retries → preconditions → idempotency → cache → action (DESIGN §3). `retries` is where the
 * idempotency step replays a retry of a completed unsafe request, before `@etag` evaluates
 * preconditions the first request already changed (DESIGN §5, "Order for retries"); everything
 * else a new request meets keeps the preconditions → idempotency → cache order.
 */
export const STEP_STAGES = { retries: 5, preconditions: 10, idempotency: 20, cache: 30 } as const;

/** A stage name of {@link STEP_STAGES}. */
export type StepStage = keyof typeof STEP_STAGES;

/**
 * One feature's contribution to a bound route: it may answer by itself (returning
 * `exchange.respond(...)`) or call `next()` and return what it gives, unchanged, so that every
 * routing-controllers rule (`@HttpCode`, `@OnUndefined`, thrown `HttpError`s…) still applies.
 */
export interface ActionStep {
  readonly stage: StepStage;
  /** Name for errors and diagnostics, e.g. `@cacheResponse`. */
  readonly name: string;
  run(exchange: ActionExchange, next: () => unknown): unknown;
  /** Called once every step of the route is bound, with all of them in pipeline order. */
  link?(steps: readonly ActionStep[]): void;
  /**
   * Why this step cannot answer from the route's early path (a route-level before-middleware
   * that runs before routing-controllers resolves the action's parameters), or `undefined` when
   * it can. A step without `answerEarly` cannot, and no later step can answer early either.
   */
  earlyBlocker?(conditions: EarlyConditions): string | undefined;
  /**
   * Answers the request from the early path where the step can (a cache hit, a 304, a replay),
   * writing the response with `exchange.respond` and resolving `true`; otherwise `false`, and the
   * request goes on to the action, where `run` is called as usual (it may find what this call
   * left in the exchange's state). `exchange.args` is empty here.
   */
  answerEarly?(exchange: ActionExchange): boolean | Promise<boolean>;
}

/** The route a step is bound for: a controller class routing-controllers registers, and a method. */
export interface RouteTarget {
  /** The controller class (for an inherited action: the subclass, not the class declaring it). */
  readonly controller: Function;
  readonly methodName: string;
  /** `Controller.method`, as errors and events name the route. */
  readonly id: string;
  /** routing-controllers action types of the method's routes, e.g. `['get']`, `['post']`, `['all']`. */
  readonly actionTypes: readonly string[];
}

/**
 * What a decorator declares on a method: a recipe for a step, bound to each route built from the
 * method once the settings are known (when routing-controllers builds the app). `bind` resolves
 * named stores, locks and key functions and throws `InvalidOptionError` naming `route.id` for
 * what cannot work; it returns `undefined` to add no step (an exemption).
 */
export interface StepDefinition {
  /**
   * Steps of one kind declared on a subclass's method replace the ones the base class declares
   * for that method (e.g. `'cache'`, `'etag'`, `'idempotency'`).
   */
  readonly kind: string;
  readonly stage: StepStage;
  /** The decorator, e.g. `@cacheResponse`. */
  readonly name: string;
  /** The decorator's options as checked when it was applied: read, never changed (documentation reads them). */
  readonly options?: object;
  bind(route: RouteTarget, settings: Readonly<ExtensionsSettings>): ActionStep | readonly ActionStep[] | undefined;
  /**
   * For decorators that may also sit on a controller class: this method-level definition with
   * the class-level one's options under its own, option by option (the method's win). Throws
   * `InvalidOptionError` naming `route.id` when the two cannot be combined. Without it (an
   * exemption, say) the method-level definition replaces the class-level one.
   */
  under?(classLevel: ControllerStepDefinition, route: RouteTarget): StepDefinition;
}

const declarations = new Map<string, Map<object, StepDefinition[]>>();

/**
 * Records a step declared by a decorator on `prototype[methodName]`. Nothing is bound or
 * wrapped here: routing-controllers reads its metadata when the app is built, and so do we.
 * @internal
 */
export function declareStep(prototype: object, methodName: string, definition: StepDefinition): void {
  let byPrototype = declarations.get(methodName);
  if (!byPrototype) declarations.set(methodName, (byPrototype = new Map()));
  let definitions = byPrototype.get(prototype);
  if (!definitions) byPrototype.set(prototype, (definitions = []));
  definitions.push(definition);
}

/** The steps declared on exactly this prototype's method (not inherited ones), in declaration order. @internal */
export function declaredSteps(prototype: object, methodName: string): readonly StepDefinition[] {
  return declarations.get(methodName)?.get(prototype) ?? [];
}

/**
 * Whether any class from `target` down (itself or a subclass) declares steps on `methodName`:
 * routes built from `target`'s action for that method may then need them.
 * @internal
 */
export function mayHaveSteps(target: Function, methodName: string): boolean {
  if (hasRelatedControllerSteps(target)) return true;
  const byPrototype = declarations.get(methodName);
  if (!byPrototype) return false;
  const base = target.prototype as object;
  for (const prototype of byPrototype.keys()) if (prototype === base || Object.prototype.isPrototypeOf.call(base, prototype)) return true;
  return false;
}

/**
 * The step definitions of a route: for each kind, those of the nearest class in the controller's
 * prototype chain that declares that kind on the method (a subclass overrides the base class
 * kind by kind), refined by the class-level declaration of that kind (see `controllerDefinitions`)
 * option by option, or that class-level declaration alone where no method declares the kind and
 * it applies to the route;
 * then `extra` ones (from middlewares) whose kind the route does not have yet. A method-level
 * declaration thus beats a class-level one wherever each sits in the chain: it names the action.
 * @internal
 */
export function routeDefinitions(route: RouteTarget, extra: readonly RouteWideDefinition[]): StepDefinition[] {
  const byKind = new Map<string, StepDefinition[]>();
  for (
    let prototype = route.controller.prototype as object | null;
    prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype)
  ) {
    const seenHere = new Map<string, StepDefinition[]>();
    for (const definition of declaredSteps(prototype, route.methodName)) {
      if (byKind.has(definition.kind)) continue;
      let list = seenHere.get(definition.kind);
      if (!list) seenHere.set(definition.kind, (list = []));
      list.push(definition);
    }
    for (const [kind, list] of seenHere) byKind.set(kind, list);
  }
  for (const [kind, classLevel] of controllerDefinitions(route)) {
    const own = byKind.get(kind);
    if (own)
      byKind.set(
        kind,
        own.map((definition) => refine(definition, classLevel, route)),
      );
    else if (classLevel.appliesTo(route)) byKind.set(kind, [classLevel]);
  }
  for (const definition of extra) {
    if (!byKind.has(definition.kind) && definition.appliesTo(route)) byKind.set(definition.kind, [definition]);
  }
  return [...byKind.values()].flat();
}

/** A definition a middleware adds to every route of the apps that register it, where it applies. */
export interface RouteWideDefinition extends StepDefinition {
  appliesTo(route: RouteTarget): boolean;
}

/**
 * Binds a route's definitions to the settings, in pipeline order (stage, then declaration
 * order), and links the steps. Throws what a definition's `bind` throws.
 * @internal
 */
export function bindSteps(
  route: RouteTarget,
  definitions: readonly StepDefinition[],
  settings: Readonly<ExtensionsSettings>,
): ActionStep[] {
  const steps: ActionStep[] = [];
  for (const definition of definitions) {
    const bound = definition.bind(route, settings);
    if (Array.isArray(bound)) steps.push(...(bound as readonly ActionStep[]));
    else if (bound) steps.push(bound as ActionStep);
  }
  steps.sort((a, b) => STEP_STAGES[a.stage] - STEP_STAGES[b.stage]);
  for (const step of steps) step.link?.(steps);
  return steps;
}

/** What one decorator declares for a route, as documentation sees it. */
export interface DeclaredStep {
  readonly kind: string;
  readonly stage: StepStage;
  /** The decorator or middleware, e.g. `@etag`, `IdempotencyKeyMiddleware`. */
  readonly name: string;
  /** Its options as checked when applied (`{}` when it has none). */
  readonly options: object;
}

/**
 * What applies to a route — inherited declarations and the route-wide ones of `extra`
 * (middlewares) included, by the same rule as binding — without binding anything. Read-only.
 * @internal
 */
export function declaredRouteSteps(route: RouteTarget, extra: readonly RouteWideDefinition[] = []): readonly DeclaredStep[] {
  return routeDefinitions(route, extra).map(({ kind, stage, name, options }) =>
    Object.freeze({ kind, stage, name, options: options ?? {} }),
  );
}
