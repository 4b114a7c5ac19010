import type { Action } from 'routing-controllers';
import type { ActionMetadata } from 'routing-controllers/types/metadata/ActionMetadata';
import type { ActionMetadataArgs } from 'routing-controllers/types/metadata/args/ActionMetadataArgs';
import { getExtensionsSettings, onSettingsChange, settingsVersion } from '../configure';
import { publishRouteEvent } from '../events';
import type { EarlyConditions } from '../keys/KeyBit';
import { ActionExchange } from './ActionExchange';
import { expressAdapter } from './express';
import type { HostAdapter } from './HostAdapter';
import { koaAdapter } from './koa';
import type { RouteInfo } from './RequestView';
import { bindSteps, routeDefinitions, type ActionStep, type RouteTarget, type RouteWideDefinition } from './steps';

/** routing-controllers' `methodOverride` signature. @internal */
export type MethodOverride = NonNullable<ActionMetadataArgs['methodOverride']>;

/** The parts of routing-controllers' ActionMetadata a route reads (`globalOptions` is private there). */
interface ActionMetadataLike extends Pick<
  ActionMetadata,
  'target' | 'method' | 'fullRoute' | 'headers' | 'controllerMetadata' | 'isBodyUsed'
> {
  readonly globalOptions?: { readonly currentUserChecker?: RouteInfo['currentUserChecker'] };
}

/** The steps a route may answer from its early path, or why it cannot. */
export type EarlyPlan = { readonly steps: readonly ActionStep[] } | { readonly blocker: string };

const slots = new Map<Function, Map<string, Map<string, RouteSlot>>>();
/** Routes built since the last `resetExtensions()`: `configureExtensions` re-validates them. */
const builtSinceReset = new Set<RouteSlot>();

/**
 * The steps of one route (controller class × method × the route-wide steps of its app's
 * middlewares), bound to the settings in force; bound again when the settings change.
 * @internal
 */
export class RouteSlot {
  #steps: readonly ActionStep[];
  #version: number;
  #earlyPath: boolean;
  readonly #plans = new WeakMap<readonly ActionStep[], Map<boolean, EarlyPlan>>();
  /** Steps that turned out to need the action's arguments on the early path, and what they read. */
  readonly #learned = new WeakMap<ActionStep, string>();

  constructor(
    readonly route: RouteTarget,
    private readonly extras: readonly RouteWideDefinition[],
  ) {
    this.#version = settingsVersion();
    const settings = getExtensionsSettings();
    this.#steps = this.bindWith(settings);
    this.#earlyPath = settings.earlyPath;
  }

  /** The steps for a request: rebinds first when the settings changed since the last binding. */
  steps(): readonly ActionStep[] {
    const version = settingsVersion();
    if (this.#version !== version) {
      const settings = getExtensionsSettings();
      this.#steps = this.bindWith(settings);
      this.#earlyPath = settings.earlyPath;
      this.#version = version;
    }
    return this.#steps;
  }

  /** Binds the route's steps to `settings` (throws `InvalidOptionError` naming the route). */
  bindWith(settings: Parameters<typeof bindSteps>[2]): readonly ActionStep[] {
    return bindSteps(this.route, routeDefinitions(this.route, this.extras), settings);
  }

  adopt(steps: readonly ActionStep[], version: number, earlyPath = getExtensionsSettings().earlyPath): void {
    this.#steps = steps;
    this.#version = version;
    this.#earlyPath = earlyPath;
  }

  /**
   * Which steps answer from the early path for the current binding: the leading steps in
   * pipeline order that can (a step that cannot stops the rest: it must run first). Decided once
   * per binding and condition, and reported on the routes channel.
   */
  earlyPlan(conditions: EarlyConditions): EarlyPlan {
    const steps = this.steps();
    let byCondition = this.#plans.get(steps);
    if (!byCondition) this.#plans.set(steps, (byCondition = new Map()));
    let plan = byCondition.get(conditions.bodyParsed);
    if (plan === undefined) {
      plan = this.#planFor(steps, conditions);
      byCondition.set(conditions.bodyParsed, plan);
      publishRouteEvent({
        type: 'early-path',
        route: this.route.id,
        ...('blocker' in plan ? { enabled: false, reason: plan.blocker } : { enabled: true }),
      });
    }
    return plan;
  }

