import { getExtensionsSettings } from '../configure';
import { InvalidOptionError } from '../errors';
import { publishCacheEvent } from '../events';
import { declareRouteStep, methodId } from '../http/routingControllers';
import type { KeyBitContext } from '../keys/KeyBit';
import { isStorage, resolveStorage, type Storage } from '../storage/Storage';
import { bumpTagVersions, pathTag } from './tagVersions';

const OWNER = '@invalidates';

/** Tags to drop: fixed names or computed from the request. */
export type InvalidatedTags = readonly string[] | ((context: KeyBitContext) => readonly string[] | Promise<readonly string[]>);

/** Options of {@link invalidates}. */
export interface InvalidatesOptions {
  /**
   * Name of the store whose entries are dropped, or a `Storage`.
   * @default settings.defaultUseCache ('default')
   */
  cache?: string | Storage;
}

/** Options of {@link invalidateTags}. */
export interface InvalidateTagsOptions extends InvalidatesOptions {
  /** Paths whose entries (in every variant) are invalidated too, e.g. `['/users/1']`. */
  paths?: readonly string[];
}

/**
 * On an unsafe action, drops the cached responses of its own path (every variant: users,
 * languages, query strings) and of `tags`, after a 2xx or 3xx response (204 included, RFC 9111
 * §4.4) and before that response leaves, so the client's next read is fresh. Nothing is dropped
 * after a 4xx/5xx. Visible to every process sharing the store.
 *
 * @example
 * ```ts
 * @Patch('/users/:id')
 * @invalidates((ctx) => ['users'])
 * update(@Param('id') id: string, @Body() patch: UserPatch) { ... }
 * ```
 */
export function invalidates(tags: InvalidatedTags = [], options: InvalidatesOptions = {}): MethodDecorator {
  return (target, methodName) => {
    const owner = `${OWNER} on ${methodId(target, String(methodName))}`;
    if (typeof tags !== 'function' && !isTagList(tags)) {
      throw new InvalidOptionError(owner, 'tags', 'an array of strings or a function (context) => string[]', tags);
    }
    checkCacheOption(options, owner);
    declareRouteStep(target, String(methodName), {
      kind: 'invalidates',
      stage: 'cache',
      name: OWNER,
      bind(route, settings) {
        const storage = storageOf(options.cache ?? settings.defaultUseCache, settings.caches, `${OWNER} on ${route.id}`);
        return {
          stage: 'cache',
          name: OWNER,
          async run(exchange, next) {
            const extra = typeof tags === 'function' ? await tags(exchange) : tags;
            const all = [pathTag(exchange.request.path), ...extra.map((tag) => `tag:${tag}`)];
            // Synchronous for errors: an asynchronous hook holds the body back, and Express tears the
            // socket down right after an error response, which would lose that body.
            exchange.beforeResponseEnd((status) => {
              if (status < 200 || status >= 400) return undefined;
              return dropTags(storage, all, exchange.request.route);
            });
            return next();
          },
        };
      },
    });
  };
}

/**
 * Invalidates, in every process sharing the store, each cached response tagged with one of
 * `tags` (the `tags` option of `@cacheResponse`) or stored for one of `paths`. Costs one store
 * write per tag: no scan of the store.
 *
 * @example
 * ```ts
 * await invalidateTags(['cities'], { paths: ['/cities/42'] });
 * ```
 */
export async function invalidateTags(tags: readonly string[], options: InvalidateTagsOptions = {}): Promise<void> {
  const owner = 'invalidateTags';
  if (!isTagList(tags)) throw new InvalidOptionError(owner, 'tags', 'an array of strings', tags);
  if (options.paths !== undefined && !isTagList(options.paths))
    throw new InvalidOptionError(owner, 'paths', 'an array of paths', options.paths);
  checkCacheOption(options, owner);
  const settings = getExtensionsSettings();
  const storage = storageOf(options.cache ?? settings.defaultUseCache, settings.caches, owner);
  const all = [...tags.map((tag) => `tag:${tag}`), ...(options.paths ?? []).map(pathTag)];
  await bumpTagVersions(storage, all);
  publishCacheEvent({ type: 'invalidated', tags: all });
}

async function dropTags(storage: Storage, tags: readonly string[], route: string): Promise<void> {
  try {
    await bumpTagVersions(storage, tags);
    publishCacheEvent({ type: 'invalidated', tags });
  } catch (error) {
    publishCacheEvent({ type: 'store-error', route, error });
  }
}

function isTagList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((tag) => typeof tag === 'string');
}

function checkCacheOption(options: InvalidatesOptions, owner: string): void {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError(owner, 'options', 'an object', options);
  const { cache } = options;
  if (cache !== undefined && !(typeof cache === 'string' ? cache !== '' : isStorage(cache))) {
    throw new InvalidOptionError(owner, 'cache', 'a store name or a Storage', cache);
  }
}

function storageOf(cache: string | Storage, caches: Readonly<Record<string, unknown>>, owner: string): Storage {
  return typeof cache === 'string' ? resolveStorage(caches, cache, owner) : cache;
}
