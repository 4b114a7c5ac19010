import { declareMiddleware, passOn } from '../http/routingControllers';
import { OPT_OUT_DEFINITION } from './idempotencyDecorators';

/**
 * Opt-out idempotency (django-idempotency-key's `IdempotencyKeyMiddleware`): in an app that
 * registers it, every POST, PUT, PATCH and DELETE action requires an idempotency key, with the
 * `idempotency` settings of `configureExtensions`, unless it is `@idempotencyKeyExempt()` (or has
 * its own `@idempotencyKey`/`@idempotencyKeyManual` options). Registered the routing-controllers
 * way; `useContainer(Container)` apps get it from typedi like their own middlewares.
 *
 * @example
 * ```ts
 * createExpressServer({ controllers: [OrderController], middlewares: [IdempotencyKeyMiddleware] });
 * ```
 */
export class IdempotencyKeyMiddleware {
  /** Passes the request on (the protection itself is bound to the app's routes when it is built). */
  use(...args: unknown[]): unknown {
    return passOn(args);
  }
}

/**
 * Opt-in idempotency (django-idempotency-key's `ExemptIdempotencyKeyMiddleware`): only actions
 * decorated with `@idempotencyKey` or `@idempotencyKeyManual` are protected. That is also what
 * happens without any middleware (the decorators protect their actions by themselves, so a
 * forgotten registration never leaves a decorated action unprotected); registering it states the
 * policy explicitly, and it passes every request on untouched.
 *
 * @example
 * ```ts
 * createKoaServer({ controllers: [OrderController], middlewares: [ExemptIdempotencyKeyMiddleware] });
 * ```
 */
export class ExemptIdempotencyKeyMiddleware {
  /** Passes the request on. */
  use(...args: unknown[]): unknown {
    return passOn(args);
  }
}

declareMiddleware(IdempotencyKeyMiddleware, OPT_OUT_DEFINITION);
declareMiddleware(ExemptIdempotencyKeyMiddleware);
