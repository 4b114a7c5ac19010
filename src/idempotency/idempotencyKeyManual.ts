import type { IdempotencyInfo } from './IdempotencyInfo';
import { registerActionStep } from '../http/actionHook';
import { markAction } from './idempotencyMarks';
import type { IdempotencyKeyOptions } from './IdempotencyKeyOptions';
import { IdempotencyStep } from './IdempotencyStep';
import { validateIdempotencyOptions } from './validateIdempotencyOptions';

/**
 * Like `@idempotencyKey` (key checks, 422 on reuse with another request, in-flight handling,
 * storing the first outcome), but a duplicate of a completed request runs the action too: the
 * action decides what to answer from `req.idempotency` (Koa: `ctx.state.idempotency`), an
 * {@link IdempotencyInfo} `{ key, exists, response }` (django-idempotency-key's manual mode).
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
export function idempotencyKeyManual(options?: IdempotencyKeyOptions): MethodDecorator {
  const validated = validateIdempotencyOptions(options, '@idempotencyKeyManual');
  return (target, methodName, descriptor) => {
    markAction(target, String(methodName), '@idempotencyKeyManual');
    registerActionStep(target, String(methodName), descriptor, new IdempotencyStep(validated, 'manual'));
  };
}
