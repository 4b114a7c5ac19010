import { hash } from 'node:crypto';

/**
 * SHA-256 of a string's UTF-8 bytes as 64 lower-case hex characters: the default last step of
 * `KeyConstructor.prepareKey` (drf-extensions switched to MD5 for speed; one-shot `crypto.hash`
 * makes SHA-256 as cheap for inputs this small).
 *
 * @example
 * ```ts
 * hashKey('{"format":"json"}'); // 64 hex characters
 * ```
 */
export function hashKey(text: string): string {
  return hash('sha256', text, 'hex');
}
