import { InvalidOptionError } from '../errors';
import { getExtensionsSettings } from '../settings';
import { getStorage } from '../storage/getStorage';
import { publishCacheEvent } from './cacheEvents';
import { bumpTagVersions, pathTag } from './tagVersions';

/** Options of {@link invalidateTags}. */
export interface InvalidateTagsOptions {
  /**
   * Name of the store whose entries are invalidated.
   * @default settings.defaultUseCache ('default')
   */
  cache?: string;
  /** Paths whose entries (in every variant) are invalidated too, e.g. `['/users/1']`. */
  paths?: readonly string[];
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
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
    throw new InvalidOptionError('invalidateTags', 'tags', 'an array of strings', tags);
  }
  const storage = getStorage(options.cache ?? getExtensionsSettings().defaultUseCache, 'invalidateTags');
  const all = [...tags.map((tag) => `tag:${tag}`), ...(options.paths ?? []).map(pathTag)];
  await bumpTagVersions(storage, all);
  publishCacheEvent({ type: 'invalidated', tags: all });
}
