import { markAction } from './idempotencyMarks';

/**
 * Exempts an action from `IdempotencyKeyMiddleware` (which otherwise requires a key on every
 * POST, PUT, PATCH and DELETE action). Combined with `@idempotencyKey` or
 * `@idempotencyKeyManual` on the same action it throws `ConflictingDecoratorsError` at startup.
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
    markAction(target, String(methodName), '@idempotencyKeyExempt');
  };
}
