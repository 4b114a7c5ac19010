import { ExtensionsError } from '../errors';
import { isThenable } from '../isThenable';
import type { KeyBitContext } from '../keys/KeyBit';
import { KeyConstructor } from '../keys/KeyConstructor';
import { resolveKeyFunc } from '../keys/KeyFunc';
import { controllerName } from '../keys/bits/UniqueControllerIdKeyBit';
import { formatEntityTag, isEntityTag } from './entityTags';

/**
 * An `etagFunc` in callable form: the raw tag, or `undefined` when the resource has no current
 * representation; synchronous when the user's function is. `refresh` bypasses a
 * `KeyConstructor`'s per-request memo. A throwing function throws (the action hook rejects).
 * @internal
 */
export type ResolvedEtagFunc = (context: KeyBitContext, refresh?: boolean) => string | undefined | Promise<string | undefined>;

/**
 * Like `resolveKeyFunc` (checked when the decorator is applied, a method name looked up on the
 * controller per call), except that a function or method may return `null` / `undefined` to
 * say "no current representation".
 * @internal
 */
export function resolveEtagFunc(etagFunc: unknown, owner: string, option: string): ResolvedEtagFunc {
  // Validates every form eagerly (classes, empty names, other types throw InvalidOptionError).
  const keyOf = resolveKeyFunc(etagFunc, owner, option);
  if (etagFunc instanceof KeyConstructor) return (context, refresh) => keyOf(context, refresh ? { refresh } : undefined);
  const call = (context: KeyBitContext): unknown => {
    if (typeof etagFunc === 'function') return etagFunc(context);
    const method = (context.controller as Record<string, unknown>)[etagFunc as string];
    if (typeof method !== 'function') {
      throw new ExtensionsError(`${owner}: option ${option} names method "${String(etagFunc)}", but ${controllerName(context.controller)} has no such method`);
    }
    return method.call(context.controller, context);
  };
  return (context) => {
    const value = call(context);
    return isThenable(value) ? Promise.resolve(value).then((settled) => checked(settled, owner, option)) : checked(value, owner, option);
  };
}

function checked(value: unknown, owner: string, option: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw new ExtensionsError(`${owner}: option ${option} returned ${typeof value === 'string' ? 'an empty string' : typeof value}, expected a string, null or undefined`);
}

/**
 * The `ETag` field value for a raw tag: a formatted tag (`"v2"`, `W/"v2"`) is kept (made weak
 * when `weak`), anything else is quoted with `formatEntityTag`.
 * @throws ExtensionsError naming the owner when the value cannot be sent as a tag.
 * @internal
 */
export function toEntityTag(raw: string, weak: boolean, owner: string): string {
  if (isEntityTag(raw)) return weak && !raw.startsWith('W/') ? `W/${raw}` : raw;
  try {
    return formatEntityTag(raw, weak);
  } catch (error) {
    throw new ExtensionsError(`${owner}: the tag ${JSON.stringify(raw)} cannot be sent in ETag`, { cause: error });
  }
}
