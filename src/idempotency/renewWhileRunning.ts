import type { Clock } from '../clock';
import { publishIdempotencyEvent } from '../events';
import type { Claim, IdempotencyRecords } from './IdempotencyRecords';

/**
 * Renews a claim's lease every third of `leaseMs` on `clock` until the returned function is
 * called, or until a renewal finds the record no longer the claim's (`lease-lost`: the claim was
 * taken over after a pause longer than the lease; its completion will be fenced). A failed
 * renewal (store down) is retried at the next tick.
 * @internal
 */
export function renewWhileRunning(records: IdempotencyRecords, clock: Clock, leaseMs: number, claim: Claim, route: string): () => void {
  let stopped = false;
  let timer: unknown;
  const schedule = () => {
    if (!stopped) timer = clock.setTimeout(tick, Math.max(1, Math.floor(leaseMs / 3)));
  };
  const tick = () => {
    records.renew(claim).then(
      (owned) => {
        if (stopped) return;
        publishIdempotencyEvent({ type: owned ? 'renewed' : 'lease-lost', route, key: claim.key });
        if (owned) schedule();
      },
      (error: unknown) => {
        publishIdempotencyEvent({ type: 'store-error', route, key: claim.key, error });
        schedule();
      },
    );
  };
  schedule();
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
