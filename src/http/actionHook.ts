import { createParamDecorator, type Action } from 'routing-controllers';
import { ActionExchange } from './ActionExchange';
import type { RouteInfo } from './createRequestView';

/**
 * Where a step runs in the single per-action pipeline, whatever the decorator order:
 * preconditions → idempotency → cache → action (DESIGN §3).
 */
export const STEP_STAGES = { preconditions: 10, idempotency: 20, cache: 30 } as const;

/** A stage name of {@link STEP_STAGES}. */
export type StepStage = keyof typeof STEP_STAGES;

/**
 * One feature's contribution to an action: it may answer by itself (returning
 * `exchange.respond(...)`) or call `next()` and return what it gives, unchanged, so that every
 * routing-controllers rule (`@HttpCode`, `@OnUndefined`, thrown `HttpError`s…) still applies.
 */
export interface ActionStep {
  readonly stage: StepStage;
  /** Name for errors and diagnostics, e.g. `@cacheResponse`. */
  readonly name: string;
  run(exchange: ActionExchange, next: () => unknown): unknown;
}

/** What the hidden parameter hands the wrapper: the routing-controllers action and its route. */
class HookBox {
  constructor(
    readonly action: Action,
    readonly routeInfo: RouteInfo,
  ) {}
}

interface HookRecord {
  readonly steps: ActionStep[];
}

const hooks = new WeakMap<object, Map<string, HookRecord>>();
const routeInfos = new WeakMap<object, RouteInfo>();

/** The parts of routing-controllers' ActionMetadata the hook reads (`globalOptions` is private there). */
interface ActionMetadataLike {
  readonly fullRoute: string | RegExp;
  readonly globalOptions?: { readonly currentUserChecker?: RouteInfo['currentUserChecker'] };
}

/**
 * Adds a step to an action's pipeline. The first step on a method wraps it once and registers
 * one hidden routing-controllers parameter (a custom param at index -1, so it sorts first) that
 * hands the wrapper the `Action`; later steps only join the list. Must run before the server is
 * created (routing-controllers reads its metadata once).
 * @internal
 */
export function registerActionStep(
  prototype: object,
  methodName: string,
  descriptor: PropertyDescriptor,
  step: ActionStep,
): void {
  let methods = hooks.get(prototype);
  if (!methods) hooks.set(prototype, (methods = new Map()));
  let record = methods.get(methodName);
  if (!record) {
    record = { steps: [] };
    methods.set(methodName, record);
    descriptor.value = wrapAction(descriptor.value, methodName, record);
    createParamDecorator({ value: hiddenParamValue })(prototype, methodName, -1);
  }
  record.steps.push(step);
  record.steps.sort((a, b) => STEP_STAGES[a.stage] - STEP_STAGES[b.stage]);
}

/** The steps registered on a method, in pipeline order (for startup checks between features). */
export function stepsOf(prototype: object, methodName: string): readonly ActionStep[] {
  return hooks.get(prototype)?.get(methodName)?.steps ?? [];
}

// A regular function: routing-controllers calls it as `param.transform(action, value)`, so
// `this` is the ParamMetadata and gives the route and the app's currentUserChecker.
function hiddenParamValue(this: { actionMetadata: ActionMetadataLike }, action: Action): HookBox {
  const metadata = this.actionMetadata;
  let info = routeInfos.get(metadata);
  if (!info) {
    info = {
      route: String(metadata.fullRoute),
      currentUserChecker: metadata.globalOptions?.currentUserChecker,
    };
    routeInfos.set(metadata, info);
  }
  return new HookBox(action, info);
}

function wrapAction(original: (...args: unknown[]) => unknown, methodName: string, record: HookRecord) {
  if (typeof original !== 'function') throw new TypeError(`${methodName} is not a method`);
  return function hookedAction(this: object, ...params: unknown[]): unknown {
    const box = params[0];
    // Called directly (a unit test, an inherited route without our param): behave as the original.
    if (!(box instanceof HookBox)) return original.apply(this, params);
    const args = params.slice(1);
    const exchange = new ActionExchange(box.action, box.routeInfo, this, methodName, args);
    const steps = record.steps;
    const dispatch = (index: number): unknown =>
      index === steps.length ? original.apply(this, args) : steps[index].run(exchange, () => dispatch(index + 1));
    return dispatch(0);
  };
}
