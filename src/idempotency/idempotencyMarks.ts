import { ConflictingDecoratorsError } from '../errors';

/** Which idempotency decorator an action carries. */
export type IdempotencyMark = '@idempotencyKey' | '@idempotencyKeyManual' | '@idempotencyKeyExempt';

const marks = new WeakMap<object, Map<string, IdempotencyMark>>();

/**
 * Records the idempotency decorator of an action; a second one on the same action (exempt with
 * key, key with manual, or one twice) throws `ConflictingDecoratorsError` while the class is
 * being defined, i.e. at startup, never per request.
 * @internal
 */
export function markAction(prototype: object, methodName: string, mark: IdempotencyMark): void {
  let byMethod = marks.get(prototype);
  if (!byMethod) marks.set(prototype, (byMethod = new Map()));
  const existing = byMethod.get(methodName);
  if (existing !== undefined) throw new ConflictingDecoratorsError(`${prototype.constructor.name}.${methodName}`, existing, mark);
  byMethod.set(methodName, mark);
}

/**
 * The idempotency decorator of an action, if any.
 * @internal
 */
export function markOf(prototype: object, methodName: string): IdempotencyMark | undefined {
  return marks.get(prototype)?.get(methodName);
}
