import { InvalidOptionError } from '../errors';
import { publishCacheEvent } from '../events';
import type { ActionExchange } from '../http/ActionExchange';
import { headerText } from '../http/CapturedResponse';
import { isPlainObject } from '../options';
import { isThenable } from '../promises';

/**
 * The response header that carries a cached response's tags to the CDN in front:
 * `'Surrogate-Key'` (Fastly: keys separated by spaces) or `'Cache-Tag'` (Cloudflare: tags
 * separated by commas). The CDN strips it before the response reaches clients.
 */
export type SurrogateKeyHeader = 'Surrogate-Key' | 'Cache-Tag';

/**
 * The `cdn` setting: a CDN in front of the app caches what `@cacheResponse` caches, and is told
 * what to drop when `@invalidates` or `invalidateTags` invalidates.
 *
 * @example
 * ```ts
 * configureExtensions({
 *   cdn: {
 *     surrogateKeyHeader: 'Surrogate-Key',
 *     purge: async (tags) => {
 *       await fetch(`https://api.fastly.com/service/${serviceId}/purge`, {
 *         method: 'POST',
 *         headers: { 'fastly-key': token, 'surrogate-key': tags.join(' ') },
 *       });
 *     },
 *   },
 * });
 * ```
 */
export interface CdnSettings {
  /**
   * Header in which every response of a cached route carries its surrogate keys: its request
   * path (`/cities/42`) and its `tags` (`city:42`, `cities`), space-separated for
   * `Surrogate-Key`, comma-separated for `Cache-Tag`. A space, comma, control or non-ASCII
   * character inside a key is percent-encoded. Not sent on private responses.
   * @default none (no header)
   */
  readonly surrogateKeyHeader?: SurrogateKeyHeader;
  /**
   * Called with the surrogate keys (in the header's form: paths and tag names) right after
   * `@invalidates` or `invalidateTags` moved them to new versions in the store. Its failure (a
   * rejection or a throw) is published as a `purge-error` cache event and never fails the write;
   * success as `purged`. `@invalidates` does not hold the response for it; `invalidateTags`
   * resolves once it settled.
   * @default none
   */
  readonly purge?: (tags: readonly string[]) => void | Promise<void>;
}

const SEPARATORS: Record<SurrogateKeyHeader, string> = { 'Surrogate-Key': ' ', 'Cache-Tag': ',' };

/**
 * Checks the `cdn` setting (`null` switches the integration off); returns it frozen, with the
 * header name in its canonical spelling.
 * @internal
 */
export function validateCdnSettings(value: unknown, owner: string): Readonly<CdnSettings> | null {
  if (value === null) return null;
  if (!isPlainObject(value)) throw new InvalidOptionError(owner, 'cdn', 'null or an object { surrogateKeyHeader, purge }', value);
  for (const name of Object.keys(value)) {
    if (name !== 'surrogateKeyHeader' && name !== 'purge')
      throw new InvalidOptionError(owner, `cdn.${name}`, 'surrogateKeyHeader or purge', name);
  }
  const { surrogateKeyHeader, purge } = value;
  const header = (Object.keys(SEPARATORS) as SurrogateKeyHeader[]).find(
    (known) => typeof surrogateKeyHeader === 'string' && known.toLowerCase() === surrogateKeyHeader.toLowerCase(),
  );
  if (surrogateKeyHeader !== undefined && header === undefined) {
    throw new InvalidOptionError(
      owner,
      'cdn.surrogateKeyHeader',
      "'Surrogate-Key' (Fastly) or 'Cache-Tag' (Cloudflare)",
      surrogateKeyHeader,
    );
  }
  if (purge !== undefined && typeof purge !== 'function')
    throw new InvalidOptionError(owner, 'cdn.purge', 'a function (tags) => Promise<void>', purge);
  return Object.freeze({ surrogateKeyHeader: header, purge: purge as CdnSettings['purge'] });
}

/**
 * The surrogate keys of internal tag names (`path:/cities/42` → `/cities/42`, `tag:cities` →
 * `cities`), as the header carries them and `purge` receives them.
 * @internal
 */
export function surrogateKeysOf(tags: readonly string[], header: SurrogateKeyHeader | undefined): string[] {
  const separator = header === undefined ? ' ' : SEPARATORS[header];
  const keys: string[] = [];
  for (const tag of tags) {
    const key = encodeKey(tag.startsWith('path:') ? tag.slice(5) : tag.startsWith('tag:') ? tag.slice(4) : tag, separator);
    if (key !== '' && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/**
 * Sends a response's surrogate keys in `header` before the action runs, and merges them with
 * keys the action set itself in the same header when the response ends.
 * @internal
 */
export function sendSurrogateKeys(exchange: ActionExchange, header: SurrogateKeyHeader, tags: readonly string[]): void {
  const separator = SEPARATORS[header];
  const keys = surrogateKeysOf(tags, header);
  if (keys.length === 0) return;
  const name = header.toLowerCase();
  const value = keys.join(separator);
  exchange.setResponseHeader(name, value);
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    const current = exchange.getResponseHeader(name);
    if (current === undefined || headerText(current) === value) return;
    const theirs = headerText(current)
      .split(separator)
      .map((key) => key.trim())
      .filter(Boolean);
    exchange.setResponseHeader(name, [...new Set([...theirs, ...keys])].join(separator));
  };
  exchange.beforeResponseEnd(finish);
  exchange.beforeHeadersSent(finish);
}

const PRIVATE_OR_NO_STORE = /(^|[\s,])(private|no-store)($|[\s,=])/i;

/**
 * Sets `CDN-Cache-Control` (RFC 9213) on a shared response below 400 unless the action set one,
 * or made the response `private` / `no-store` (a CDN obeys the targeted field over
 * `Cache-Control`, so it must not widen what the action narrowed).
 * @internal
 */
export function sendCdnCacheControl(exchange: ActionExchange, status: number, cdnCacheControl: string): void {
  if (status >= 400 || exchange.getResponseHeader('cdn-cache-control') !== undefined) return;
  if (PRIVATE_OR_NO_STORE.test(headerText(exchange.getResponseHeader('cache-control')))) return;
  exchange.setResponseHeader('cdn-cache-control', cdnCacheControl);
}

/**
 * Tells the CDN to drop what carries `tags` (internal names) through `cdn.purge`, if configured;
 * never rejects: the outcome is published as a `purged` or `purge-error` cache event.
 * @internal
 */
export async function purgeCdn(cdn: Readonly<CdnSettings> | null, tags: readonly string[]): Promise<void> {
  if (!cdn?.purge) return;
  const keys = surrogateKeysOf(tags, cdn.surrogateKeyHeader);
  if (keys.length === 0) return;
  try {
    const done = cdn.purge(Object.freeze(keys));
    if (isThenable(done)) await done;
    publishCacheEvent({ type: 'purged', tags: keys });
  } catch (error) {
    publishCacheEvent({ type: 'purge-error', tags: keys, error });
  }
}

/** A key without the separator, spaces, control or non-ASCII characters (percent-encoded, UTF-8). */
function encodeKey(key: string, separator: string): string {
  let encoded = '';
  for (const char of key) {
    const code = char.codePointAt(0) as number;
    encoded += code <= 0x20 || code >= 0x7f || char === separator ? percentEncoded(char) : char;
  }
  return encoded;
}

function percentEncoded(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    // A lone surrogate has no UTF-8 form: U+FFFD stands in for it.
    return '%EF%BF%BD';
  }
}
