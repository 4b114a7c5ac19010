import { declareRouteStep, methodId } from '../http/routingControllers';
import { CacheResponseStep } from './CacheResponseStep';
import { resolveCacheOptions, validateCacheResponseOptions, type CacheResponseOptions } from './CacheResponseOptions';

const OWNER = '@cacheResponse';

/**
 * Caches whole HTTP responses of a GET action: status, safe headers and the exact body bytes.
 * A hit replays them without running the action and adds `Age` and `Cache-Status` (RFC 9211).
 * Concurrent misses on one key run the action once. Errors, `Set-Cookie` responses,
 * `no-store`/`private` responses and credentialed requests (a `credentialHeaders` header, or a
 * current user from the app's `currentUserChecker`; unless the key has a `UserKeyBit` or the
 * route is `public`) are never stored. Store failures fail open.
 *
 * Every response it serves (miss, hit, 304, HEAD) carries `Vary` for the headers the key's bits
 * declare and the `vary` option, and `Cache-Control: private` when the key identifies the user.
 * The response's own `Vary` is honoured as a secondary key (RFC 9111 §4.1), and a stored content
 * coding the client does not accept is decoded before it is sent.
 *
 * Options are checked when the decorator is applied; names of stores and locks when the app is
 * built. Either way a mistake throws `InvalidOptionError` naming `@cacheResponse`,
 * `Controller.method`, the option and the value.
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
  return (target, methodName) => {
    const options = validateCacheResponseOptions(ttlOrOptions, `${OWNER} on ${methodId(target, String(methodName))}`);
    declareRouteStep(target, String(methodName), {
      kind: 'cache',
      stage: 'cache',
      name: OWNER,
      options,
      bind: (route, settings) => new CacheResponseStep(options, resolveCacheOptions(options, settings, `${OWNER} on ${route.id}`)),
    });
  };
}
