// Public surface of routing-controllers-extensions: re-exports only, grouped by folder.

// keys
export { KeyBit, type KeyBitContext } from './keys/KeyBit';
export { RecordKeyBit } from './keys/RecordKeyBit';
export { validateNames, type NamesParam } from './keys/validateNames';
export { KeyConstructor, type KeyConstructorOptions, type GetKeyOptions } from './keys/KeyConstructor';
export { DefaultKeyConstructor } from './keys/DefaultKeyConstructor';
export { resolveKeyFunc, type KeyFunc, type ResolvedKeyFunc } from './keys/KeyFunc';
export { canonicalJson, CanonicalJsonError } from './keys/canonicalJson';
export { hashKey } from './keys/hashKey';
export { ArgsKeyBit, type ArgsParam } from './keys/bits/ArgsKeyBit';
export { BodyKeyBit } from './keys/bits/BodyKeyBit';
export { FormatKeyBit } from './keys/bits/FormatKeyBit';
export { HeadersKeyBit } from './keys/bits/HeadersKeyBit';
export { LanguageKeyBit } from './keys/bits/LanguageKeyBit';
export { PaginationKeyBit, DEFAULT_PAGINATION_PARAMS } from './keys/bits/PaginationKeyBit';
export { ParamsKeyBit } from './keys/bits/ParamsKeyBit';
export { QueryParamsKeyBit } from './keys/bits/QueryParamsKeyBit';
export { RequestMetaKeyBit, REQUEST_META_NAMES, type RequestMetaName } from './keys/bits/RequestMetaKeyBit';
export { UniqueControllerIdKeyBit } from './keys/bits/UniqueControllerIdKeyBit';
export { UniqueMethodIdKeyBit } from './keys/bits/UniqueMethodIdKeyBit';
export { UserKeyBit, ANONYMOUS_USER, type UserIdExtractor } from './keys/bits/UserKeyBit';

// cache
export { cacheResponse } from './cache/cacheResponse';
export { DEFAULT_CACHE_RESPONSE_OPTIONS, type CacheResponseOptions } from './cache/CacheResponseOptions';
export type { CacheControlDirectives } from './cache/cacheControlHeader';
export { invalidates, type InvalidatesOptions, type InvalidatedTags } from './cache/invalidates';
export { invalidateTags, type InvalidateTagsOptions } from './cache/invalidateTags';
export { CACHE_CHANNEL_NAME, type CacheEvent } from './cache/cacheEvents';
export { DEFAULT_CACHEABLE_STATUSES, ERROR_STATUSES, type NotStoredReason } from './cache/storagePolicy';

// etag
export { etag } from './etag/etag';
export { DEFAULT_ETAG_OPTIONS, type EtagOptions } from './etag/EtagOptions';
export { evaluatePreconditions, type PreconditionInput } from './etag/evaluatePreconditions';
export { PRECONDITION_OUTCOMES, type PreconditionResult } from './etag/PreconditionResult';
export { parseEntityTag, formatEntityTag, strongMatch, weakMatch, type EntityTag } from './etag/entityTags';
export { parseEntityTagList, type EntityTagList } from './etag/entityTagList';
export { computeContentEtag } from './etag/computeContentEtag';
export { parseHttpDate, formatHttpDate } from './etag/httpDate';
export { NOT_MODIFIED_HEADERS, pickNotModifiedHeaders } from './etag/notModifiedHeaders';

// idempotency
export { idempotencyKey } from './idempotency/idempotencyKey';
export { idempotencyKeyExempt } from './idempotency/idempotencyKeyExempt';
export { idempotencyKeyManual } from './idempotency/idempotencyKeyManual';
export { IdempotencyKeyMiddleware } from './idempotency/IdempotencyKeyMiddleware';
export { ExemptIdempotencyKeyMiddleware } from './idempotency/ExemptIdempotencyKeyMiddleware';
export {
  DEFAULT_IDEMPOTENCY_OPTIONS,
  type IdempotencyKeyOptions,
  type IdempotencySettings,
  type InFlightPolicy,
} from './idempotency/IdempotencyKeyOptions';
export type { IdempotencyInfo } from './idempotency/IdempotencyInfo';
export { IdempotencyKeyBit } from './idempotency/IdempotencyKeyBit';
export { IdempotencyMemoryStorage, type IdempotencyMemoryStorageOptions } from './idempotency/IdempotencyMemoryStorage';
export { IdempotencyScopeKeyConstructor, IdempotencyFingerprint } from './idempotency/idempotencyKeyConstructors';
export { IDEMPOTENCY_PROBLEMS, IDEMPOTENCY_PROBLEM_BASE, type IdempotencyProblem } from './idempotency/idempotencyProblems';
export { IDEMPOTENCY_CHANNEL_NAME, type IdempotencyEvent } from './idempotency/idempotencyEvents';
export { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency/parseIdempotencyKey';

// settings
export { configureExtensions, getExtensionsSettings, resetExtensions, EXTENSIONS_SETTINGS, type ExtensionsSettings } from './settings';

// storage
export type { Storage, StorageCallOptions } from './storage/Storage';
export { KeyvStorage, type KeyvStorageOptions } from './storage/KeyvStorage';
export { MemoryStore, type MemoryStoreOptions } from './storage/MemoryStore';
export { MemoryStorage } from './storage/MemoryStorage';
export { createMemoryStorage } from './storage/createMemoryStorage';
export { createRedisStorage, type RedisStorageOptions } from './storage/createRedisStorage';
export { getStorage } from './storage/getStorage';

// locks
export type { Lock, LockHandle, LockAcquireOptions, LockScope } from './locks/Lock';
export type { Clock } from './locks/Clock';
export { InProcessLock, type InProcessLockOptions } from './locks/InProcessLock';
export { FileLock, type FileLockOptions } from './locks/FileLock';
export { RedisLock, type RedisLockOptions, type RedisLockClient } from './locks/RedisLock';
export { getLock } from './locks/getLock';
export { assertStoreLockPairing } from './locks/assertStoreLockPairing';

// http
export type { RequestView, DriverName } from './http/RequestView';
export type { CapturedResponse, HeaderValue } from './http/CapturedResponse';

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
