import { getMetadataArgsStorage, type Action } from 'routing-controllers';
import type { ActionMetadata } from 'routing-controllers/types/metadata/ActionMetadata';
import type { ActionMetadataArgs } from 'routing-controllers/types/metadata/args/ActionMetadataArgs';
import type { MiddlewareMetadataArgs } from 'routing-controllers/types/metadata/args/MiddlewareMetadataArgs';
import type { MetadataArgsStorage } from 'routing-controllers/types/metadata-builder/MetadataArgsStorage';
import { Container } from 'typedi';
import { getExtensionsSettings, onSettingsChange, settingsVersion } from '../configure';
import { ActionExchange } from './ActionExchange';
import { expressAdapter } from './express';
import type { HostAdapter } from './HostAdapter';
import { koaAdapter } from './koa';
import type { RouteInfo } from './RequestView';
import {
  bindSteps,
  declaredRouteSteps,
  declareStep,
  mayHaveSteps,
  type DeclaredStep,
  routeDefinitions,
  type ActionStep,
  type RouteTarget,
  type RouteWideDefinition,
  type StepDefinition,
} from './steps';

/*
 * The one place that hooks into routing-controllers. Its metadata storage is read while an app
 * is built (`createExpressServer`, `createKoaServer`, `useExpressServer`, `useKoaServer`, all
 * synchronous), so three of its lookups are wrapped:
 *
 * - `filterMiddlewareMetadatasForClasses` answers for our middleware classes (kept out of
 *   routing-controllers' global list, which apps without a `middlewares` option get whole) and
 *   tells which of them the app being built registers;
 * - `filterActionsWithTarget` gives every action that may carry steps a `methodOverride`, which
 *   routing-controllers calls with the route's metadata, the request and the resolved parameters
 *   instead of calling the method: the route's pipeline runs there;
 * - `filterParamsWithTargetAndMethod`, called once per route with the controller class that
 *   registers it, binds the route's steps to the settings right then, so a bad option or an
 *   unknown store or lock throws out of the app builder.
 */

type MethodOverride = NonNullable<ActionMetadataArgs['methodOverride']>;

/** The parts of routing-controllers' ActionMetadata a route reads (`globalOptions` is private there). */
interface ActionMetadataLike extends Pick<ActionMetadata, 'target' | 'method' | 'fullRoute' | 'headers' | 'controllerMetadata'> {
  readonly globalOptions?: { readonly currentUserChecker?: RouteInfo['currentUserChecker'] };
}

interface DeclaredMiddleware {
  readonly args: MiddlewareMetadataArgs;
  readonly routeWide?: RouteWideDefinition;
}

/** What the app being built registers (set from its 'before' middleware lookup, cleared by its 'after' one). */
interface Build {
  readonly middlewareClasses: readonly Function[];
  readonly extras: readonly RouteWideDefinition[];
}

const middlewares = new Map<Function, DeclaredMiddleware>();
const slots = new Map<Function, Map<string, Map<string, RouteSlot>>>();
/** Routes built since the last `resetExtensions()`: `configureExtensions` re-validates them. */
const builtSinceReset = new Set<RouteSlot>();
let building: Build | undefined;
let original:
  | Pick<MetadataArgsStorage, 'filterActionsWithTarget' | 'filterParamsWithTargetAndMethod' | 'filterMiddlewareMetadatasForClasses'>
  | undefined;

/**
 * The steps of one route (controller class × method × the route-wide steps of its app's
 * middlewares), bound to the settings in force; bound again when the settings change.
 */
class RouteSlot {
  #steps: readonly ActionStep[];
  #version: number;

  constructor(
    readonly route: RouteTarget,
    private readonly extras: readonly RouteWideDefinition[],
  ) {
    this.#version = settingsVersion();
    this.#steps = this.bindWith(getExtensionsSettings());
  }

  /** The steps for a request: rebinds first when the settings changed since the last binding. */
  steps(): readonly ActionStep[] {
    const version = settingsVersion();
    if (this.#version !== version) {
      this.#steps = this.bindWith(getExtensionsSettings());
      this.#version = version;
    }
    return this.#steps;
  }

  /** Binds the route's steps to `settings` (throws `InvalidOptionError` naming the route). */
  bindWith(settings: Parameters<typeof bindSteps>[2]): readonly ActionStep[] {
    return bindSteps(this.route, routeDefinitions(this.route, this.extras), settings);
  }

