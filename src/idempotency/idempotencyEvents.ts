import { channel } from 'node:diagnostics_channel';

/** Name of the `node:diagnostics_channel` on which the idempotency layer reports what it does. */
export const IDEMPOTENCY_CHANNEL_NAME = 'routing-controllers-extensions:idempotency';

/** One message on {@link IDEMPOTENCY_CHANNEL_NAME}; `key` is the hashed record key, never the client's. */
export type IdempotencyEvent =
  | {
      readonly type: 'claimed' | 'takeover' | 'replayed' | 'completed' | 'released' | 'renewed' | 'lease-lost' | 'fenced' | 'mismatch' | 'conflict' | 'waited';
      readonly route: string;
      readonly key: string;
    }
  | { readonly type: 'store-error'; readonly route: string; readonly key?: string; readonly error: unknown };

const idempotencyChannel = channel(IDEMPOTENCY_CHANNEL_NAME);

/**
 * Publishes an idempotency event; free when nobody subscribes.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(IDEMPOTENCY_CHANNEL_NAME, (event) => metrics.count((event as IdempotencyEvent).type));
 * ```
 */
export function publishIdempotencyEvent(event: IdempotencyEvent): void {
  if (idempotencyChannel.hasSubscribers) idempotencyChannel.publish(event);
}
