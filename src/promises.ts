/**
 * Small promise helpers shared across the library: skipping promise hops for synchronous
 * results, and bounding a call that might never settle.
 * @internal
 */

/** Whether a value is a thenable (Promises/A+ §1.2): lets synchronous results skip promise hops. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** `f(value)`, after `value` settles when it is a promise, synchronously when it is not. */
export function then<T, R>(value: T | PromiseLike<T>, f: (settled: T) => R): R | Promise<R> {
  return isThenable(value) ? Promise.resolve(value).then(f) : f(value as T);
}

/**
 * Settles like `work`, or rejects with `onTimeout()` once `ms` milliseconds passed first. The
 * late outcome of `work` is observed and dropped, so it never becomes an unhandled rejection.
 * The timer is cleared as soon as `work` settles.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
