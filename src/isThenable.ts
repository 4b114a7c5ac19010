/**
 * Whether a value is a thenable (Promises/A+ §1.2): lets synchronous results skip promise hops.
 * @internal
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
