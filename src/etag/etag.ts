import { declareRouteStep, methodId } from '../http/routingControllers';
import { keyFuncDefaults, type KeyFunc } from '../keys/KeyFunc';
import { resolveEtagFunc, validateEtagOptions, type EtagOptions } from './EtagOptions';
import { EtagStep } from './EtagStep';

const OWNER = '@etag';

/**
 * Answers conditional requests on an action (RFC 9110 §13): sends `ETag` (and `Last-Modified`
 * with `lastModified`) and evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match`,
 * `If-Modified-Since` in the §13.2.2 order with `evaluatePreconditions`: 304 for GET/HEAD, 412
 * otherwise, 428 with `requirePrecondition`, 431 past the list `limits`. A 304 repeats
 * `ETag`, `Vary`, `Cache-Control`, `Expires` and `Content-Location`; 412/428/431 carry an RFC
 * 9457 problem body, the same on Express and Koa (Express's own `req.fresh` 304 is switched
 * off on the route, and its automatic weak ETag yields to ours). A handler-set `ETag` wins.
 *
 * The tag comes from `etagFunc` BEFORE the action (drf-extensions' model), so a 304 or 412
 * costs no handler run. The trade-off: the conditions are evaluated before the action could
 * answer 404 or another error (RFC 9110 §13.2.1 wants those to take precedence); let `etagFunc`
 * return `null` for a missing resource, or use `content: true`, which hashes the final body
 * bytes after the action and only answers 2xx responses. Authentication and body validation
 * still come first (routing-controllers runs them before the action).
 *
 * With `@cacheResponse` on the same action, in either decorator order, preconditions are
 * evaluated first and a cache hit answers `If-None-Match` from the stored validators.
 *
 * @param etagFuncOrOptions - the `etagFunc`, or all {@link EtagOptions}
 * @param options - further options when the first argument is the `etagFunc`
 * @throws InvalidOptionError (naming `@etag`, `Controller.method`, the option and the value) for a bad option
 * @example
 * ```ts
 * @Get('/cities/:id')
 * @etag(cityKey)
 * @cacheResponse({ keyFunc: cityKey })
 * one(@Param('id') id: string) { return this.cities.get(id); }
 *
 * @Put('/cities/:id')
 * @etag({ etagFunc: cityVersion, rebuildAfterMethodEvaluation: true, requirePrecondition: true })
 * update(@Param('id') id: string, @Body() city: City) { return this.cities.save(id, city); }
 * ```
 */
export function etag(etagFuncOrOptions?: KeyFunc | EtagOptions['etagFunc'] | EtagOptions, options?: EtagOptions): MethodDecorator {
  return (target, methodName) => {
    const validated = validateEtagOptions(etagFuncOrOptions, options, `${OWNER} on ${methodId(target, String(methodName))}`);
    declareRouteStep(target, String(methodName), {
      kind: 'etag',
      stage: 'preconditions',
      name: OWNER,
      options: validated,
      bind(route, settings) {
        const owner = `${OWNER} on ${route.id}`;
        const source = validated.etagFunc ?? settings.defaultEtagFunc;
        const option = validated.etagFunc === undefined ? 'etagFunc (settings.defaultEtagFunc)' : 'etagFunc';
        const etagFunc = validated.content ? undefined : resolveEtagFunc(source, owner, option, keyFuncDefaults(settings));
        return new EtagStep(validated, etagFunc, settings.clock, validated.content ? undefined : source);
      },
    });
  };
}
