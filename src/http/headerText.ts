import type { HeaderValue } from './CapturedResponse';

/**
 * A header value as one string: repeated field lines joined with `, ` (RFC 9110 §5.3); `''`
 * for an absent header.
 * @internal
 */
export function headerText(value: HeaderValue | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}
