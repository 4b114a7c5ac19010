import { passOn, registerBeforeMiddleware } from './registerBeforeMiddleware';

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

registerBeforeMiddleware(ExemptIdempotencyKeyMiddleware);
