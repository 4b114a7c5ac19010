import { registerActionStep } from '../http/actionHook';
import { CacheResponseStep } from './CacheResponseStep';
import { validateCacheResponseOptions, type CacheResponseOptions } from './CacheResponseOptions';

/**
 * Caches whole HTTP responses of a GET action: status, safe headers and the exact body bytes.
 * A hit replays them without running the action and adds `Age` and `Cache-Status` (RFC 9211).
 * Concurrent misses on one key run the action once. Errors, `Set-Cookie` responses,
 * `no-store`/`private` responses and credentialed requests (unless the key has a `UserKeyBit`
 * or the route is `public`) are never stored. Store failures fail open.
 *
 * @param ttlOrOptions - time to live in milliseconds, or {@link CacheResponseOptions}
 * @example
 * ```ts
 * @Get('/cities')
 * @cacheResponse({ ttl: 15 * 60_000, keyFunc: cityKey, tags: () => ['cities'] })
 * list() { return this.cities.all(); }
 * ```
 */
export function cacheResponse(ttlOrOptions?: number | CacheResponseOptions): MethodDecorator {
  const options = validateCacheResponseOptions(ttlOrOptions);
  return (target, methodName, descriptor) => {
    registerActionStep(target, String(methodName), descriptor, new CacheResponseStep(options));
  };
}
