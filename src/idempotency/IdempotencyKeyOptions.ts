import { InvalidOptionError } from '../errors';
import { checkKeyFunc, keyFuncDefaults, resolveKeyFunc, type KeyFunc, type ResolvedKeyFunc } from '../keys/KeyFunc';
import { assertStoreLockPairing, isLock, resolveLock, type Lock } from '../locks/Lock';
import type { ExtensionsSettings } from '../settings';
import { isStorage, resolveStorage, type Storage } from '../storage/Storage';
import { IdempotencyFingerprint, IdempotencyScopeKeyConstructor } from './idempotencyKeyConstructors';
import { IdempotencyPersistence } from './IdempotencyPersistence';

/**
 * What a duplicate does while the first request with its key is still running:
 * `'wait'` waits up to `maxWaitMs` and replays the outcome (409 if still running then),
 * `'conflict'` answers 409 at once (IETF draft), `'locked'` waits up to `lockTimeoutMs` and
 * replays the outcome, or answers 423 if still running then (django-idempotency-key's behaviour).
 */
export type InFlightPolicy = 'wait' | 'conflict' | 'locked';

/**
 * What becomes of an action that started and failed (a 5xx or a thrown error) or answered a
 * status outside `storeOnStatuses`: `'release'` drops the claim so a retry runs the action again
 * (a failure may have left side effects a second run repeats); `'record'` stores that outcome
 * and replays it like any other for the `ttl` (Stripe's rule: a retry never runs an action that
 * began; a transient failure is then replayed too, and only a new key runs it again).
 */
export type IdempotencyErrorsPolicy = 'release' | 'record';

/**
 * Options of `@idempotencyKey` and `@idempotencyKeyManual` (each falls back to the
 * `idempotency` settings of `configureExtensions`, then to the default shown).
 */
