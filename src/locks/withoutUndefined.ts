/**
 * A copy of `value` without its `undefined` fields, so an explicit `undefined` option falls back
 * to the default when merged over a defaults object.
 * @internal
 */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
