import { InvalidOptionError } from '../errors';
import { registerActionStep } from '../http/actionHook';
import type { KeyBitContext } from '../keys/KeyBit';
import { getExtensionsSettings } from '../settings';
import { getStorage } from '../storage/getStorage';
import { publishCacheEvent } from './cacheEvents';
import { bumpTagVersions, pathTag } from './tagVersions';

const OWNER = '@invalidates';

/** Tags to drop: fixed names or computed from the request. */
export type InvalidatedTags = readonly string[] | ((context: KeyBitContext) => readonly string[] | Promise<readonly string[]>);

/** Options of {@link invalidates}. */
export interface InvalidatesOptions {
  /**
   * Name of the store whose entries are dropped.
   * @default settings.defaultUseCache ('default')
   */
  cache?: string;
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
  if (typeof tags !== 'function' && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
    throw new InvalidOptionError(OWNER, 'tags', 'an array of strings or a function (context) => string[]', tags);
  }
  if (options.cache !== undefined && (typeof options.cache !== 'string' || options.cache === '')) {
    throw new InvalidOptionError(OWNER, 'cache', 'a store name', options.cache);
  }
  return (target, methodName, descriptor) => {
    registerActionStep(target, String(methodName), descriptor, {
      stage: 'cache',
      name: OWNER,
      async run(exchange, next) {
        const extra = typeof tags === 'function' ? await tags(exchange) : tags;
        const all = [pathTag(exchange.request.path), ...extra.map((tag) => `tag:${tag}`)];
        // Synchronous for errors: an asynchronous hook holds the body back, and Express tears the
        // socket down right after an error response, which would lose that body.
        exchange.beforeResponseEnd((status) => {
          if (status < 200 || status >= 400) return undefined;
          return dropTags(all, options.cache, exchange.request.route);
        });
        return next();
      },
    });
  };
}

async function dropTags(tags: readonly string[], cache: string | undefined, route: string): Promise<void> {
  try {
    await bumpTagVersions(getStorage(cache ?? getExtensionsSettings().defaultUseCache, OWNER), tags);
    publishCacheEvent({ type: 'invalidated', tags });
  } catch (error) {
    publishCacheEvent({ type: 'store-error', route, error });
  }
}
