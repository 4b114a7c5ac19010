// How @cacheResponse lays responses out in a Storage: one entry per key, or, for responses that
// vary on request headers (RFC 9111 §4.1), a marker under the key naming those headers and one
// entry per variant; each entry valid only while the versions of its tags are unchanged.
import { createHash } from 'node:crypto';
import { representationFor } from '../http/contentCoding';
import type { Storage } from '../storage/Storage';
import { encodeVaryMarker, readEntry, readVaryMarker, type DecodedEntry } from './CacheEntry';
import { secondaryValues } from './storagePolicy';
import { tagKey, tagsUnchanged } from './tagVersions';

/** Prefix of every response entry, vary marker and variant in the store. */
export const ENTRY_KEY_PREFIX = 'rcx:response:';

/** What a lookup found. */
export interface Lookup {
  readonly key: string;
  readonly tags: readonly string[];
  readonly versions: readonly (string | undefined)[];
  readonly found?: DecodedEntry;
  /** The store failed: the miss runs without the cross-process lock and stores nothing. */
  readonly storeFailed?: boolean;
  /** Responses of this key vary on request headers, and none is stored for this request's values. */
  readonly varyMiss?: boolean;
}

/**
 * The entry under `key` for a request with `headers`, if one is stored, current (its `tags`
 * unchanged), for this request's values of the headers its responses vary on, and in a content
 * coding the client accepts (or decodable to identity). The entry and its tags' versions are
 * read in one store call: one round trip on Redis (one per slot on a cluster, in parallel).
 */
export async function lookupEntry(
  storage: Storage,
  key: string,
  tags: readonly string[],
  headers: Readonly<Record<string, string>>,
): Promise<Lookup> {
  const [stored, ...versions] = await storage.getMany<string>([ENTRY_KEY_PREFIX + key, ...tags.map(tagKey)]);
  const names = readVaryMarker(stored);
  let storeKey = key;
  let value = stored;
  if (names !== undefined) {
    storeKey = variantKey(key, names, secondaryValues(headers, names));
    value = await storage.get(ENTRY_KEY_PREFIX + storeKey);
  }
  const found = readEntry(storeKey, value);
  if (found === undefined || !tagsUnchanged(found.entry.tags, tags, versions))
    return { key, tags, versions, varyMiss: names !== undefined };
  const response = representationFor(found.response, headers['accept-encoding']);
  if (response === undefined) return { key, tags, versions };
  return { key, tags, versions, found: response === found.response ? found : { entry: found.entry, response } };
}

/**
 * Stores an encoded entry under `key` for `ttlMs`; when the response varies on the request
 * headers `secondary`, under the variant of `requestHeaders`' values, with the marker under `key`.
 */
export async function storeEntry(
  storage: Storage,
  key: string,
  entry: string,
  ttlMs: number,
  secondary: readonly string[],
  requestHeaders: Readonly<Record<string, string>>,
): Promise<void> {
  if (secondary.length === 0) {
    await storage.set(ENTRY_KEY_PREFIX + key, entry, ttlMs);
    return;
  }
  const variant = variantKey(key, secondary, secondaryValues(requestHeaders, secondary));
  await Promise.all([
    storage.set(ENTRY_KEY_PREFIX + key, encodeVaryMarker(secondary), ttlMs),
    storage.set(ENTRY_KEY_PREFIX + variant, entry, ttlMs),
  ]);
}

/** Where one variant of a key's varying responses is stored: the key plus its header values. */
function variantKey(key: string, names: readonly string[], values: readonly (string | null)[]): string {
  return `${key}:vary:${createHash('sha256')
    .update(JSON.stringify([names, values]))
    .digest('hex')}`;
}
