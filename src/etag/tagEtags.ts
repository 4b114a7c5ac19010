import { createHash } from 'node:crypto';
import { pendingBumps } from '../cache/pendingBumps';
import type { TagTemplates } from '../cache/tagTemplates';
import { BUMPED_VERSION_TTL_MS, pathTag, readTagVersions, settleTagVersions } from '../cache/tagVersions';
import { ExtensionsHttpError } from '../errors';
import { publishCacheEvent } from '../events';
import { ActionExchange } from '../http/ActionExchange';
import type { KeyBitContext } from '../keys/KeyBit';
import type { Storage } from '../storage/Storage';
import type { ResolvedEtagFunc } from './EtagOptions';

/** What an ETag from tag versions is built from, resolved when its route is bound. @internal */
export interface TagEtagSource {
  /** The tags whose versions make the tag (the request path's tag always joins them). */
  readonly tags: TagTemplates;
  /** The store holding the versions `@invalidates` and `invalidateTags` bump. */
  readonly storage: Storage;
  /** An `etagFunc` given as well: its value joins the versions (e.g. the negotiated format). */
  readonly inner?: ResolvedEtagFunc;
  /** Whether the route sends weak tags. */
  readonly weak: boolean;
}

/**
 * An `etagFunc` computing a strong entity tag from the current versions of a request's tags in
 * the shared store (its path's tag and `tags`): the tag changes exactly when `@invalidates` or
 * `invalidateTags` bump one of them, in any process sharing the store, and answering a 304 costs
 * one read of the versions (no action run, no cache entry read). A tag without a version yet
 * gets one. When the store fails, a GET or HEAD goes on without validators (fail open, a
 * `store-error` event) and an unsafe request gets 503: its preconditions cannot be checked.
 *
 * After a write (`rebuildAfterMethodEvaluation`), the tag sent describes the versions the
 * request's own `@invalidates` is writing, so the client can revalidate with it at once.
 * @internal
 */
export function tagVersionEtagFunc(source: TagEtagSource): ResolvedEtagFunc {
  return async (context, refresh) => {
    const names = await tagNames(source.tags, context);
    const [versions, inner] = await Promise.all([currentVersions(source.storage, names, context), source.inner?.(context, refresh)]);
    if (versions === undefined || (source.inner !== undefined && inner === undefined)) return undefined;
    const tag = entityTagOf(names, versions, inner);
    if (refresh && context instanceof ActionExchange) describeWriteOnEnd(context, source, names, versions, inner, tag);
    return tag;
  };
}

const CONSISTENT = Object.freeze({ consistent: true });

/** The request's tag names as the store keys them (`path:…`, `tag:…`), sorted, each once. */
async function tagNames(tags: TagTemplates, context: KeyBitContext): Promise<string[]> {
  const extra = await tags.expand(context);
  return [...new Set([pathTag(context.request.path), ...extra.map((tag) => `tag:${tag}`)])].sort();
}

/** The versions of `names`, giving a version to those without one; `undefined` when a safe request meets a store failure. */
async function currentVersions(storage: Storage, names: readonly string[], context: KeyBitContext): Promise<readonly string[] | undefined> {
  const method = context.request.method;
  // A write's preconditions are decided on the versions in the shared store itself (a near copy
  // a moment old could let an If-Match through over another process's write).
  const options = method === 'GET' || method === 'HEAD' ? undefined : CONSISTENT;
  try {
    const found = await readTagVersions(storage, names, options);
    if (found.every((version): version is string => typeof version === 'string')) return found;
    const settled = await settleTagVersions(storage, names, found, BUMPED_VERSION_TTL_MS);
    return names.map((name) => settled[name]);
  } catch (error) {
    publishCacheEvent({ type: 'store-error', route: context.request.route, error });
    if (method === 'GET' || method === 'HEAD') return undefined;
    throw new ExtensionsHttpError(503, 'Service Unavailable: the current validators of this resource cannot be read');
  }
}

/**
 * Once a successful write ends, the ETag sent (if still ours) is made from the versions its
 * `@invalidates` draws for the same tags: what a read right after it computes.
 */
function describeWriteOnEnd(
  exchange: ActionExchange,
  source: TagEtagSource,
  names: readonly string[],
  versions: readonly string[],
  inner: string | undefined,
  sent: string,
): void {
  exchange.beforeResponseEnd((status) => {
    if (status < 200 || status > 299) return;
    const bumped = pendingBumps(exchange);
    if (!bumped || !names.some((name) => bumped.has(name))) return;
    const current = exchange.getResponseHeader('etag');
    if (current !== sent && current !== `W/${sent}`) return;
    const after = entityTagOf(
      names,
      names.map((name, index) => bumped.get(name) ?? versions[index]),
      inner,
    );
    exchange.setResponseHeader('etag', current === sent ? after : `W/${after}`);
  });
}

/** A strong tag for these versions: 162 bits of SHA-256, base64url. */
function entityTagOf(names: readonly string[], versions: readonly string[], inner: string | undefined): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([names, versions, inner ?? null]))
    .digest('base64url');
  return `"${hash.slice(0, 27)}"`;
}
