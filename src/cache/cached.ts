import { onSettingsChange } from '../configure';
import { InvalidOptionError } from '../errors';
import { methodId } from '../http/routingControllers';
import { CachedMethod } from './CachedMethod';
import { validateCachedOptions, type CachedOptions } from './CachedOptions';

const OWNER = '@cached';

/** Methods that resolved their store: a settings change re-checks them (and may be refused). */
const resolvedMethods = new Set<CachedMethod>();

onSettingsChange((next, { reset }) => {
  if (reset) {
    for (const method of resolvedMethods) method.forget();
    resolvedMethods.clear();
    return;
  }
  // Throwing refuses the change; methods re-resolve lazily on their next call (the version moved).
  for (const method of resolvedMethods) method.check(next);
});

/**
 * Caches the results of an `async` method of any class — a typedi `@Service()`, a repository,
 * a plain object's class — in the library's stores (Spring's `@Cacheable`, cache-manager's
 * `wrap`). A call with a key whose result is fresh returns it without calling the method;
 * concurrent calls with one key call it once (single-flight); within `staleWhileRevalidate` a
 * stale result is returned at once while one background call refreshes it. Entries carry
 * `tags`, dropped by `invalidateTags` and `@invalidates` together with `@cacheResponse` entries.
 *
 * Results must round-trip through the store: strings, finite numbers, booleans, `null`,
 * Buffers, arrays and plain objects of them (others — a `Date`, a class instance — are returned
 * but not stored). A store that fails or times out is bypassed: the method is called, and its
 * own errors are never cached. The options' shape is checked when the decorator is applied; the
 * store name on the first call and at every `configureExtensions` after it.
 *
 * @param ttlOrOptions - time to live in milliseconds, or {@link CachedOptions}
 * @example
 * ```ts
 * @Service()
 * class CityService {
 *   @cached({ ttl: 60_000, key: (id: number) => `city:${id}`, tags: (id: number) => ['cities', `city:${id}`] })
 *   async find(id: number): Promise<City> {
 *     return this.repository.findOneBy({ id });
 *   }
 * }
 * await invalidateTags(['city:42']); // the next find(42) calls the repository again
 * ```
 */
export function cached<A extends readonly unknown[] = never[]>(
  ttlOrOptions?: number | CachedOptions<A>,
): <M extends (...args: A) => Promise<unknown>>(
  target: object,
  methodName: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => TypedPropertyDescriptor<M> {
  return <M extends (...args: A) => Promise<unknown>>(
    target: object,
    methodName: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): TypedPropertyDescriptor<M> => {
    const name = String(methodName);
    const id = methodId(target, name);
    const owner = `${OWNER} on ${id}`;
    const options = validateCachedOptions(ttlOrOptions, owner);
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') throw new InvalidOptionError(owner, 'target', 'a method', original);
    const method = new CachedMethod(owner, id, name, options, original as (...args: unknown[]) => unknown, (resolved) =>
      resolvedMethods.add(resolved),
    );
    const wrapped = {
      // A named method, so stack traces and `Function.name` still show the original's name.
      [name](this: object, ...args: unknown[]): Promise<unknown> {
        return method.call(this, args);
      },
    }[name];
    return { ...descriptor, value: wrapped as unknown as M };
  };
}