  /**
   * Takes `step` off the early path of the current binding: it read what exists only in the
   * action (`missing`), so trying early again would only cost time.
   */
  learnEarlyBlocker(step: ActionStep, missing: string): void {
    this.#learned.set(step, `it reads ${missing}`);
    this.#plans.delete(this.#steps);
  }

  #planFor(steps: readonly ActionStep[], conditions: EarlyConditions): EarlyPlan {
    if (!this.#earlyPath) return { blocker: 'the earlyPath setting is false' };
    const answering: ActionStep[] = [];
    for (const step of steps) {
      const blocker =
        step.answerEarly === undefined ? 'it has no early answer' : (this.#learned.get(step) ?? step.earlyBlocker?.(conditions));
      if (blocker !== undefined) {
        if (answering.length === 0) return { blocker: `${step.name}: ${blocker}` };
        break;
      }
      answering.push(step);
    }
    return answering.length === 0 ? { blocker: 'no step answers early' } : { steps: answering };
  }
}

/**
 * The slot of a route for `extras` (the route-wide steps of its app's middlewares), created and
 * bound on first use; a slot built again after `resetExtensions()` is bound now, so a bad option
 * still fails that build.
 * @internal
 */
export function slotOf(route: RouteTarget, extras: readonly RouteWideDefinition[]): RouteSlot {
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
    slot.adopt(slot.bindWith(getExtensionsSettings()), settingsVersion());
  }
  builtSinceReset.add(slot);
  return slot;
}

onSettingsChange((next, { reset }) => {
  if (reset) {
    builtSinceReset.clear();
    return;
  }
  const rebound = [...builtSinceReset].map((slot) => [slot, slot.bindWith(next)] as const);
  return () => {
    for (const [slot, steps] of rebound) slot.adopt(steps, settingsVersion(), next.earlyPath);
  };
});

/** What one route (one ActionMetadata of one app) learns on its first request. @internal */
export interface RouteRuntime {
  readonly slot: RouteSlot;
  readonly adapter: HostAdapter;
  readonly info: RouteInfo;
  readonly method: string;
  /** Whether routing-controllers parses a body for this route after the route's middlewares. */
  readonly parsesBodyLate: boolean;
  controllerOf(action: Action): object;
}

/**
 * The `methodOverride` of one route (one ActionMetadata): runs the route's steps around the
 * controller method (or around an override the action already had). Routes without steps call
 * the method as routing-controllers would. The route's early path reads `runtime` (what the first
 * request taught it).
 * @internal
 */
export class RouteOverride {
  runtime: RouteRuntime | undefined;
  readonly call: MethodOverride;

  constructor(
    private readonly route: (metadata: ActionMetadataLike) => RouteSlot,
    private readonly previous: MethodOverride | undefined,
  ) {
    this.call = (actionMetadata, action, params) => this.#run(actionMetadata as unknown as ActionMetadataLike, action, params);
  }

  #run(metadata: ActionMetadataLike, action: Action, params: unknown[]): unknown {
    const runtime = (this.runtime ??= this.#learn(metadata, action));
    const steps = runtime.slot.steps();
    const controller = metadata.controllerMetadata.getInstance(action) as Record<string, (...args: unknown[]) => unknown>;
    const method = metadata.method;
    const previous = this.previous;
    const call = previous ? () => previous(metadata as unknown as ActionMetadata, action, params) : () => controller[method](...params);
    if (steps.length === 0) return call();
    const exchange = new ActionExchange(runtime.adapter, action, runtime.info, controller, method, params);
    const dispatch = (index: number): unknown => (index === steps.length ? call() : steps[index].run(exchange, () => dispatch(index + 1)));
    return dispatch(0);
  }

  #learn(metadata: ActionMetadataLike, action: Action): RouteRuntime {
    const adapter = action.context ? koaAdapter : expressAdapter;
    return {
      slot: this.route(metadata),
      adapter,
      info: routeInfo(metadata),
      method: metadata.method,
      // Koa's driver parses every body before the routes; Express's only inside a route with @Body.
      parsesBodyLate: adapter === expressAdapter && metadata.isBodyUsed,
      controllerOf: (routeAction) => metadata.controllerMetadata.getInstance(routeAction) as object,
    };
  }
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
