import { createHash } from 'node:crypto';

/**
 * A strong entity tag for exact response bytes (RFC 9110 §8.8.3, §8.8.1): the SHA-256 of the
 * body, base64url-encoded, in double quotes (45 characters). Hash the bytes actually sent (after
 * serialization and any content-coding): the tag then changes exactly when they change, so it
 * is strong and per representation. Strings are hashed as UTF-8; chunks as their concatenation.
 *
 * @example
 * ```ts
 * computeContentEtag(Buffer.from('hello')); // '"LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"'
 * ```
 */
export function computeContentEtag(body: string | Uint8Array | readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  if (typeof body === 'string' || body instanceof Uint8Array) {
    hash.update(body);
  } else {
    for (const chunk of body) hash.update(chunk);
  }
  return `"${hash.digest('base64url')}"`;
}
