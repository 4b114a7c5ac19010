/**
 * Content negotiation helpers for the request view: the response format from `?format=` or
 * `Accept` (RFC 9110 §12.5.1) and the preferred language from `Accept-Language` (§12.5.4).
 * @internal
 */

const FORMAT_BY_MEDIA_TYPE: Readonly<Record<string, string>> = {
  'application/json': 'json',
  'text/json': 'json',
  'application/problem+json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/plain': 'text',
  'text/csv': 'csv',
  'application/yaml': 'yaml',
  'text/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'application/octet-stream': 'binary',
  'application/msgpack': 'msgpack',
};

/** Format when nothing is asked for (`*&#47;*` or no Accept): JSON, as routing-controllers answers. */
export const DEFAULT_FORMAT = 'json';

interface Weighted {
  value: string;
  q: number;
  order: number;
}

/** Splits an `Accept`-style list into lower-cased values with their q weights (q=0 dropped). */
function parseWeightedList(header: string): Weighted[] {
  const items: Weighted[] = [];
  const parts = header.split(',');
  for (let order = 0; order < parts.length && order < 64; order++) {
    const [rawValue, ...rawParams] = parts[order].split(';');
    const value = rawValue.trim().toLowerCase();
    if (value === '') continue;
    let q = 1;
    for (const param of rawParams) {
      const [name, weight] = param.split('=');
      if (name.trim().toLowerCase() === 'q') {
        const parsed = Number(weight);
        q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
      }
    }
    if (q > 0) items.push({ value, q, order });
  }
  return items.sort((a, b) => b.q - a.q || a.order - b.order);
}

/**
 * The negotiated format: `?format=` wins (lower-cased), else the best-weighted known media type
 * of `Accept`, else the subtype of the best concrete media type, else {@link DEFAULT_FORMAT}.
 */
export function negotiateFormat(formatParam: string | undefined, accept: string | undefined): string {
  if (formatParam) return formatParam.trim().toLowerCase();
  if (!accept) return DEFAULT_FORMAT;
  for (const { value } of parseWeightedList(accept)) {
    const known = FORMAT_BY_MEDIA_TYPE[value];
    if (known) return known;
    if (value === '*/*' || value.endsWith('/*')) continue;
    const subtype = value.slice(value.indexOf('/') + 1);
    const suffix = subtype.lastIndexOf('+');
    return suffix >= 0 ? subtype.slice(suffix + 1) : subtype;
  }
  return DEFAULT_FORMAT;
}

/** The highest-weighted language tag of `Accept-Language`, lower-cased; `undefined` for none or `*`. */
export function negotiateLanguage(acceptLanguage: string | undefined): string | undefined {
  if (!acceptLanguage) return undefined;
  for (const { value } of parseWeightedList(acceptLanguage)) {
    if (value !== '*') return value;
  }
  return undefined;
}
