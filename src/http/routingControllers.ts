import { getMetadataArgsStorage } from 'routing-controllers';
import type { ActionMetadataArgs } from 'routing-controllers/types/metadata/args/ActionMetadataArgs';
import type { MiddlewareMetadataArgs } from 'routing-controllers/types/metadata/args/MiddlewareMetadataArgs';
import type { UseMetadataArgs } from 'routing-controllers/types/metadata/args/UseMetadataArgs';
import type { MetadataArgsStorage } from 'routing-controllers/types/metadata-builder/MetadataArgsStorage';
import { Container } from 'typedi';
import { publishRouteEvent } from '../events';
import { earlyMiddleware, structuralBlocker, type AppFacts } from './earlyPath';
import { RouteOverride, slotOf } from './routes';
import {
  declaredRouteSteps,
  declareStep,
  mayHaveSteps,
  type DeclaredStep,
  type RouteTarget,
  type RouteWideDefinition,
  type StepDefinition,
} from './steps';

/*
 * The one place that hooks into routing-controllers. Its metadata storage is read while an app
 * is built (`createExpressServer`, `createKoaServer`, `useExpressServer`, `useKoaServer`, all
 * synchronous), so these lookups are wrapped:
 *
 * - `filterInterceptorMetadatasForClasses` and `filterMiddlewareMetadatasForClasses` tell what
 *   the app being built registers; the latter also answers for our middleware classes (kept out
 *   of routing-controllers' global list, which apps without a `middlewares` option get whole);
 * - `filterActionsWithTarget` gives every action that may carry steps a `methodOverride`, which
 *   routing-controllers calls with the route's metadata, the request and the resolved parameters
 *   instead of calling the method: the route's pipeline runs there;
 * - `filterParamsWithTargetAndMethod`, called once per route with the controller class that
 *   registers it, binds the route's steps to the settings right then, so a bad option or an
 *   unknown store or lock throws out of the app builder;
 * - `filterUsesWithTargetAndMethod`, called next for the same route, adds the route's early
 *   path where its structure allows one (see earlyPath.ts).
 */

interface DeclaredMiddleware {
  readonly args: MiddlewareMetadataArgs;
  readonly routeWide?: RouteWideDefinition;
}

/** What the app being built registers (set from its 'before' middleware lookup, cleared by its 'after' one). */
interface Build {
  readonly middlewareClasses: readonly Function[];
  readonly extras: readonly RouteWideDefinition[];
  readonly afterMiddlewares: boolean;
}

const middlewares = new Map<Function, DeclaredMiddleware>();
let building: Build | undefined;
/** Whether the app being built listed interceptors (its interceptor lookup comes before the middlewares'). */
let buildInterceptors: { readonly listed: boolean } | undefined;
/** Overrides made by the latest action lookup, by method, for the routes built from it next. */
let batch = new Map<string, RouteOverride[]>();
/** The route whose parameters were looked up last: its middleware lookup comes next. */
let current: { readonly controller: Function; readonly methodName: string; readonly override?: RouteOverride } | undefined;
let original:
  | Pick<
      MetadataArgsStorage,
      | 'filterActionsWithTarget'
      | 'filterParamsWithTargetAndMethod'
      | 'filterMiddlewareMetadatasForClasses'
      | 'filterInterceptorMetadatasForClasses'
      | 'filterUsesWithTargetAndMethod'
    >
  | undefined;

/**
 * Declares a middleware class an app may list in `middlewares: [...]` without it joining
 * routing-controllers' global list (`@Middleware()` would put it in every app that passes no
 * `middlewares` option, so merely importing this library would switch it on there). It is also
 * registered with typedi, so `useContainer(Container)` apps get it from their container.
 * `routeWide` is a step every route of the apps that register the class gets, where it applies.
 * @internal
 */
export function declareMiddleware(target: Function, routeWide?: RouteWideDefinition): void {
  installHooks();
  middlewares.set(target, { args: { target, global: true, priority: 0, type: 'before' }, routeWide });
  if (!Container.has(target as never)) Container.set({ id: target, type: target as never });
}

/**
 * Calls the driver's `next` from a middleware `use` written once for both drivers: Express
 * passes `(req, res, next)`, Koa `(ctx, next)` and expects its promise back.
 * @internal
 */
export function passOn(args: readonly unknown[]): unknown {
  const next = args[args.length - 1];
  return typeof next === 'function' ? (next as () => unknown)() : undefined;
}

