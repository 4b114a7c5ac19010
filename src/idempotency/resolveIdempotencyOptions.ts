import { resolveKeyFunc, type ResolvedKeyFunc } from '../keys/KeyFunc';
import { assertStoreLockPairing } from '../locks/assertStoreLockPairing';
import type { Clock } from '../locks/Clock';
import { getLock } from '../locks/getLock';
import { IdempotencyFingerprint, IdempotencyScopeKeyConstructor } from './idempotencyKeyConstructors';
import { DEFAULT_IDEMPOTENCY_OPTIONS, type InFlightPolicy, type IdempotencyKeyOptions, type IdempotencySettings } from './IdempotencyKeyOptions';
import { IdempotencyRecords } from './IdempotencyRecords';
import { recordStorage } from './recordStorage';

/** Options of one step merged with the settings, with the store, lock and key functions resolved. @internal */
export interface ResolvedIdempotencyOptions {
  readonly header: string;
  readonly optional: boolean;
  readonly strict: boolean;
  readonly anonymous: 'shared' | 'reject';
  readonly conflictStatusCode: number | null;
  readonly storeOnStatuses: ReadonlySet<number>;
  readonly inFlight: InFlightPolicy;
  readonly maxWaitMs: number;
  readonly lockTimeoutMs: number;
  readonly retryAfterSeconds: number;
  readonly maxBodyBytes: number;
  readonly leaseMs: number;
  readonly clock: Clock;
  readonly keyFunc: ResolvedKeyFunc;
  readonly fingerprint: ResolvedKeyFunc | undefined;
  readonly records: IdempotencyRecords;
}

/**
 * Merges a step's options over the `idempotency` settings and the defaults, resolves the record
 * store (the named one, or the built-in record store) and lock (checking they can work together) and the key functions.
 * @internal
 */
export function resolveIdempotencyOptions(options: IdempotencyKeyOptions, settings: IdempotencySettings, owner: string, defaultClock: Clock): ResolvedIdempotencyOptions {
  const merged = { ...DEFAULT_IDEMPOTENCY_OPTIONS, ...settings, ...options };
  const clock = settings.clock ?? defaultClock;
  const lock = getLock(merged.lock, owner);
  const storage = recordStorage(merged.cache, settings, lock, owner);
  assertStoreLockPairing(storage, lock, owner);
  const keyFunc = merged.keyFunc ?? new IdempotencyScopeKeyConstructor({ params: { key: merged.header } });
  const fingerprint = merged.fingerprint === false ? undefined : (merged.fingerprint ?? new IdempotencyFingerprint());
  const timings = { leaseMs: merged.leaseMs, lockTimeoutMs: merged.lockTimeoutMs, ttl: merged.ttl };
  return {
    header: merged.header,
    optional: merged.optional,
    strict: merged.strict,
    anonymous: merged.anonymous,
    conflictStatusCode: merged.conflictStatusCode,
    storeOnStatuses: new Set(merged.storeOnStatuses),
    inFlight: merged.inFlight,
    maxWaitMs: merged.maxWaitMs,
    lockTimeoutMs: merged.lockTimeoutMs,
    retryAfterSeconds: merged.retryAfterSeconds,
    maxBodyBytes: merged.maxBodyBytes,
    leaseMs: merged.leaseMs,
    clock,
    keyFunc: resolveKeyFunc(keyFunc, owner, 'keyFunc'),
    fingerprint: fingerprint === undefined ? undefined : resolveKeyFunc(fingerprint, owner, 'fingerprint'),
    records: new IdempotencyRecords(storage, lock, clock, timings),
  };
}
