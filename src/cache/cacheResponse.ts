import { ConflictingDecoratorsError } from '../errors';
import {
  controllerId,
  controllerOrMethodDecorator,
  declareControllerRouteStep,
  isReadRoute,
  type ControllerOrMethodDecorator,
} from '../http/controllerOrMethodDecorator';
import { declareRouteStep, methodId } from '../http/routingControllers';
import { declaredSteps, type StepDefinition } from '../http/steps';
import { withoutUndefined } from '../options';
import { CacheResponseStep } from './CacheResponseStep';
import { resolveCacheOptions, validateCacheResponseOptions, type CacheResponseOptions } from './CacheResponseOptions';
import { checkTagPlaceholders } from './tagTemplates';

const OWNER = '@cacheResponse';
const EXEMPT = '@cacheResponseExempt';
const KIND = 'cache';

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
 * On a controller class it applies to every GET and HEAD action of the class and of its
 * subclasses; a `@cacheResponse` on one of those methods refines it option by option (the
 * method's options win), and `@cacheResponseExempt()` opts a method out. A method's decorator
 * beats a class's wherever each sits in the inheritance chain; between classes, the nearest wins.
 *
 * Options are checked when the decorator is applied; names of stores and locks (and the route
 * parameters `tags` placeholders name) when the app is built. Either way a mistake throws
 * `InvalidOptionError` naming `@cacheResponse`, `Controller.method` (or `Controller` for a
 * class), the option and the value.
 *
 * @param ttlOrOptions - time to live in milliseconds, or {@link CacheResponseOptions}
 * @example
 * ```ts
 * @JsonController('/cities')
 * @cacheResponse({ ttl: 15 * 60_000, keyFunc: cityKey })     // every GET action
 * class CityController {
 *   @Get('/')
 *   @cacheResponse({ tags: ['cities'] })                      // ttl and keyFunc from the class
 *   list() { return this.cities.all(); }
 *
 *   @Get('/random')
 *   @cacheResponseExempt()
 *   random() { return this.cities.pick(); }
 * }
 * ```
 */
export function cacheResponse(ttlOrOptions?: number | CacheResponseOptions): ControllerOrMethodDecorator {
  return controllerOrMethodDecorator(
    (target) => {
      const owner = `${OWNER} on ${controllerId(target)}`;
      const options = asOptions(ttlOrOptions, owner);
      declareControllerRouteStep(target, { ...cacheDefinition(options, owner), appliesTo: isReadRoute, given: options });
    },
    (prototype, methodName) => {
      const owner = `${OWNER} on ${methodId(prototype, methodName)}`;
      const definition = cacheDefinition(asOptions(ttlOrOptions, owner), owner);
      checkNotExempt(prototype, methodName, OWNER);
      declareRouteStep(prototype, methodName, definition);
    },
  );
}

/**
 * Opts one action out of a class-level `@cacheResponse` (of its controller or of a base class),
 * and on a subclass's method, out of the base method's `@cacheResponse`. Combined with
 * `@cacheResponse` on the same method it throws `ConflictingDecoratorsError`.
 *
 * @example
 * ```ts
 * @JsonController('/cities')
 * @cacheResponse(60_000)
 * class CityController {
 *   @Get('/now')
 *   @cacheResponseExempt()
 *   now() { return { at: new Date() }; }
 * }
 * ```
 */
export function cacheResponseExempt(): MethodDecorator {
  return (prototype, methodName) => {
    checkNotExempt(prototype, String(methodName), EXEMPT);
    declareRouteStep(prototype, String(methodName), { kind: KIND, stage: 'cache', name: EXEMPT, bind: () => undefined });
  };
}

/** A definition of the cache kind for `options`; refined by a class-level one as `{ ...class, ...own }`. */
function cacheDefinition(options: CacheResponseOptions, owner: string): StepDefinition {
  const validated = validateCacheResponseOptions(options, owner);
  return {
    kind: KIND,
    stage: 'cache',
    name: OWNER,
    options: validated,
    bind(route, settings) {
      const routeOwner = `${OWNER} on ${route.id}`;
      if (validated.tags) checkTagPlaceholders(validated.tags, route, routeOwner, 'tags');
      return new CacheResponseStep(validated, resolveCacheOptions(validated, settings, routeOwner));
    },
    under: (classLevel, route) =>
      cacheDefinition({ ...(classLevel.given as CacheResponseOptions), ...withoutUndefined(options) }, `${OWNER} on ${route.id}`),
  };
}

/** The options object of `ttlOrOptions` (a bare number is the ttl), checked first so bad values name `owner`. */
function asOptions(ttlOrOptions: number | CacheResponseOptions | undefined, owner: string): CacheResponseOptions {
  validateCacheResponseOptions(ttlOrOptions, owner);
  return typeof ttlOrOptions === 'number' ? { ttl: ttlOrOptions } : { ...ttlOrOptions };
}

/** `@cacheResponse` and `@cacheResponseExempt()` exclude each other on one method (in either order). */
function checkNotExempt(prototype: object, methodName: string, adding: string): void {
  const existing = declaredSteps(prototype, methodName).find(
    (declared) => declared.kind === KIND && (declared.name === EXEMPT || adding === EXEMPT),
  );
  if (existing) throw new ConflictingDecoratorsError(methodId(prototype, methodName), existing.name, adding);
}
