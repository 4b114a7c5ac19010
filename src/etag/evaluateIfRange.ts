import type { HeaderFieldValue } from './entityTagList';
import { parseEntityTag } from './entityTags';
import { parseHttpDate, toHttpDatePrecision } from './httpDate';

/**
 * Evaluates `If-Range` (RFC 9110 §13.1.5): true only when the field is one entity tag that
 * strongly matches the current tag, or one HTTP-date exactly equal to a strong `lastModified`
 * (seconds precision). A weak tag, an invalid value or several field lines give false.
 *
 * @param lastModified - the current Last-Modified in ms, already truncated to the second.
 * @param now - the current time in ms (Last-Modified is strong only a second or more before it).
 * @internal
 * @example
 * ```ts
 * evaluateIfRange('"v2"', '"v2"', undefined, Date.now()); // true
 * ```
 */
export function evaluateIfRange(
  field: HeaderFieldValue,
  etag: string | undefined,
  lastModified: number | undefined,
  now: number,
): boolean {
  const value = typeof field === 'string' ? field : field !== undefined && field.length === 1 ? field[0] : undefined;
  if (typeof value !== 'string') return false;
  const tag = parseEntityTag(value);
  if (tag !== undefined) {
    const current = etag === undefined ? undefined : parseEntityTag(etag);
    return current !== undefined && !tag.weak && !current.weak && tag.value === current.value;
  }
  const date = parseHttpDate(value, now);
  // Last-Modified is only a strong validator if at least one second passed since it (§8.8.2.2).
  const strong = lastModified !== undefined && toHttpDatePrecision(now) - lastModified >= 1000;
  return date !== undefined && strong && date === lastModified;
}
