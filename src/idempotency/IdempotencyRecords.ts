import { randomBytes } from 'node:crypto';
import { LockError } from '../errors';
import type { Clock } from '../clock';
import type { Lock, LockHandle } from '../locks/Lock';
import type { Storage } from '../storage/Storage';
import { decodeRecord, newRecord, type IdempotencyRecord, type StoredIdempotentResponse } from './IdempotencyRecord';

const PREFIX = 'rcx:idem:';
/** The per-key lock is held only around a read and a write, never across the action. */
const MUTEX_TTL_MS = 10_000;

/** Completed records kept per store in this process (they never change until they expire). */
const LOCAL_COMPLETED_MAX = 10_000;
const localCompleted = new WeakMap<object, Map<string, IdempotencyRecord>>();

/** A record as the clock sees it now. */
export type RecordView =
  { readonly state: 'absent' } | { readonly state: 'completed' | 'in-flight' | 'orphan'; readonly record: IdempotencyRecord };

/** A successful claim: the identity every later write of this owner is checked against. */
export interface Claim {
  readonly key: string;
  readonly owner: string;
  readonly fence: number;
  readonly fp: string | null;
  /** Whether the claim took over the expired lease of an earlier owner. */
  readonly takeover: boolean;
}

/** Timing of {@link IdempotencyRecords}. */
export interface RecordTimings {
  readonly leaseMs: number;
  readonly lockTimeoutMs: number;
  readonly ttl: number;
}

/**
 * The record state machine (research §3.5–3.6) over any `Storage`, made atomic per key by a
 * `Lock` (keyv has no compare-and-set): absent → in_flight (claim), in_flight → completed
 * (complete), in_flight → absent (release), expired lease → in_flight with a new owner and a
 * larger fence (takeover, once: it happens under the lock). Renew, complete and release check
 * owner and fence, so a stale owner's late write is rejected (fencing). Storage and lock errors
 * propagate (`StorageError`, `LockError`, `LockTimeoutError`) for the caller to fail closed.
 * @internal
 */
export class IdempotencyRecords {
  #local?: Map<string, IdempotencyRecord>;

  constructor(
    readonly storage: Storage,
    private readonly lock: Lock,
    private readonly clock: Clock,
    private readonly timings: RecordTimings,
  ) {}

  /**
   * The completed record of `key` this process has already read, if it has not expired: a
   * synchronous answer for the replay path, which then needs no store round trip.
   */
  cachedCompleted(key: string): IdempotencyRecord | undefined {
    const local = this.localCompleted().get(key);
    if (local === undefined) return undefined;
    if (this.classify(local).state === 'completed') return local;
    this.localCompleted().delete(key);
    return undefined;
  }

  /** Reads the record of `key` and classifies it by the clock (an expired completed record is absent). */
  async read(key: string): Promise<RecordView> {
    const cached = this.cachedCompleted(key);
    if (cached !== undefined) return { state: 'completed', record: cached };
    const view = this.classify(decodeRecord(await this.storage.get(PREFIX + key)));
    if (view.state === 'completed') this.remember(key, view.record);
    return view;
  }

  /**
   * Claims `key` for a new owner unless a live record exists; then returns that record's view
   * instead (the caller lost a race and decides again: replay, 422, wait or 409).
   */
  claim(key: string, fp: string | null): Promise<{ readonly claim: Claim } | { readonly view: RecordView }> {
    return this.underLock(key, this.timings.lockTimeoutMs, async (handle, view) => {
      if (view.state === 'completed' || view.state === 'in-flight') return { view };
      const now = this.clock.now();
      const previous = view.state === 'orphan' ? view.record : undefined;
      const fence = Math.max(handle.fence, (previous?.fence ?? 0) + 1);
      const owner = randomBytes(16).toString('hex');
      const record = newRecord({ state: 'in_flight', fp, owner, fence, createdAt: now, leaseUntil: now + this.timings.leaseMs });
      await this.write(handle, key, record, this.timings.ttl + this.timings.leaseMs);
      return { claim: { key, owner, fence, fp, takeover: previous !== undefined } };
    });
  }

  /** Extends the lease of a running claim; `false` when the record is no longer this claim's. */
  renew(claim: Claim): Promise<boolean> {
    return this.ifOwned(claim, async (handle, record) => {
      const leaseUntil = this.clock.now() + this.timings.leaseMs;
      await this.write(handle, claim.key, { ...record, leaseUntil }, this.timings.ttl + this.timings.leaseMs);
    });
  }

  /** Stores the outcome of a claim; `false` when it was fenced (the record is no longer its). */
  complete(claim: Claim, response: StoredIdempotentResponse): Promise<boolean> {
    return this.ifOwned(claim, async (handle, record) => {
      const expiresAt = this.clock.now() + this.timings.ttl;
      await this.write(handle, claim.key, { ...record, state: 'completed', expiresAt, response }, this.timings.ttl);
    });
  }

  /** Drops a claim so a retry runs again; `false` when the record is no longer its. */
  release(claim: Claim): Promise<boolean> {
    return this.ifOwned(claim, async () => {
      await this.storage.delete(PREFIX + claim.key);
    });
  }

  private ifOwned(claim: Claim, change: (handle: LockHandle, record: IdempotencyRecord) => Promise<void>): Promise<boolean> {
    return this.underLock(claim.key, Math.max(this.timings.lockTimeoutMs, 5_000), async (handle, view) => {
      if (view.state === 'absent') return false;
      const { record } = view;
      if (record.state !== 'in_flight' || record.owner !== claim.owner || record.fence !== claim.fence) return false;
      await change(handle, record);
      return true;
    });
  }

  private async underLock<T>(key: string, waitMs: number, work: (handle: LockHandle, view: RecordView) => Promise<T>): Promise<T> {
    const handle = await this.lock.acquire(PREFIX + key, { ttlMs: MUTEX_TTL_MS, waitMs });
    try {
      return await work(handle, await this.read(key));
    } finally {
      await handle.release().catch(() => false);
    }
  }

  private async write(handle: LockHandle, key: string, record: IdempotencyRecord, ttlMs: number): Promise<void> {
    // A holder paused past the mutex TTL must not write over whoever holds it now.
    if (handle.signal.aborted) throw new LockError(`lock of idempotency record "${key}" was lost before the write`);
    await this.storage.set(PREFIX + key, record, ttlMs);
  }

  // A completed record is immutable until it expires (only an owner's in-flight record is ever
  // rewritten), so replays in this process need not ask the store again.
  private remember(key: string, record: IdempotencyRecord): void {
    const cache = this.localCompleted();
    if (cache.size >= LOCAL_COMPLETED_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, record);
  }

  private localCompleted(): Map<string, IdempotencyRecord> {
    if (this.#local) return this.#local;
    let cache = localCompleted.get(this.storage);
    if (!cache) localCompleted.set(this.storage, (cache = new Map()));
    return (this.#local = cache);
  }

  private classify(record: IdempotencyRecord | undefined): RecordView {
    if (record === undefined) return { state: 'absent' };
    const now = this.clock.now();
    if (record.state === 'completed') return (record.expiresAt ?? 0) > now ? { state: 'completed', record } : { state: 'absent' };
    return { state: record.leaseUntil > now ? 'in-flight' : 'orphan', record };
  }
}
