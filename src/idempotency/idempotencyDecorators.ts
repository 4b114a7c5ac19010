import { ConflictingDecoratorsError } from '../errors';
import {
  controllerId,
  controllerOrMethodDecorator,
  declareControllerRouteStep,
  type ControllerOrMethodDecorator,
} from '../http/controllerOrMethodDecorator';
import { declareRouteStep, methodId } from '../http/routingControllers';
import { declaredSteps, type ActionStep, type RouteTarget, type StepDefinition } from '../http/steps';
import { withoutUndefined } from '../options';
import type { ExtensionsSettings } from '../settings';
import { IdempotencyStep, type IdempotencyMode } from './IdempotencyStep';
import { resolveIdempotencyOptions, validateIdempotencyOptions, type IdempotencyKeyOptions } from './IdempotencyKeyOptions';

/** Steps of this kind on a subclass's method replace the base class's (one idempotency decorator per route). */
export const IDEMPOTENCY_KIND = 'idempotency';

/**
 * Makes an unsafe action safe to retry (draft-ietf-httpapi-idempotency-key-header, Stripe
 * semantics): the first request with a key runs the action once, under a per-key claim with a
 * renewed lease; its outcome (a status in `storeOnStatuses`) is replayed to every retry with
 * `Idempotent-Replayed: true`. A key reused with another request gets 422, a duplicate in
 * flight waits (or 409/423), a missing or malformed key 400, a store or lock failure 503 — all
 * as RFC 9457 problem+json, and never a second execution. Safe methods pass through.
 *
 * On a controller class it protects every POST, PUT, PATCH and DELETE action of the class and of
 * its subclasses; an idempotency decorator on one of those methods refines it option by option
 * (the method's options and mode win), and `@idempotencyKeyExempt()` opts a method out.
 *
 * @param options - see {@link IdempotencyKeyOptions}; defaults come from `configureExtensions({ idempotency })`
 * @example
 * ```ts
 * @Post('/orders')
 * @HttpCode(201)
 * @idempotencyKey({ ttl: 24 * 3_600_000 })
 * create(@Body() order: NewOrder) { return this.orders.create(order); }
 *
 * @JsonController('/payments')
 * @idempotencyKey({ anonymous: 'reject' })   // every unsafe action of the controller
 * class PaymentController { ... }
 * ```
 */
export function idempotencyKey(options?: IdempotencyKeyOptions): ControllerOrMethodDecorator {
  return idempotencyDecorator('@idempotencyKey', 'key', options);
}

/**
 * Like `@idempotencyKey` (key checks, 422 on reuse with another request, in-flight handling,
 * storing the first outcome), but a duplicate of a completed request runs the action too: the
 * action decides what to answer from `req.idempotency` (Koa: `ctx.state.idempotency`), an
 * `IdempotencyInfo` `{ key, exists, response }` (django-idempotency-key's manual mode).
 *
 * @param options - see {@link IdempotencyKeyOptions}
 * @example
 * ```ts
 * @Post('/payments')
 * @idempotencyKeyManual()
 * pay(@Req() req: Request & { idempotency: IdempotencyInfo }, @Body() payment: Payment) {
 *   if (req.idempotency.exists) return { status: 'already paid' };
 *   return this.payments.charge(payment);
 * }
 * ```
 */
export function idempotencyKeyManual(options?: IdempotencyKeyOptions): ControllerOrMethodDecorator {
  return idempotencyDecorator('@idempotencyKeyManual', 'manual', options);
}

/**
 * Exempts an action from `IdempotencyKeyMiddleware` (which otherwise requires a key on every
 * POST, PUT, PATCH and DELETE action), and on a subclass's method, from the idempotency
 * decorator of the base class. Combined with `@idempotencyKey` or `@idempotencyKeyManual` on the
 * same method it throws `ConflictingDecoratorsError` at startup.
 *
 * @example
 * ```ts
 * @Post('/search')
 * @idempotencyKeyExempt()
 * search(@Body() query: SearchQuery) { return this.index.search(query); }
 * ```
 */
export function idempotencyKeyExempt(): MethodDecorator {
  return (target, methodName) => {
    declareOnce(target, String(methodName), {
      kind: IDEMPOTENCY_KIND,
      stage: 'idempotency',
      name: '@idempotencyKeyExempt',
      bind: () => undefined,
    });
  };
}

/**
 * The step `IdempotencyKeyMiddleware` adds to every unsafe route of the apps that register it,
 * with the `idempotency` settings, unless the route has an idempotency decorator of its own.
 * @internal
 */
export const OPT_OUT_DEFINITION = {
  kind: IDEMPOTENCY_KIND,
  stage: 'idempotency',
  name: 'IdempotencyKeyMiddleware',
  appliesTo: (route: RouteTarget) => route.actionTypes.some((type) => UNSAFE_ACTION_TYPES.has(type)),
  bind: (route: RouteTarget, settings: Readonly<ExtensionsSettings>) =>
    bindStep('IdempotencyKeyMiddleware', 'opt-out', {}, route, settings),
} as const satisfies StepDefinition & { appliesTo(route: RouteTarget): boolean };

const UNSAFE_ACTION_TYPES: ReadonlySet<string> = new Set(['post', 'put', 'patch', 'delete']);

function idempotencyDecorator(
  name: string,
  mode: IdempotencyMode,
  options: IdempotencyKeyOptions | undefined,
): ControllerOrMethodDecorator {
  return controllerOrMethodDecorator(
    (target) => {
      const validated = validateIdempotencyOptions(options, `${name} on ${controllerId(target)}`);
      declareControllerRouteStep(target, {
        ...idempotencyDefinition(name, mode, validated),
        appliesTo: OPT_OUT_DEFINITION.appliesTo,
        given: validated,
      });
    },
    (target, methodName) => {
      const validated = validateIdempotencyOptions(options, `${name} on ${methodId(target, methodName)}`);
      declareOnce(target, methodName, idempotencyDefinition(name, mode, validated));
    },
  );
}

/** A definition of the idempotency kind; refined by a class-level one as `{ ...class, ...own }` (own mode). */
function idempotencyDefinition(name: string, mode: IdempotencyMode, options: Readonly<IdempotencyKeyOptions>): StepDefinition {
  return {
    kind: IDEMPOTENCY_KIND,
    stage: 'idempotency',
    name,
    options,
    bind: (route, settings) => bindStep(name, mode, options, route, settings),
    under: (classLevel, route) =>
      idempotencyDefinition(
        name,
        mode,
        validateIdempotencyOptions(
          { ...(classLevel.given as IdempotencyKeyOptions), ...withoutUndefined(options) },
          `${name} on ${route.id}`,
        ),
      ),
  };
}

/** The step of a route, at both of its stages: `retries` (before preconditions) and `idempotency`. */
function bindStep(
  name: string,
  mode: IdempotencyMode,
  options: IdempotencyKeyOptions,
  route: RouteTarget,
  settings: Readonly<ExtensionsSettings>,
): readonly ActionStep[] {
  const step = new IdempotencyStep(name, mode, resolveIdempotencyOptions(options, settings, `${name} on ${route.id}`));
  return [step.retries, step];
}

// Two idempotency decorators on one method exclude each other: say so while the class is defined.
function declareOnce(prototype: object, methodName: string, definition: StepDefinition): void {
  const existing = declaredSteps(prototype, methodName).find((declared) => declared.kind === IDEMPOTENCY_KIND);
  if (existing) throw new ConflictingDecoratorsError(methodId(prototype, methodName), existing.name, definition.name);
  declareRouteStep(prototype, methodName, definition);
}
