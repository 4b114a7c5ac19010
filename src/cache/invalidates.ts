import { getExtensionsSettings } from '../configure';
import { InvalidOptionError } from '../errors';
import { publishCacheEvent } from '../events';
import type { ActionExchange } from '../http/ActionExchange';
import { declareRouteStep, methodId } from '../http/routingControllers';
import type { ExtensionsSettings } from '../settings';
import { isStorage, resolveStorage, type Storage } from '../storage/Storage';
import { purgeCdn } from './cdn';
import { rememberPendingBumps } from './pendingBumps';
import { checkTagPlaceholders, hasPlaceholder, parseTagList, type TagList } from './tagTemplates';
import { bumpTagVersions, newTagVersions, pathTag, writeTagVersions } from './tagVersions';

const OWNER = '@invalidates';

/**
 * Tags to drop: fixed names, where `{param}` is the request's route parameter (`'city:{id}'`),
 * or a function of the context computing them.
 */
export type InvalidatedTags = TagList;

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
 * after a 4xx/5xx. Visible to every process sharing the store; ETags built from the same tags
 * (`@etag({ tags })`) change with it. With settings `cdn.purge`, the CDN is then told to drop
 * the same surrogate keys (without holding the response; its outcome goes to the events).
 *
 * A `{param}` placeholder naming no parameter of the route fails when the app is built.
 *
 * @example
 * ```ts
 * @Patch('/users/:id')
 * @invalidates(['user:{id}', 'users'])
 * update(@Param('id') id: string, @Body() patch: UserPatch) { ... }
 * ```
 */
export function invalidates(tags: InvalidatedTags = [], options: InvalidatesOptions = {}): MethodDecorator {
  return (target, methodName) => {
    const owner = `${OWNER} on ${methodId(target, String(methodName))}`;
    const templates = parseTagList(tags, owner, 'tags');
    checkCacheOption(options, owner);
    declareRouteStep(target, String(methodName), {
      kind: 'invalidates',
      stage: 'cache',
      name: OWNER,
      bind(route, settings) {
        const routeOwner = `${OWNER} on ${route.id}`;
        checkTagPlaceholders(templates, route, routeOwner, 'tags');
        const storage = storageOf(options.cache ?? settings.defaultUseCache, settings.caches, routeOwner);
        const { cdn } = settings;
        return {
          stage: 'cache',
          name: OWNER,
          async run(exchange, next) {
            const extra = await templates.expand(exchange);
            const all = [pathTag(exchange.request.path), ...extra.map((tag) => `tag:${tag}`)];
            // Synchronous for errors: an asynchronous hook holds the body back, and Express tears the
            // socket down right after an error response, which would lose that body.
            exchange.beforeResponseEnd((status) => {
              if (status < 200 || status >= 400) return undefined;
              return dropTags(exchange, storage, all, cdn);
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
 * `tags` (the `tags` option of `@cacheResponse`) or stored for one of `paths`, and changes the
 * ETags built from them (`@etag({ tags })`). Costs one store write per tag: no scan of the
 * store. With settings `cdn.purge`, the CDN is then told to drop the same surrogate keys; the
 * promise resolves once that settled too, and a failed purge is reported in the events, never
 * thrown. Tags are plain names here (a `{param}` placeholder needs a route).
 *
 * @example
 * ```ts
 * await invalidateTags(['cities'], { paths: ['/cities/42'] });
 * ```
 */
export async function invalidateTags(tags: readonly string[], options: InvalidateTagsOptions = {}): Promise<void> {
  const owner = 'invalidateTags';
  if (!isTagList(tags) || tags.some(hasPlaceholder))
    throw new InvalidOptionError(owner, 'tags', 'an array of strings without braces', tags);
  if (options.paths !== undefined && !isTagList(options.paths))
    throw new InvalidOptionError(owner, 'paths', 'an array of paths', options.paths);
  checkCacheOption(options, owner);
  const settings = getExtensionsSettings();
  const storage = storageOf(options.cache ?? settings.defaultUseCache, settings.caches, owner);
  const all = [...tags.map((tag) => `tag:${tag}`), ...(options.paths ?? []).map(pathTag)];
  try {
    await bumpTagVersions(storage, all);
    publishCacheEvent({ type: 'invalidated', tags: all });
  } finally {
    // The data changed whether or not the local bump worked: the CDN must drop its copies.
    await purgeCdn(settings.cdn, all);
  }
}

/**
 * The bump of a successful write: the new versions are drawn first (so an ETag rebuilt from the
 * same tags before the response leaves can name them), written, and then the CDN is purged.
 */
function dropTags(exchange: ActionExchange, storage: Storage, tags: readonly string[], cdn: ExtensionsSettings['cdn']): Promise<void> {
  const versions = newTagVersions(tags);
  rememberPendingBumps(exchange, versions);
  const route = exchange.request.route;
  const bumped = writeTagVersions(storage, versions).then(
    () => publishCacheEvent({ type: 'invalidated', tags }),
    (error: unknown) => publishCacheEvent({ type: 'store-error', route, error }),
  );
  void bumped.then(() => purgeCdn(cdn, tags));
  return bumped;
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
