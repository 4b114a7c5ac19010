import { StateKey, type ActionExchange } from '../http/ActionExchange';
import type { HeaderValue } from '../http/CapturedResponse';
import { clientCacheControl } from './cacheControlHeader';
import { sendCdnCacheControl } from './cdn';
import type { ResolvedCacheOptions } from './CacheResponseOptions';
import { mergeVary } from './storagePolicy';

/** What a cached route added to a response for clients, and the Cache-Control the action set itself. */
export interface Decoration {
  done: boolean;
  actionCacheControl?: HeaderValue;
}

const DECORATION = new StateKey<Decoration>('cache-decoration');

/**
 * Gives a response a cached route serves from its action what clients and caches in front need:
 * `Cache-Status`, the key's `Vary` (merged with the action's own, before the action and again
 * at the end, since the framework may set `Vary` from `@Header` meanwhile), and Cache-Control
 * (the option, `private` for user-scoped responses; see `clientCacheControl`) and, on shared
 * responses, `CDN-Cache-Control` (the `cdnCacheControl` option). The end part runs
 * once, at the end or when a streamed body sends the head first, and records the action's own
 * Cache-Control for the storage policy. A strong ETag is made weak if a compression middleware
 * below encodes the body.
 * @internal
 */
export function decorateResponse(exchange: ActionExchange, options: ResolvedCacheOptions, isPrivate: boolean, cacheStatus: string): void {
  const { varyNames } = options;
  exchange.setResponseHeader('cache-status', cacheStatus);
  if (varyNames.length > 0) exchange.setResponseHeader('vary', mergeVary(exchange.getResponseHeader('vary'), varyNames));
  exchange.weakenEtagWhenEncoded();
  const decoration: Decoration = { done: false };
  exchange.set(DECORATION, decoration);
  const configured = isPrivate ? options.privateCacheControl : options.sharedCacheControl;
  const finish = (status: number): void => {
    if (decoration.done) return;
    decoration.done = true;
    if (varyNames.length > 0) exchange.setResponseHeader('vary', mergeVary(exchange.getResponseHeader('vary'), varyNames));
    const current = exchange.getResponseHeader('cache-control');
    decoration.actionCacheControl = current;
    const sent = clientCacheControl(current, status, configured, isPrivate);
    if (sent !== undefined && sent !== current) exchange.setResponseHeader('cache-control', sent);
    if (!isPrivate && options.cdnCacheControl !== undefined) sendCdnCacheControl(exchange, status, options.cdnCacheControl);
  };
  exchange.beforeResponseEnd(finish);
  exchange.beforeHeadersSent(finish);
}

/** The decoration of this request's response, if the route decorated it. @internal */
export function decorationOf(exchange: ActionExchange): Decoration | undefined {
  return exchange.get(DECORATION);
}

/**
 * What a 304 answered before the cache (by `@etag`) owes the client of a cached route (RFC 9110
 * §15.4.5): the `Vary` and `Cache-Control` its 200 would carry.
 * @internal
 */
export function notModifiedClientHeaders(exchange: ActionExchange, options: ResolvedCacheOptions): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = {};
  const routeVary = exchange.route.headers.vary;
  const current = mergeVary(
    exchange.getResponseHeader('vary'),
    routeVary === undefined ? [] : routeVary.split(',').map((name) => name.trim()),
  );
  if (options.varyNames.length > 0 || current !== '') headers.vary = mergeVary(current, options.varyNames);
  const isPrivate =
    options.keyIdentifiesUser ||
    (!options.userScoped && options.credentialHeaders.some((name) => exchange.request.headers[name] !== undefined));
  const cacheControl = clientCacheControl(
    exchange.getResponseHeader('cache-control') ?? exchange.route.headers['cache-control'],
    200,
    isPrivate ? options.privateCacheControl : options.sharedCacheControl,
    isPrivate,
  );
  if (cacheControl !== undefined) headers['cache-control'] = cacheControl;
  return headers;
}
