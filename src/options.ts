/**
 * A copy of `value` without its `undefined` fields, so an explicit `undefined` option falls back
 * to the default when merged over a defaults object.
 * @internal
 */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Whether `value` is a plain object (an object literal or `Object.create(null)`), the only shape
 * options and named-entry records are accepted in.
 * @internal
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
