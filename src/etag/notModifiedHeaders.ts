/**
 * Header fields a 304 Not Modified MUST carry when the 200 would have had them (RFC 9110
 * §15.4.5), lower-cased. Other representation metadata should be left out; `Last-Modified` is
 * the exception `pickNotModifiedHeaders` makes when there is no `ETag`.
 *
 * @example
 * ```ts
 * NOT_MODIFIED_HEADERS.includes('etag'); // true
 * ```
 */
export const NOT_MODIFIED_HEADERS = Object.freeze([
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
] as const);

const REQUIRED = new Set<string>(NOT_MODIFIED_HEADERS);

/**
 * Picks from a 200's headers those a 304 must repeat (RFC 9110 §15.4.5): `Cache-Control`,
 * `Content-Location`, `Date`, `ETag`, `Expires`, `Vary`, plus `Last-Modified` when there is no
 * `ETag` (it then guides cache updates). Names are matched case-insensitively and returned
 * lower-cased; `undefined` values are skipped. Everything else (`Content-Type`,
 * `Content-Length`, `Set-Cookie`, …) is dropped.
 *
 * @example
 * ```ts
 * pickNotModifiedHeaders({ ETag: '"v2"', 'Content-Type': 'application/json', Vary: 'Accept' });
 * // { etag: '"v2"', vary: 'Accept' }
 * ```
 */
export function pickNotModifiedHeaders<V>(headers: Readonly<Record<string, V | undefined>>): Record<string, V> {
  const picked: Record<string, V> = {};
  let lastModified: V | undefined;
  let hasEtag = false;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (REQUIRED.has(lower)) {
      picked[lower] = value;
      if (lower === 'etag') hasEtag = true;
    } else if (lower === 'last-modified') {
      lastModified = value;
    }
  }
  if (!hasEtag && lastModified !== undefined) picked['last-modified'] = lastModified;
  return picked;
}
