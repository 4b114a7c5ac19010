/**
 * Settles like `work`, or rejects with `onTimeout()` once `ms` milliseconds passed first. The
 * late outcome of `work` is observed and dropped, so it never becomes an unhandled rejection.
 * The timer is cleared as soon as `work` settles.
 * @internal
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