  adopt(steps: readonly ActionStep[], version: number): void {
    this.#steps = steps;
    this.#version = version;
  }
}

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
  };
  const { filterActionsWithTarget, filterParamsWithTargetAndMethod, filterMiddlewareMetadatasForClasses } = original;

  storage.filterMiddlewareMetadatasForClasses = function (classes: Function[]): MiddlewareMetadataArgs[] {
    trackBuild(classes);
    const theirs = filterMiddlewareMetadatasForClasses.call(
      this,
      classes.filter((cls) => !middlewares.has(cls)),
    );
    return classes
      .map((cls) => middlewares.get(cls)?.args ?? theirs.find((args) => args.target === cls))
      .filter((args): args is MiddlewareMetadataArgs => args !== undefined);
  };

  storage.filterActionsWithTarget = function (target: Function): ActionMetadataArgs[] {
    const extras = building?.extras ?? [];
    return filterActionsWithTarget
      .call(this, target)
      .map((args) =>
        mayHaveSteps(target, args.method) || extras.some((extra) => extra.appliesTo(routeTarget(target, args.method, [args.type])))
          ? { ...args, methodOverride: routeOverride(extras, args.methodOverride) }
          : args,
      );
  };

  storage.filterParamsWithTargetAndMethod = function (target: Function, methodName: string) {
    const params = filterParamsWithTargetAndMethod.call(this, target, methodName);
    const extras = building?.extras ?? [];
    const route = routeTarget(target, methodName, actionTypes(this, target, methodName));
    if (mayHaveSteps(target, methodName) || extras.some((extra) => extra.appliesTo(route))) builtSinceReset.add(slotOf(route, extras));
    return params;
  };
}

// An app with middlewares looks them up twice with the same array: 'before' its controllers
// (the build starts) and 'after' them (it ends). A build that throws half-way never reaches
// 'after'; the microtask forgets it then, as builds are synchronous.
function trackBuild(classes: Function[]): void {
  if (building?.middlewareClasses === classes) {
    building = undefined;
    return;
  }
  const build: Build = {
    middlewareClasses: classes,
    extras: classes.map((cls) => middlewares.get(cls)?.routeWide).filter((extra): extra is RouteWideDefinition => extra !== undefined),
  };
  building = build;
  queueMicrotask(() => {
    if (building === build) building = undefined;
  });
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

function slotOf(route: RouteTarget, extras: readonly RouteWideDefinition[]): RouteSlot {
  let byMethod = slots.get(route.controller);
  if (!byMethod) slots.set(route.controller, (byMethod = new Map()));
  let byExtras = byMethod.get(route.methodName);
  if (!byExtras) byMethod.set(route.methodName, (byExtras = new Map()));
  const key = extras.map((extra) => extra.name).join('+');
  let slot = byExtras.get(key);
  if (!slot) {
    slot = new RouteSlot(route, extras);
    byExtras.set(key, slot);
  } else if (!builtSinceReset.has(slot)) {
    // Built again after a reset: bind now, so a bad option still fails this build.
    slot.adopt(slot.bindWith(getExtensionsSettings()), settingsVersion());
  }
  return slot;
}

onSettingsChange((next, { reset }) => {
  if (reset) {
    builtSinceReset.clear();
    return;
  }
  const rebound = [...builtSinceReset].map((slot) => [slot, slot.bindWith(next)] as const);
  const version = settingsVersion() + 1;
  for (const [slot, steps] of rebound) slot.adopt(steps, version);
});

/** What one route (one ActionMetadata of one app) keeps between requests. */
interface RouteRuntime {
  readonly slot: RouteSlot;
  readonly adapter: HostAdapter;
  readonly info: RouteInfo;
}

/**
 * The `methodOverride` of one route: runs the route's steps around the controller method (or
 * around an override the action already had). Routes without steps call the method as
 * routing-controllers would.
 */
function routeOverride(extras: readonly RouteWideDefinition[], previous: MethodOverride | undefined): MethodOverride {
  let runtime: RouteRuntime | undefined;
  return function runRoute(actionMetadata: ActionMetadata, action: Action, params: unknown[]): unknown {
    const metadata = actionMetadata as unknown as ActionMetadataLike;
    runtime ??= {
      slot: slotOf(
        routeTarget(metadata.target, metadata.method, actionTypes(getMetadataArgsStorage(), metadata.target, metadata.method)),
        extras,
      ),
      adapter: action.context ? koaAdapter : expressAdapter,
      info: routeInfo(metadata),
    };
    const steps = runtime.slot.steps();
    const controller = metadata.controllerMetadata.getInstance(action) as Record<string, (...args: unknown[]) => unknown>;
    const method = metadata.method;
    const call = previous ? () => previous(actionMetadata, action, params) : () => controller[method](...params);
    if (steps.length === 0) return call();
    const exchange = new ActionExchange(runtime.adapter, action, runtime.info, controller, method, params);
    const dispatch = (index: number): unknown => (index === steps.length ? call() : steps[index].run(exchange, () => dispatch(index + 1)));
    return dispatch(0);
  };
}

function routeInfo(metadata: ActionMetadataLike): RouteInfo {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.headers ?? {})) headers[name.toLowerCase()] = String(value);
  return {
    route: String(metadata.fullRoute),
    currentUserChecker: metadata.globalOptions?.currentUserChecker,
    headers: Object.freeze(headers),
  };
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
