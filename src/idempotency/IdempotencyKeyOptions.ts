import type { Clock } from '../locks/Clock';
import type { Lock } from '../locks/Lock';
import type { KeyFunc } from '../keys/KeyFunc';

/**
 * What a duplicate does while the first request with its key is still running:
 * `'wait'` waits up to `maxWaitMs` and replays the outcome (409 if still running then),
 * `'conflict'` answers 409 at once (IETF draft), `'locked'` waits up to `lockTimeoutMs` and
 * replays the outcome, or answers 423 if still running then (django-idempotency-key's behaviour).
 */
export type InFlightPolicy = 'wait' | 'conflict' | 'locked';

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
   * What an anonymous request (no current user) gets: `'shared'` runs it with one scope for all
   * anonymous clients (the fingerprint still guards reuse), `'reject'` answers 400
   * `scope-required` (for APIs where every caller must be authenticated).
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
   * Statuses whose response is stored and replayed; any other outcome (5xx, thrown errors)
   * releases the key so a retry runs again.
   * @default [200, 201, 202, 203, 204, 205, 206, 207]
   */
  storeOnStatuses?: readonly number[];
  /**
   * Name of the store (`configureExtensions({ caches })`) holding the records. Without it the
   * records live in the built-in record store: an `IdempotencyMemoryStorage` of this process,
   * apart from the response cache, which never evicts a record before its TTL and answers a new
   * key 503 once it holds 64 MiB. Apps running several processes name a shared store (e.g.
   * `createRedisStorage(url)`) here; the built-in store with a lock reaching other processes
   * is a startup error. Never name an evicting cache (such as the `default` LRU): a record it
   * drops lets a duplicate run again.
   * @default undefined (the built-in record store)
   */
  cache?: string;
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
   * (`IdempotencyKeyBit` + `UserKeyBit`), so one user's key never replays to another.
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

/** The `idempotency` section of `configureExtensions`: defaults of every option, plus the clock. */
export interface IdempotencySettings extends IdempotencyKeyOptions {
  /**
   * Time source of leases and expiry (tests inject a fake one). Waiting still uses real time.
   * @default systemClock
   */
  clock?: Clock;
}

/** Default of every option (`keyFunc` and `fingerprint` defaults are built per header). */
export const DEFAULT_IDEMPOTENCY_OPTIONS = Object.freeze({
  header: 'Idempotency-Key',
  optional: false,
  anonymous: 'shared' as 'shared' | 'reject',
  strict: false,
  conflictStatusCode: null as number | null,
  storeOnStatuses: Object.freeze([200, 201, 202, 203, 204, 205, 206, 207]) as readonly number[],
  cache: undefined as string | undefined,
  lock: 'default' as string | Lock,
  leaseMs: 60_000,
  lockTimeoutMs: 2_000,
  inFlight: 'wait' as InFlightPolicy,
  maxWaitMs: 10_000,
  retryAfterSeconds: 1,
  ttl: 24 * 60 * 60_000,
  maxBodyBytes: 1024 * 1024,
});
