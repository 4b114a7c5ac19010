import { randomBytes } from 'node:crypto';
import type { Storage, StorageCallOptions } from '../storage/Storage';

/**
 * Invalidation by tag versions (a generational namespace, drf's UpdatedAtKeyBit idea made
 * general). Every tag has a version in the shared store; an entry records the versions of its
 * tags when stored and is valid only while they are unchanged. Invalidating a tag writes a new
 * version: O(number of tags), no SCAN, no per-process index, and every process sharing the store
 * sees it on its next read. A missing version (never written, or evicted) never matches, so
 * eviction can only cause misses, never stale hits.
 * @internal
 */
export const TAG_KEY_PREFIX = 'rcx:tag:';

/** The tag a response gets from its request path, so `@invalidates()` on a write drops the reads. */
export function pathTag(path: string): string {
  return `path:${path}`;
}

/** Where the version of `tag` is stored. */
export function tagKey(tag: string): string {
  return TAG_KEY_PREFIX + tag;
}

/** Current versions of `tags` (undefined where none exists yet), in one round trip. */
export function readTagVersions(
  storage: Storage,
  tags: readonly string[],
  options?: StorageCallOptions,
): Promise<readonly (string | undefined)[]> {
  return storage.getMany<string>(tags.map(tagKey), options);
}

/**
 * Gives every tag without a version one (kept `ttlMs`: a version that expires only turns the
 * entries recorded with it into misses), and returns the versions to record in an entry. Tags
 * read without a version are read again first: another request (an ETag from the same tags, say)
 * may have given them one since, and overwriting it would change what that request sent.
 */
export async function settleTagVersions(
  storage: Storage,
  tags: readonly string[],
  versions: readonly (string | undefined)[],
  ttlMs: number,
): Promise<Record<string, string>> {
  const missing = tags.filter((_tag, index) => typeof versions[index] !== 'string');
  const since = missing.length === 0 ? [] : await readTagVersions(storage, missing);
  const current = tags.map((tag, index) => (typeof versions[index] === 'string' ? versions[index] : since[missing.indexOf(tag)]));
  const recorded: Record<string, string> = {};
  const writes: Promise<unknown>[] = [];
  tags.forEach((tag, index) => {
    let version = current[index];
    if (typeof version !== 'string') {
      version = newVersion();
      writes.push(storage.set(TAG_KEY_PREFIX + tag, version, ttlMs));
    }
    recorded[tag] = version;
  });
  await Promise.all(writes);
  return recorded;
}

/** Whether the versions an entry recorded are still the current ones. */
export function tagsUnchanged(
  recorded: Readonly<Record<string, string>>,
  tags: readonly string[],
  current: readonly (string | undefined)[],
): boolean {
  for (let index = 0; index < tags.length; index++) {
    const version = current[index];
    if (version === undefined || recorded[tags[index]] !== version) return false;
  }
  return true;
}

/** How long a bumped version is kept: past it, entries recorded with it only turn into misses. */
export const BUMPED_VERSION_TTL_MS = 7 * 24 * 60 * 60_000;

/** Moves every tag to a new version, invalidating all entries recorded with the old ones. */
export async function bumpTagVersions(storage: Storage, tags: readonly string[]): Promise<void> {
  await writeTagVersions(storage, newTagVersions(tags));
}

/**
 * New versions for `tags`, drawn now (synchronously) so that what a response says about them
 * (an ETag rebuilt after a write) can name them before they are written.
 */
export function newTagVersions(tags: readonly string[]): ReadonlyMap<string, string> {
  return new Map(tags.map((tag) => [tag, newVersion()]));
}

/** Writes versions drawn by {@link newTagVersions}: the bump itself. */
export async function writeTagVersions(storage: Storage, versions: ReadonlyMap<string, string>): Promise<void> {
  await Promise.all([...versions].map(([tag, version]) => storage.set(TAG_KEY_PREFIX + tag, version, BUMPED_VERSION_TTL_MS)));
}

function newVersion(): string {
  return randomBytes(9).toString('base64url');
}
