import type { CapturedResponse } from '../http/CapturedResponse';

/**
 * What `@idempotencyKeyManual` hands the action, as `req.idempotency` (Express) or
 * `ctx.state.idempotency` (Koa): the client's key, whether a completed outcome exists for it,
 * and that outcome (status, replayable headers, body bytes; `undefined` when none was kept).
 *
 * @example
 * ```ts
 * const { exists, response } = (req as { idempotency: IdempotencyInfo }).idempotency;
 * if (exists) return JSON.parse(response!.body.toString());
 * ```
 */
export interface IdempotencyInfo {
  readonly key: string;
  readonly exists: boolean;
  readonly response: CapturedResponse | undefined;
}
