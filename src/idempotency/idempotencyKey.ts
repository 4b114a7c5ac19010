import { registerActionStep } from '../http/actionHook';
import { markAction } from './idempotencyMarks';
import type { IdempotencyKeyOptions } from './IdempotencyKeyOptions';
import { IdempotencyStep } from './IdempotencyStep';
import { validateIdempotencyOptions } from './validateIdempotencyOptions';

/**
 * Makes an unsafe action safe to retry (draft-ietf-httpapi-idempotency-key-header, Stripe
 * semantics): the first request with a key runs the action once, under a per-key claim with a
 * renewed lease; its outcome (a status in `storeOnStatuses`) is replayed to every retry with
 * `Idempotent-Replayed: true`. A key reused with another request gets 422, a duplicate in
 * flight waits (or 409/423), a missing or malformed key 400, a store or lock failure 503 — all
 * as RFC 9457 problem+json, and never a second execution. Safe methods pass through.
 *
 * @param options - see {@link IdempotencyKeyOptions}; defaults come from `configureExtensions({ idempotency })`
 * @example
 * ```ts
 * @Post('/orders')
 * @HttpCode(201)
 * @idempotencyKey({ ttl: 24 * 3_600_000 })
 * create(@Body() order: NewOrder) { return this.orders.create(order); }
 * ```
 */
export function idempotencyKey(options?: IdempotencyKeyOptions): MethodDecorator {
  const validated = validateIdempotencyOptions(options, '@idempotencyKey');
  return (target, methodName, descriptor) => {
    markAction(target, String(methodName), '@idempotencyKey');
    registerActionStep(target, String(methodName), descriptor, new IdempotencyStep(validated, 'key'));
  };
}