/**
 * Makes sure routing-controllers' metadata lookups are wrapped (once per process, on its global
 * metadata storage). Called by every decorator, so a decorated app is always covered.
 * @internal
 */
export function installHooks(): void {
  if (original) return;
  const storage = getMetadataArgsStorage();
  original = {
    filterActionsWithTarget: storage.filterActionsWithTarget,
    filterParamsWithTargetAndMethod: storage.filterParamsWithTargetAndMethod,
    filterMiddlewareMetadatasForClasses: storage.filterMiddlewareMetadatasForClasses,
    filterInterceptorMetadatasForClasses: storage.filterInterceptorMetadatasForClasses,
    filterUsesWithTargetAndMethod: storage.filterUsesWithTargetAndMethod,
  };
  const hooked = original;

  storage.filterInterceptorMetadatasForClasses = function (classes: Function[]) {
    const found = hooked.filterInterceptorMetadatasForClasses.call(this, classes);
    const facts = { listed: found.length > 0 };
    buildInterceptors = facts;
    queueMicrotask(() => {
      if (buildInterceptors === facts) buildInterceptors = undefined;
    });
    return found;
  };

  storage.filterMiddlewareMetadatasForClasses = function (classes: Function[]): MiddlewareMetadataArgs[] {
    const theirs = hooked.filterMiddlewareMetadatasForClasses.call(
      this,
      classes.filter((cls) => !middlewares.has(cls)),
    );
    trackBuild(classes, theirs);
    return classes
      .map((cls) => middlewares.get(cls)?.args ?? theirs.find((args) => args.target === cls))
      .filter((args): args is MiddlewareMetadataArgs => args !== undefined);
  };

  storage.filterActionsWithTarget = function (target: Function): ActionMetadataArgs[] {
    const extras = building?.extras ?? [];
    batch = new Map();
    return hooked.filterActionsWithTarget.call(this, target).map((args) => {
      if (!mayHaveSteps(target, args.method) && !extras.some((extra) => extra.appliesTo(routeTarget(target, args.method, [args.type])))) {
        return args;
      }
      const override = new RouteOverride(
        (metadata) => slotOf(routeTarget(metadata.target, metadata.method, actionTypes(storage, metadata.target, metadata.method)), extras),
        args.methodOverride,
      );
      batch.set(args.method, [...(batch.get(args.method) ?? []), override]);
      return { ...args, methodOverride: override.call };
    });
  };

  storage.filterParamsWithTargetAndMethod = function (target: Function, methodName: string) {
    const params = hooked.filterParamsWithTargetAndMethod.call(this, target, methodName);
    const extras = building?.extras ?? [];
    const route = routeTarget(target, methodName, actionTypes(this, target, methodName));
    // routing-controllers builds the actions of the latest lookup in order: this route is the next one for its method.
    const override = batch.get(methodName)?.shift();
    current = { controller: target, methodName, override };
    if (mayHaveSteps(target, methodName) || extras.some((extra) => extra.appliesTo(route))) slotOf(route, extras);
    return params;
  };

  storage.filterUsesWithTargetAndMethod = function (target: Function, methodName: string | undefined): UseMetadataArgs[] {
    const uses = hooked.filterUsesWithTargetAndMethod.call(this, target, methodName as string);
    const route = current;
    if (methodName === undefined || route?.override === undefined || route.controller !== target || route.methodName !== methodName)
      return uses;
    current = undefined;
    const id = routeTarget(target, methodName, []).id;
    const blocker = structuralBlocker(this, target, methodName, appFacts(this));
    if (blocker !== undefined) {
      publishRouteEvent({ type: 'early-path', route: id, enabled: false, reason: blocker });
      return uses;
    }
    return [{ target, method: methodName, afterAction: false, middleware: earlyMiddleware(route.override, id) }, ...uses];
  };
}

// An app with middlewares looks them up twice with the same array: 'before' its controllers
// (the build starts) and 'after' them (it ends). A build that throws half-way never reaches
// 'after'; the microtask forgets it then, as builds are synchronous.
function trackBuild(classes: Function[], theirs: readonly MiddlewareMetadataArgs[]): void {
  if (building?.middlewareClasses === classes) {
    building = undefined;
    return;
  }
  const build: Build = {
    middlewareClasses: classes,
    extras: classes.map((cls) => middlewares.get(cls)?.routeWide).filter((extra): extra is RouteWideDefinition => extra !== undefined),
    afterMiddlewares: theirs.some((args) => args.type === 'after'),
  };
  building = build;
  queueMicrotask(() => {
    if (building === build) building = undefined;
  });
}

