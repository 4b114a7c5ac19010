import { StateKey, type ActionExchange } from '../http/ActionExchange';

/** Tag versions this request's `@invalidates` is writing (drawn before the write, see `newTagVersions`). */
const PENDING_BUMPS = new StateKey<Map<string, string>>('pending-tag-bumps');

/**
 * Remembers the versions an invalidation of this request is about to write, so a validator
 * rebuilt from the same tags before the response leaves (an ETag from tag versions after a
 * write) describes the state the write leaves behind.
 * @internal
 */
export function rememberPendingBumps(exchange: ActionExchange, versions: ReadonlyMap<string, string>): void {
  let pending = exchange.get(PENDING_BUMPS);
  if (!pending) exchange.set(PENDING_BUMPS, (pending = new Map()));
  for (const [tag, version] of versions) pending.set(tag, version);
}

/** The versions this request's invalidations are writing, by tag. @internal */
export function pendingBumps(exchange: ActionExchange): ReadonlyMap<string, string> | undefined {
  return exchange.get(PENDING_BUMPS);
}