export interface IdempotencyKeyOptions {
  /**
   * Request header carrying the key: an RFC 9651 sf-string or a bare token, 1–255 printable
   * characters, exactly one field line.
   * @default 'Idempotency-Key'
   */
  header?: string;
  /**
   * Whether a request without the header runs normally (no idempotency) instead of getting 400.
   * @default false
   */
  optional?: boolean;
  /**
   * What an anonymous request (no current user) gets: `'shared'` runs it scoped by the
   * credentials it presents (a hash of the `credentialHeaders`; one scope for all callers that
   * present none; the fingerprint still guards reuse), `'reject'` answers 400 `scope-required`
   * (for APIs where every caller must be authenticated).
   * @default 'shared'
   */
  anonymous?: 'shared' | 'reject';
  /**
   * Accept only the draft's quoted sf-string form (`"abc"`); a bare token then gets 400.
   * @default false
   */
  strict?: boolean;
  /**
   * Status of a replayed response; `null` replays the original status (django-idempotency-key
   * replays with 409).
   * @default null
   */
  conflictStatusCode?: number | null;
  /**
   * Statuses whose response is stored and replayed; with `errors: 'release'` any other outcome
   * (5xx, thrown errors) releases the key so a retry runs again.
   * @default [200, 201, 202, 203, 204, 205, 206, 207]
   */
  storeOnStatuses?: readonly number[];
  /**
   * What an action that started and then failed or answered another status leaves:
   * `'release'` (a retry runs it again) or `'record'` (every outcome is stored and replayed,
   * as Stripe does). Rejections before the action (authorization, parameter validation) and
   * responses that never ended are released either way.
   * @default 'release'
   */
  errors?: IdempotencyErrorsPolicy;
  /**
   * The store holding the records: the name of a configured store (`configureExtensions({
   * caches })`) or a `Storage`. The default is the built-in record store of the settings: a
   * `MemoryRecordStorage` of this process, apart from the response cache, which never evicts a
   * record before its TTL and answers a new key 503 once it holds 64 MiB. Apps running several
   * processes name a shared store (e.g. `createRedisStorage(url)`) here; an in-memory store with
   * a lock reaching other processes fails when the app is built. Never name an evicting cache
   * (such as the `default` LRU): a record it drops lets a duplicate run again.
   * @default settings.idempotency.cache (a built-in MemoryRecordStorage)
   */
  cache?: string | Storage;
  /**
   * The lock serialising claims of one key: a configured lock name or a `Lock`. Its reach must
   * match the store's (an in-memory store with a `FileLock` is rejected).
   * @default 'default'
   */
  lock?: string | Lock;
  /**
   * Lease of a running request, in milliseconds, renewed every third of it while the action
   * runs. A crashed owner's key is taken over (once) after its lease ran out.
   * @default 60000
   */
  leaseMs?: number;
  /**
   * Longest wait for the per-key lock around a claim, in milliseconds; past it 409 (423 with
   * `inFlight: 'locked'`). With `inFlight: 'locked'`, also the longest wait of a duplicate for
   * the first request to finish.
   * @default 2000
   */
  lockTimeoutMs?: number;
  /**
   * What a duplicate gets while the first request runs.
   * @default 'wait'
   */
  inFlight?: InFlightPolicy;
  /**
   * Longest wait of a duplicate in `'wait'` mode, in milliseconds, before 409 + `Retry-After`.
   * @default 10000
   */
  maxWaitMs?: number;
  /**
   * `Retry-After` of 409, 423 and 503 answers, in seconds.
   * @default 1
   */
  retryAfterSeconds?: number;
  /**
   * How long a completed record is kept and replayed, in milliseconds from completion.
   * @default 86400000 (24 hours)
   */
  ttl?: number;
  /**
   * Builds the record key. The default hashes the header value and the current user
   * (`IdempotencyKeyBit` + `UserKeyBit`), so one user's key never replays to another, or, with
   * no current user, the credentials presented (`credentialHeaders`).
   * @default new IdempotencyScopeKeyConstructor()
   */
  keyFunc?: KeyFunc;
  /**
   * Builds the request fingerprint; a key reused with another fingerprint gets 422. `false`
   * switches the check off.
   * @default new IdempotencyFingerprint() (method, route, route params, canonical query and body)
   */
  fingerprint?: KeyFunc | false;
  /**
   * Largest response body kept for replay, in bytes. A larger successful response is recorded
   * without its body: a duplicate then gets 409 `replay-unavailable`, never a second execution.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
}

/** The `idempotency` section of `configureExtensions`: the defaults of every option. */
export type IdempotencySettings = IdempotencyKeyOptions;

/** Default of every option (`keyFunc` and `fingerprint` defaults are built per header). */
export const DEFAULT_IDEMPOTENCY_OPTIONS = Object.freeze({
  header: 'Idempotency-Key',
  optional: false,
  anonymous: 'shared' as 'shared' | 'reject',
  strict: false,
  conflictStatusCode: null as number | null,
  storeOnStatuses: Object.freeze([200, 201, 202, 203, 204, 205, 206, 207]) as readonly number[],
  errors: 'release' as IdempotencyErrorsPolicy,
  lock: 'default' as string | Lock,
  leaseMs: 60_000,
  lockTimeoutMs: 2_000,
  inFlight: 'wait' as InFlightPolicy,
  maxWaitMs: 10_000,
  retryAfterSeconds: 1,
  ttl: 24 * 60 * 60_000,
  maxBodyBytes: 1024 * 1024,
});

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MS = 'a positive number of milliseconds';
const isPositive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;
const isBoolean = (value: unknown) => typeof value === 'boolean';
const oneOf =
  (...words: string[]) =>
  (value: unknown) =>
    words.includes(value as string);

/** What each option accepts, as `[expected, check]`; key functions are checked by `checkKeyFunc`. */
const CHECKS: Readonly<Record<keyof IdempotencyKeyOptions, readonly [string, (value: unknown) => boolean]>> = {
  header: ['a header field name', (value) => typeof value === 'string' && TOKEN.test(value)],
  optional: ['a boolean', isBoolean],
  strict: ['a boolean', isBoolean],
  anonymous: ["'shared' or 'reject'", oneOf('shared', 'reject')],
  conflictStatusCode: ['null or an HTTP status (100–599)', (value) => value === null || isStatus(value)],
  storeOnStatuses: ['an array of HTTP statuses (100–599)', (value) => Array.isArray(value) && value.every(isStatus)],
  errors: ["'release' or 'record'", oneOf('release', 'record')],
  cache: ['a store name or a Storage', (value) => (typeof value === 'string' ? value !== '' : isStorage(value))],
  lock: ['a Lock or the name of a configured lock', (value) => isLock(value) || (typeof value === 'string' && value !== '')],
  leaseMs: [MS, isPositive],
  lockTimeoutMs: [MS, isPositive],
  inFlight: ["'wait', 'conflict' or 'locked'", oneOf('wait', 'conflict', 'locked')],
  maxWaitMs: [MS, isPositive],
  retryAfterSeconds: ['a whole number of seconds', (value) => Number.isInteger(value) && (value as number) >= 0],
  ttl: [MS, isPositive],
  keyFunc: ['a key function', () => true],
  fingerprint: ['a key function or false', () => true],
  maxBodyBytes: ['a positive number of bytes', isPositive],
};
const KNOWN = Object.keys(CHECKS);

/**
 * Checks the options of an idempotency decorator or middleware (or the `idempotency` settings)
 * when they are given, so a mistake fails at startup with an `InvalidOptionError` naming
 * `owner`, the option and the value. Returns a frozen copy.
 * @internal
 *
 * @example
 * ```ts
 * const options = validateIdempotencyOptions({ ttl: 60_000 }, '@idempotencyKey on OrderController.create');
 * ```
 */
export function validateIdempotencyOptions(value: unknown, owner: string): Readonly<IdempotencyKeyOptions> {
  if (value === undefined) return Object.freeze({});
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidOptionError(owner, 'options', 'an object', value);
  const options = value as IdempotencyKeyOptions;
  for (const [name, given] of Object.entries(options)) {
    if (!Object.hasOwn(CHECKS, name)) throw new InvalidOptionError(owner, name, `one of ${KNOWN.join(', ')}`, name);
    const [expected, check] = CHECKS[name as keyof IdempotencyKeyOptions];
    if (given !== undefined && !check(given)) throw new InvalidOptionError(owner, name, expected, given);
  }
  if (options.keyFunc !== undefined) checkKeyFunc(options.keyFunc, owner, 'keyFunc');
  if (options.fingerprint !== undefined && options.fingerprint !== false) checkKeyFunc(options.fingerprint, owner, 'fingerprint');
  const copy: IdempotencyKeyOptions = { ...options };
  if (options.storeOnStatuses !== undefined) copy.storeOnStatuses = Object.freeze([...options.storeOnStatuses]);
  return Object.freeze(copy);
}

/**
 * Checks the `idempotency` section of the settings, and that the store and lock it names are
 * configured. Whether they can work together is checked for each route that uses them, when its
 * app is built (an app may configure a cross-process lock for its cache and use no idempotency).
 * @internal
 */
export function validateIdempotencySettings(settings: Readonly<ExtensionsSettings>, owner: string): void {
  const { cache, lock } = validateIdempotencyOptions(settings.idempotency, owner);
  if (typeof cache === 'string') resolveStorage(settings.caches, cache, owner);
  if (lock !== undefined) resolveLock(settings.locks, lock, owner);
}

/** Options of one step merged with the settings, with the store, lock and key functions resolved. @internal */
export type ResolvedIdempotencyOptions = Readonly<
  Required<Omit<IdempotencyKeyOptions, 'storeOnStatuses' | 'cache' | 'lock' | 'leaseMs' | 'ttl' | 'keyFunc' | 'fingerprint'>> & {
    storeOnStatuses: ReadonlySet<number>;
    keyFunc: ResolvedKeyFunc;
    fingerprint: ResolvedKeyFunc | undefined;
    /** The key functions as given, for the early-path decision. */
    keySource: KeyFunc;
    fingerprintSource: KeyFunc | undefined;
    persistence: IdempotencyPersistence;
  }
>;

/**
 * Merges a step's options over the `idempotency` settings and the defaults, and resolves the
 * record store and lock (checking they can work together) and the key functions. An unknown
 * name or a bad pairing throws `InvalidOptionError` naming `owner`.
 * @internal
 */
export function resolveIdempotencyOptions(
  options: IdempotencyKeyOptions,
  settings: Readonly<ExtensionsSettings>,
  owner: string,
): ResolvedIdempotencyOptions {
  const merged = { ...DEFAULT_IDEMPOTENCY_OPTIONS, ...settings.idempotency, ...options };
  const lock = resolveLock(settings.locks, merged.lock, owner);
  const cache = merged.cache;
  if (cache === undefined)
    throw new InvalidOptionError(owner, 'cache', 'a store name or a Storage (settings.idempotency.cache has none)', cache);
  const storage = typeof cache === 'string' ? resolveStorage(settings.caches, cache, owner) : cache;
  if (typeof cache !== 'string' && storage.scope === 'process' && lock.scope !== 'process') {
    throw new InvalidOptionError(
      owner,
      'cache',
      `the name of a store shared like the lock (${lock.constructor.name}, scope '${lock.scope}'): the record store is in-memory; configure a shared one in caches and name it in idempotency.cache`,
      cache.constructor.name,
    );
  }
  assertStoreLockPairing(storage, lock, owner);
  const defaults = keyFuncDefaults(settings);
  const keyFunc =
    merged.keyFunc ?? new IdempotencyScopeKeyConstructor({ params: { key: merged.header, credentials: settings.credentialHeaders } });
  const fingerprint = merged.fingerprint === false ? undefined : (merged.fingerprint ?? new IdempotencyFingerprint());
  const { leaseMs, lockTimeoutMs, ttl, storeOnStatuses } = merged;
  return {
    ...pick(merged, [
      'header',
      'optional',
      'strict',
      'anonymous',
      'conflictStatusCode',
      'errors',
      'inFlight',
      'maxWaitMs',
      'lockTimeoutMs',
    ]),
    ...pick(merged, ['retryAfterSeconds', 'maxBodyBytes']),
    storeOnStatuses: new Set(storeOnStatuses),
    keyFunc: resolveKeyFunc(keyFunc, owner, 'keyFunc', defaults),
    fingerprint: fingerprint === undefined ? undefined : resolveKeyFunc(fingerprint, owner, 'fingerprint', defaults),
    keySource: keyFunc,
    fingerprintSource: fingerprint,
    persistence: new IdempotencyPersistence(storage, lock, settings.clock, { leaseMs, lockTimeoutMs, ttl }),
  };
}

function pick<T extends object, K extends keyof T>(source: T, names: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const name of names) picked[name] = source[name];
  return picked;
}

function isStatus(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599;
}
