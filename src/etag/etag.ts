import { checkTagPlaceholders } from '../cache/tagTemplates';
import {
  controllerId,
  controllerOrMethodDecorator,
  declareControllerRouteStep,
  isReadRoute,
  type ControllerOrMethodDecorator,
} from '../http/controllerOrMethodDecorator';
import { declareRouteStep, methodId } from '../http/routingControllers';
import type { StepDefinition } from '../http/steps';
import { keyFuncDefaults, type KeyFunc } from '../keys/KeyFunc';
import { withoutUndefined } from '../options';
import { resolveStorage } from '../storage/Storage';
import { etagOptionsOf, resolveEtagFunc, validateMergedEtagOptions, type EtagOptions } from './EtagOptions';
import { EtagStep } from './EtagStep';
import { tagVersionEtagFunc } from './tagEtags';

const OWNER = '@etag';

/** Options that say where the tag comes from: a method naming one replaces the class's source whole. */
const SOURCE_OPTIONS = ['etagFunc', 'content', 'tags'] as const;

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
 * still come first (routing-controllers runs them before the action). With `tags`, the tag is
 * made from the versions of invalidation tags in the shared store, so it changes exactly when
 * `@invalidates` or `invalidateTags` says the data did, in every process.
 *
 * With `@cacheResponse` on the same action, in either decorator order, preconditions are
 * evaluated first and a cache hit answers `If-None-Match` from the stored validators.
 *
 * On a controller class it applies to every GET and HEAD action of the class and of its
 * subclasses; an `@etag` on one of those methods refines it option by option, except that a
 * method naming a source of tags (`etagFunc`, `content`, `tags`) replaces the class's source.
 *
 * @param etagFuncOrOptions - the `etagFunc`, or all {@link EtagOptions}
 * @param options - further options when the first argument is the `etagFunc`
 * @throws InvalidOptionError (naming `@etag`, `Controller.method` or `Controller`, the option and the value) for a bad option
 * @example
 * ```ts
 * @Get('/cities/:id')
 * @etag({ tags: ['city:{id}'] })          // 304 until @invalidates(['city:{id}']) runs
 * @cacheResponse({ keyFunc: cityKey })
 * one(@Param('id') id: string) { return this.cities.get(id); }
 *
 * @Put('/cities/:id')
 * @etag({ etagFunc: cityVersion, rebuildAfterMethodEvaluation: true, requirePrecondition: true })
 * update(@Param('id') id: string, @Body() city: City) { return this.cities.save(id, city); }
 * ```
 */
export function etag(
  etagFuncOrOptions?: KeyFunc | EtagOptions['etagFunc'] | EtagOptions,
  options?: EtagOptions,
): ControllerOrMethodDecorator {
  return controllerOrMethodDecorator(
    (target) => {
      const owner = `${OWNER} on ${controllerId(target)}`;
      const merged = etagOptionsOf(etagFuncOrOptions, options, owner);
      declareControllerRouteStep(target, { ...etagDefinition(merged, owner), appliesTo: isReadRoute, given: merged });
    },
    (prototype, methodName) => {
      const owner = `${OWNER} on ${methodId(prototype, methodName)}`;
      declareRouteStep(prototype, methodName, etagDefinition(etagOptionsOf(etagFuncOrOptions, options, owner), owner));
    },
  );
}

/** A definition of the etag kind for `options`; refined by a class-level one (see {@link SOURCE_OPTIONS}). */
function etagDefinition(options: EtagOptions, owner: string): StepDefinition {
  const validated = validateMergedEtagOptions(options, owner);
  return {
    kind: 'etag',
    stage: 'preconditions',
    name: OWNER,
    options: validated,
    bind(route, settings) {
      const routeOwner = `${OWNER} on ${route.id}`;
      if (validated.tags) {
        checkTagPlaceholders(validated.tags, route, routeOwner, 'tags');
        const cache = validated.cache ?? settings.defaultUseCache;
        const storage = typeof cache === 'string' ? resolveStorage(settings.caches, cache, routeOwner) : cache;
        const inner =
          validated.etagFunc === undefined
            ? undefined
            : resolveEtagFunc(validated.etagFunc, routeOwner, 'etagFunc', keyFuncDefaults(settings));
        const etagFunc = tagVersionEtagFunc({ tags: validated.tags, storage, inner, weak: validated.weak });
        // The early path reads the versions before the parameters are resolved; a tags function reading them falls back.
        return new EtagStep(validated, etagFunc, settings.clock, validated.etagFunc);
      }
      const source = validated.etagFunc ?? settings.defaultEtagFunc;
      const option = validated.etagFunc === undefined ? 'etagFunc (settings.defaultEtagFunc)' : 'etagFunc';
      const etagFunc = validated.content ? undefined : resolveEtagFunc(source, routeOwner, option, keyFuncDefaults(settings));
      return new EtagStep(validated, etagFunc, settings.clock, validated.content ? undefined : source);
    },
    under(classLevel, route) {
      const own: EtagOptions = withoutUndefined(options);
      const base: EtagOptions = { ...(classLevel.given as EtagOptions) };
      if (SOURCE_OPTIONS.some((name) => name in own)) for (const name of SOURCE_OPTIONS) delete base[name];
      // The store of tag versions stays with tags, wherever they come from.
      if (own.tags === undefined && base.tags === undefined) delete base.cache;
      return etagDefinition({ ...base, ...own }, `${OWNER} on ${route.id}`);
    },
  };
}
