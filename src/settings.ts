import type { CdnSettings } from './cache/cdn';
import type { Clock } from './clock';
import type { IdempotencySettings } from './idempotency/IdempotencyKeyOptions';
import type { KeyFunc } from './keys/KeyFunc';
import type { Lock } from './locks/Lock';
import type { KeyvLike } from './storage/KeyvLike';
import type { Storage } from './storage/Storage';

/**
 * Library-wide settings, the defaults every decorator falls back to (drf-extensions'
 * `REST_FRAMEWORK_EXTENSIONS`): plain data. `configureExtensions` validates and merges them, and
 * routing-controllers' app builders bind every decorated route to the settings in force (see
 * `configureExtensions` for what a later call does).
 */
export interface ExtensionsSettings {
  /**
   * Default time to live of a cached response, in milliseconds.
   * @default 300000 (5 minutes)
   */
  readonly defaultCacheResponseTimeout: number;
  /**
   * Whether `@cacheResponse` stores 4xx/5xx responses by default.
   * @default false
   */
  readonly defaultCacheErrors: boolean;
  /**
   * Name of the store `@cacheResponse`, `@invalidates` and `invalidateTags` use when their
   * `cache` option is not given.
   * @default 'default'
   */
  readonly defaultUseCache: string;
  /**
   * Key function of `@cacheResponse` when its `keyFunc` option is not given.
   * @default new DefaultKeyConstructor()
   */
  readonly defaultKeyFunc: KeyFunc;
  /**
   * Tag function of `@etag` when no `etagFunc` is given.
   * @default new DefaultKeyConstructor()
   */
  readonly defaultEtagFunc: KeyFunc;
  /**
   * Default of `KeyConstructor`'s `memoizeForRequest` option for the key functions decorators
   * use (a constructor called directly memoizes only when its own option says so).
   * @default false
   */
  readonly defaultKeyConstructorMemoizeForRequest: boolean;
  /**
   * Named stores (drf's `CACHES`): a `Keyv` (wrapped so its errors are never swallowed) or a
   * `Storage`. `configureExtensions` merges by name, so giving `special` keeps `default`.
   * @default { default: new MemoryStorage() } (bounded in-memory LRU)
   */
  readonly caches: Readonly<Record<string, KeyvLike | Storage>>;
  /**
   * Named locks used by `@idempotencyKey` and `@cacheResponse({ lock })`; merged by name.
   * @default { default: new InProcessLock() }
   */
  readonly locks: Readonly<Record<string, Lock>>;
  /**
   * Defaults of `@idempotencyKey`, `@idempotencyKeyManual` and `IdempotencyKeyMiddleware`
   * (every field of `IdempotencyKeyOptions`), merged field by field. Its `cache` defaults to a
   * built-in `MemoryRecordStorage` of its own, replaced by `resetExtensions()`.
   * @default { cache: new MemoryRecordStorage() } (and the defaults of `IdempotencyKeyOptions`)
   */
  readonly idempotency: Readonly<IdempotencySettings>;
  /**
   * Whether routes may answer hits, 304s and replays from their early path: a route-level
   * middleware that runs before routing-controllers resolves the action's parameters, on routes
   * where that is safe (no `@Authorized`, no route or controller middlewares or interceptors,
   * keys that read only the request). `false` keeps every answer inside the action.
   * @default true
   */
  readonly earlyPath: boolean;
  /**
   * Request headers that carry credentials (lower-case names). A request with any of them is
   * served from or stored in the response cache only when its key names the user (`UserKeyBit`)
   * or the route is `public`, so one client's response never reaches another. The default
   * idempotency scope of a request without a resolved user is a hash of these headers.
   * @default ['authorization', 'cookie']
   */
  readonly credentialHeaders: readonly string[];
  /**
   * The formats the app serves, most preferred first (format names such as `json`, `xml`,
   * `html`, `text`, `csv`, or media types): what a `FormatKeyBit` built without `available`
   * negotiates `Accept` against, so every client that gets the JSON shares one entry. `null`: no
   * list, the key holds the client's normalised `Accept` list (always correct, more entries).
   * @default null
   */
  readonly availableFormats: readonly string[] | null;
  /**
   * The languages the app serves, its default first (language tags such as `en`, `fr`,
   * `pt-BR`): what a `LanguageKeyBit` built without `available` negotiates `Accept-Language`
   * against. `null`: no list, the key holds the client's normalised `Accept-Language` list.
   * @default null
   */
  readonly availableLanguages: readonly string[] | null;
  /**
   * A CDN in front of the app (Fastly, Cloudflare…): responses of cached routes carry their
   * surrogate keys in `surrogateKeyHeader`, and `@invalidates` / `invalidateTags` call `purge`
   * with the keys they invalidated. Replaced as a whole by `configureExtensions`.
   * @default null (no CDN)
   * @example
   * ```ts
   * configureExtensions({ cdn: { surrogateKeyHeader: 'Cache-Tag', purge: (tags) => cloudflare.purgeByTags(tags) } });
   * ```
   */
  readonly cdn: Readonly<CdnSettings> | null;
  /**
   * Time source of cache ages and freshness, idempotency leases and expiry (tests inject a
   * fake one). Waiting (timeouts, polling) still uses real time.
   * @default systemClock
   */
  readonly clock: Clock;
}

/** What `configureExtensions` accepts: any subset of the settings; named records merge by name. */
export type ExtensionsConfiguration = {
  readonly [K in keyof ExtensionsSettings]?: K extends 'caches' | 'locks' | 'idempotency'
    ? Partial<ExtensionsSettings[K]>
    : ExtensionsSettings[K];
};