/** What the app being built registers; without a lookup of its own, the app gets every registered class. */
function appFacts(storage: MetadataArgsStorage): AppFacts {
  return {
    interceptors: buildInterceptors ? buildInterceptors.listed : storage.interceptors.length > 0,
    afterMiddlewares: building ? building.afterMiddlewares : storage.middlewares.some((args) => args.type === 'after'),
  };
}

function routeTarget(controller: Function, methodName: string, types: readonly string[]): RouteTarget {
  return { controller, methodName, id: `${controller.name || 'AnonymousController'}.${methodName}`, actionTypes: types };
}

/** The action types of a method's routes: those of the nearest class in the chain declaring it (routing-controllers' rule). */
function actionTypes(storage: MetadataArgsStorage, controller: Function, methodName: string): string[] {
  for (
    let target: unknown = controller;
    typeof target === 'function' && target !== Function.prototype;
    target = Object.getPrototypeOf(target)
  ) {
    const types = original!.filterActionsWithTarget
      .call(storage, target as Function)
      .filter((args) => args.method === methodName)
      .map((args) => args.type);
    if (types.length > 0) return types;
  }
  return [];
}

/**
 * Declares a decorator's step on `prototype[methodName]` (see `StepDefinition`), making sure the
 * hooks above are installed so that apps built afterwards bind it.
 * @internal
 */
export function declareRouteStep(prototype: object, methodName: string, definition: StepDefinition): void {
  installHooks();
  declareStep(prototype, methodName, definition);
}

/** `Controller.method` of a decorated method, as errors name it when a decorator is applied. @internal */
export function methodId(prototype: object, methodName: string): string {
  return `${(prototype as { constructor?: { name?: string } }).constructor?.name || 'AnonymousController'}.${methodName}`;
}

/** One route routing-controllers registers for a controller class, as documentation sees it. */
export interface RegisteredRoute {
  /** The controller class that registers the route (for an inherited action: the subclass). */
  readonly controller: Function;
  /** The class whose method carries the route decorator (`controller` or a base class). */
  readonly declaringClass: Function;
  readonly methodName: string;
  /** routing-controllers' action type: `get`, `post`, …, or `all`. */
  readonly type: string;
  /** The Express-style path without the app's `routePrefix`, e.g. `/cities/:id`; undefined for a RegExp route. */
  readonly path: string | undefined;
  /** What our decorators (and the route-wide steps of `middlewareClasses`) declare for it. */
  readonly steps: readonly DeclaredStep[];
}

/**
 * Every route of every controller in routing-controllers' metadata storage (inherited actions
 * included, by its own rule: a method a subclass declares hides the base class's), with what
 * applies to it when an app registers `middlewareClasses`. Reads metadata only: binds nothing.
 * @internal
 */
export function registeredRoutes(middlewareClasses: readonly Function[] = []): RegisteredRoute[] {
  const storage = getMetadataArgsStorage();
  const extras = middlewareClasses
    .map((cls) => middlewares.get(cls)?.routeWide)
    .filter((extra): extra is RouteWideDefinition => extra !== undefined);
  const routes: RegisteredRoute[] = [];
  for (const controller of storage.controllers) {
    const seen = new Set<string>();
    for (
      let declaring: unknown = controller.target;
      typeof declaring === 'function' && declaring !== Function.prototype;
      declaring = Object.getPrototypeOf(declaring)
    ) {
      const actions = storage.actions.filter((action) => action.target === declaring && !seen.has(action.method));
      for (const action of actions) {
        const types = actions.filter((other) => other.method === action.method).map((other) => other.type);
        const route = routeTarget(controller.target, action.method, types);
        routes.push({
          controller: controller.target,
          declaringClass: declaring as Function,
          methodName: action.method,
          type: action.type,
          path:
            typeof action.route === 'string' || action.route === undefined ? (controller.route ?? '') + (action.route ?? '') : undefined,
          steps: declaredRouteSteps(route, extras),
        });
      }
      for (const action of actions) seen.add(action.method);
    }
  }
  return routes;
}
