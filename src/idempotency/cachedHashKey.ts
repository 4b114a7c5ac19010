import { hashKey } from '../keys/canonicalJson';

/** Texts remembered at most; the oldest is forgotten first. */
const MAX_ENTRIES = 4096;
/** Longer texts (large bodies) are hashed every time rather than kept in memory. */
const MAX_TEXT_LENGTH = 1024;

const hashes = new Map<string, string>();

/**
 * `hashKey(text)` remembered for recent short texts: a replay sends the same key and body as
 * the original, so its record key and fingerprint are the hashes of texts seen moments ago.
 * @internal
 *
 * @example
 * ```ts
 * cachedHashKey('{"key":"k1","user":"anonymous"}') === hashKey('{"key":"k1","user":"anonymous"}'); // true
 * ```
 */
export function cachedHashKey(text: string): string {
  if (text.length > MAX_TEXT_LENGTH) return hashKey(text);
  let hash = hashes.get(text);
  if (hash === undefined) {
    hash = hashKey(text);
    if (hashes.size >= MAX_ENTRIES) hashes.delete(hashes.keys().next().value as string);
    hashes.set(text, hash);
  }
  return hash;
}
