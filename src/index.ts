// Public surface of routing-controllers-extensions: re-exports only, grouped by folder.

// keys
export { KeyBit, type KeyBitContext, type KeyBitDefaults } from './keys/KeyBit';
export { RecordKeyBit, validateNames, type NamesParam } from './keys/RecordKeyBit';
export { KeyConstructor, type KeyConstructorOptions, type GetKeyOptions } from './keys/KeyConstructor';
export { DefaultKeyConstructor } from './keys/DefaultKeyConstructor';
export { resolveKeyFunc, keyFuncDefaults, type KeyFunc, type KeyFuncDefaults, type ResolvedKeyFunc } from './keys/KeyFunc';
export { canonicalJson, CanonicalJsonError, hashKey } from './keys/canonicalJson';
export { ArgsKeyBit, type ArgsParam } from './keys/bits/ArgsKeyBit';
export { BodyKeyBit } from './keys/bits/BodyKeyBit';
export { FormatKeyBit, type FormatKeyBitOptions } from './keys/bits/FormatKeyBit';
export { HeadersKeyBit } from './keys/bits/HeadersKeyBit';
export { LanguageKeyBit, type LanguageKeyBitOptions } from './keys/bits/LanguageKeyBit';
export { PaginationKeyBit, DEFAULT_PAGINATION_PARAMS } from './keys/bits/PaginationKeyBit';
export { ParamsKeyBit } from './keys/bits/ParamsKeyBit';
export { QueryParamsKeyBit } from './keys/bits/QueryParamsKeyBit';
export { RequestMetaKeyBit, REQUEST_META_NAMES, type RequestMetaName } from './keys/bits/RequestMetaKeyBit';
export { UniqueControllerIdKeyBit } from './keys/bits/UniqueControllerIdKeyBit';
export { UniqueMethodIdKeyBit } from './keys/bits/UniqueMethodIdKeyBit';
export { UserKeyBit, ANONYMOUS_USER, type UserIdExtractor } from './keys/bits/UserKeyBit';

// cache
export { cacheResponse, cacheResponseExempt } from './cache/cacheResponse';
export { DEFAULT_CACHE_RESPONSE_OPTIONS, type CacheResponseOptions } from './cache/CacheResponseOptions';
export type { TtlFunction, CacheCondition, CacheUnless } from './cache/cacheRules';
export type { CdnSettings, SurrogateKeyHeader } from './cache/cdn';
export type { TagList } from './cache/tagTemplates';
export type { CacheControlDirectives } from './cache/cacheControlHeader';
export {
  invalidates,
  invalidateTags,
  type InvalidatesOptions,
  type InvalidateTagsOptions,
  type InvalidatedTags,
} from './cache/invalidates';
export { cached } from './cache/cached';
export type { CachedOptions } from './cache/CachedOptions';
export { DEFAULT_CACHEABLE_STATUSES, ERROR_STATUSES, type NotStoredReason } from './cache/storagePolicy';

// etag
export { etag } from './etag/etag';
export { DEFAULT_ETAG_OPTIONS, type EtagOptions } from './etag/EtagOptions';
export { evaluatePreconditions, type PreconditionInput } from './etag/evaluatePreconditions';
export { PRECONDITION_OUTCOMES, type PreconditionResult } from './etag/PreconditionResult';
export { parseEntityTag, formatEntityTag, strongMatch, weakMatch, computeContentEtag, type EntityTag } from './etag/entityTags';
export { parseEntityTagList, type EntityTagList } from './etag/entityTagList';
export { parseHttpDate, formatHttpDate } from './etag/httpDate';
export { NOT_MODIFIED_HEADERS, pickNotModifiedHeaders } from './etag/preconditionResponses';

// idempotency
export { idempotencyKey, idempotencyKeyExempt, idempotencyKeyManual } from './idempotency/idempotencyDecorators';
export { IdempotencyKeyMiddleware, ExemptIdempotencyKeyMiddleware } from './idempotency/idempotencyMiddlewares';
export {
  DEFAULT_IDEMPOTENCY_OPTIONS,
  type IdempotencyKeyOptions,
  type IdempotencySettings,
  type InFlightPolicy,
} from './idempotency/IdempotencyKeyOptions';
export type { IdempotencyInfo } from './idempotency/IdempotencyStep';
export { IdempotencyKeyBit } from './idempotency/IdempotencyKeyBit';
export { MemoryRecordStorage, type MemoryRecordStorageOptions } from './idempotency/MemoryRecordStorage';
export {
  IdempotencyScopeKeyConstructor,
  IdempotencyFingerprint,
  IdempotencyCredentialsKeyBit,
} from './idempotency/idempotencyKeyConstructors';
export { IDEMPOTENCY_PROBLEMS, IDEMPOTENCY_PROBLEM_BASE, type IdempotencyProblem } from './idempotency/idempotencyProblems';
export { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency/IdempotencyKeyBit';

// events
export {
  CACHE_CHANNEL_NAME,
  IDEMPOTENCY_CHANNEL_NAME,
  STORAGE_CHANNEL_NAME,
  type CacheEvent,
  type IdempotencyEvent,
  type StorageCallEvent,
} from './events';

// settings
export type { ExtensionsSettings, ExtensionsConfiguration } from './settings';
export { configureExtensions, getExtensionsSettings, resetExtensions, EXTENSIONS_SETTINGS } from './configure';
export { systemClock, type Clock } from './clock';

// storage
export { isStorage, toStorage, type Storage, type StorageCallOptions } from './storage/Storage';
export { KeyvStorage, type KeyvStorageOptions } from './storage/KeyvStorage';
export type { KeyvLike } from './storage/KeyvLike';
export { LruStore, type LruStoreOptions } from './storage/LruStore';
export { MemoryStorage } from './storage/MemoryStorage';
export { createRedisStorage, type RedisStorageOptions, type RedisConnectionLike, type KeyvRedisLike } from './storage/createRedisStorage';
export { NearCacheStorage, type NearCacheOptions, type InvalidationChannel } from './storage/NearCacheStorage';

// locks
export { isLock, type Lock, type LockHandle, type LockAcquireOptions, type LockScope } from './locks/Lock';
export { InProcessLock, type InProcessLockOptions } from './locks/InProcessLock';
export { FileLock, type FileLockOptions } from './locks/FileLock';
export { RedisLock, type RedisLockOptions, type RedisLockClient } from './locks/RedisLock';

// http
export type { RequestView, DriverName } from './http/RequestView';
export type { ControllerOrMethodDecorator } from './http/controllerOrMethodDecorator';
export type { CapturedResponse, HeaderValue } from './http/CapturedResponse';

// openapi
export { documentExtensions, type DocumentExtensionsOptions } from './openapi/documentExtensions';
export type { OpenApiDocumentLike } from './openapi/OpenApiDocument';
export { PROBLEM_SCHEMA_NAME } from './openapi/operationDocs';

// metrics
export { instrumentExtensions, type InstrumentExtensionsOptions, type ExtensionsInstrumentation } from './metrics/instrumentExtensions';
export type { MeterLike, CounterLike, HistogramLike, InstrumentOptionsLike, MetricAttributesLike } from './metrics/MeterLike';

// errors
export {
  ConflictingDecoratorsError,
  ExtensionsError,
  ExtensionsHttpError,
  InvalidOptionError,
  KeyConstructionError,
  LockError,
  LockTimeoutError,
  PreconditionFailedError,
  PreconditionRequiredError,
  RequestHeaderFieldsTooLargeError,
  StorageError,
} from './errors';
