import { createHash } from 'node:crypto';

/**
 * One entity tag as defined by RFC 9110 §8.8.3: `entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE`.
 * `value` is the text between the quotes, kept raw (tags are not quoted-strings: a backslash
 * is an ordinary character, never an escape).
 *
 * @example
 * ```ts
 * const tag: EntityTag = { weak: true, value: 'v2' }; // W/"v2"
 * ```
 */
export interface EntityTag {
  /** Whether the tag carries the case-sensitive `W/` prefix (a weak validator). */
  readonly weak: boolean;
  /** The opaque tag without its surrounding double quotes. */
  readonly value: string;
}

/**
 * Whether a UTF-16 code unit is an `etagc` (RFC 9110 §8.8.3): `%x21 / %x23-7E / obs-text`.
 * Header strings reach Node as latin1, so obs-text is the code units 0x80–0xFF.
 * @internal
 */
export function isEtagc(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/**
 * Scans one entity tag starting at `start` and returns the index just after its closing quote,
 * or -1 when no valid tag starts there. Linear in the tag length, allocation-free.
 * @internal
 */
export function scanEntityTag(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 0x57 /* W */) {
    if (text.charCodeAt(i + 1) !== 0x2f /* / */) return -1;
    i += 2;
  }
  if (text.charCodeAt(i) !== 0x22 /* " */) return -1;
  i += 1;
  const end = text.length;
  while (i < end && isEtagc(text.charCodeAt(i))) i += 1;
  return i < end && text.charCodeAt(i) === 0x22 ? i + 1 : -1;
}

/**
 * Parses one entity tag, e.g. the value of an `ETag` response header (RFC 9110 §8.8.3).
 * Surrounding spaces and tabs are ignored; anything else that is not exactly one valid tag
 * (unquoted, lower-case `w/`, control characters, trailing text) gives `undefined`. Never throws.
 *
 * @example
 * ```ts
 * parseEntityTag('W/"v2"'); // { weak: true, value: 'v2' }
 * parseEntityTag('v2');     // undefined
 * ```
 */
export function parseEntityTag(text: string): EntityTag | undefined {
  if (typeof text !== 'string') return undefined;
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start += 1;
  while (end > start && isOws(text.charCodeAt(end - 1))) end -= 1;
  const stop = scanEntityTag(text, start);
  if (stop !== end) return undefined;
  const weak = text.charCodeAt(start) === 0x57;
  return { weak, value: text.slice(start + (weak ? 3 : 1), end - 1) };
}

/**
 * Whether `text` is exactly one valid entity tag (no surrounding whitespace), as an `ETag`
 * header must be (RFC 9110 §8.8.3).
 *
 * @example
 * ```ts
 * isEntityTag('"a,b"'); // true: commas are legal inside a tag
 * isEntityTag('w/"a"'); // false: W/ is case-sensitive
 * ```
 */
export function isEntityTag(text: string): boolean {
  return typeof text === 'string' && text.length >= 2 && scanEntityTag(text, 0) === text.length;
}

/**
 * Formats an entity tag for the `ETag` header (RFC 9110 §8.8.3): the value in double quotes,
 * prefixed with `W/` when weak. Rejects values that cannot be sent as `etagc`: double quotes,
 * control characters, spaces, characters above U+00FF, and backslashes (§8.8.3 asks servers to
 * avoid them because old recipients unescape them).
 *
 * @throws TypeError when `value` holds a character that is not allowed.
 * @example
 * ```ts
 * formatEntityTag('v2');       // '"v2"'
 * formatEntityTag('v2', true); // 'W/"v2"'
 * ```
 */
export function formatEntityTag(value: string, weak = false): string {
  if (typeof value !== 'string') {
    throw new TypeError(`formatEntityTag: value must be a string, got ${typeof value}`);
  }
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (!isEtagc(code) || code === 0x5c /* \ */) {
      throw new TypeError(
        `formatEntityTag: value must hold only visible characters other than '"' and '\\', ` +
          `got U+${code.toString(16).toUpperCase().padStart(4, '0')} at index ${i}`,
      );
    }
  }
  return weak ? `W/"${value}"` : `"${value}"`;
}

/**
 * Strong comparison (RFC 9110 §8.8.3.2): both tags strong and their opaque values identical.
 * Used for `If-Match` and `If-Range`. Strings are parsed first; an invalid one never matches.
 *
 * @example
 * ```ts
 * strongMatch('"1"', '"1"');   // true
 * strongMatch('W/"1"', '"1"'); // false
 * ```
 */
export function strongMatch(a: EntityTag | string, b: EntityTag | string): boolean {
  const left = toEntityTag(a);
  const right = toEntityTag(b);
  return left !== undefined && right !== undefined && !left.weak && !right.weak && left.value === right.value;
}

/**
 * Weak comparison (RFC 9110 §8.8.3.2): opaque values identical, `W/` ignored. Used for
 * `If-None-Match`. Strings are parsed first; an invalid one never matches.
 *
 * @example
 * ```ts
 * weakMatch('W/"1"', '"1"'); // true
 * weakMatch('"1"', '"2"');   // false
 * ```
 */
export function weakMatch(a: EntityTag | string, b: EntityTag | string): boolean {
  const left = toEntityTag(a);
  const right = toEntityTag(b);
  return left !== undefined && right !== undefined && left.value === right.value;
}

function toEntityTag(tag: EntityTag | string): EntityTag | undefined {
  return typeof tag === 'string' ? parseEntityTag(tag) : tag;
}

/** Optional whitespace (RFC 9110 §5.6.3): space or horizontal tab. @internal */
export function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

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
