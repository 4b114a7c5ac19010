import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import { LockError } from '../errors';
import { publishIdempotencyEvent } from '../events';
import type { Lock, LockHandle } from '../locks/Lock';
import type { Storage } from '../storage/Storage';
import { decodeRecord, newRecord, type IdempotencyRecord, type StoredIdempotentResponse } from './IdempotencyRecord';

const PREFIX = 'rcx:idem:';
/** Records are read and written in the shared store itself: a claim decided on a near copy could run a request twice. */
const CONSISTENT = Object.freeze({ consistent: true });
/** The per-key lock is held only around a read and a write, never across the action. */
const MUTEX_TTL_MS = 10_000;
/** Completed records kept per store in this process (they never change until they expire). */
const LOCAL_COMPLETED_MAX = 10_000;
/** Backoff of outcome writes that failed: from the first pause, doubling, up to the last. */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 1_000;

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

/** Timing of {@link IdempotencyPersistence}. */
export interface PersistenceTimings {
  readonly leaseMs: number;
  readonly lockTimeoutMs: number;
  readonly ttl: number;
}

/** A claim this process runs: duplicates in this process wait on it instead of polling the store. */
export interface LocalFlight {
  /** Resolves once the claim's outcome is stored or released (or its writes were given up). */
  readonly done: Promise<void>;
  /** Set once the outcome is known and being written. */
  readonly finishing: boolean;
}

/** How the record of a claim stands when its owner looks under the lock. */
type Standing = 'ours' | 'ours-completed' | 'absent' | 'foreign';

const localCompleted = new WeakMap<object, Map<string, IdempotencyRecord>>();
const localFlights = new WeakMap<object, Map<string, HeldClaim>>();

/**
 * The idempotency records over any `Storage`, made atomic per key by a `Lock` (keyv has no
 * compare-and-set), and the claim protocol (research §3.5–3.6): absent → in_flight (claim),
 * in_flight → completed (complete), in_flight → absent (release), expired lease → in_flight
 * with a new owner and a larger fence (takeover, once: it happens under the lock). Every later
 * write checks owner and fence, so a stale owner's late write is rejected (fencing). A held
 * claim renews its lease until its outcome is stored, and retries that write until it lands,
 * is fenced, or the record's TTL would have passed: while its owner lives, an outcome the
 * client received is never lost to a store outage. Storage and lock errors of reads and claims
 * propagate (`StorageError`, `LockError`, `LockTimeoutError`) for the caller to fail closed.
 * @internal
 */
export class IdempotencyPersistence {
  readonly #completed: Map<string, IdempotencyRecord>;
  readonly #flights: Map<string, HeldClaim>;

  constructor(
    readonly storage: Storage,
    private readonly lock: Lock,
    readonly clock: Clock,
    readonly timings: PersistenceTimings,
  ) {
    this.#completed = perStore(localCompleted, storage);
    this.#flights = perStore(localFlights, storage);
  }

  /** The completed record of `key` this process has already seen, unexpired: replays need no store round trip. */
  cached(key: string): IdempotencyRecord | undefined {
    const record = this.#completed.get(key);
    if (record === undefined || this.classify(record).state === 'completed') return record;
    this.#completed.delete(key);
    return undefined;
  }

  /** Reads the record of `key` and classifies it by the clock (an expired completed record is absent). */
  async read(key: string): Promise<RecordView> {
    const cached = this.cached(key);
    if (cached !== undefined) return { state: 'completed', record: cached };
    const view = this.classify(decodeRecord(await this.storage.get(PREFIX + key, CONSISTENT)));
    if (view.state === 'completed') this.remember(key, view.record);
    return view;
  }

  /** The claim of `key` this process runs, if any. */
  localFlight(key: string): LocalFlight | undefined {
    return this.#flights.get(key);
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

  /** Starts holding a claim: its lease is renewed and duplicates here wait on it until {@link HeldClaim.settle} is done. */
  hold(claim: Claim, route: string): HeldClaim {
    const held = new HeldClaim(this, claim, route, () => {
      if (this.#flights.get(claim.key) === held) this.#flights.delete(claim.key);
    });
    this.#flights.set(claim.key, held);
    return held;
  }

  /**
   * Extends the lease of a running claim: `'renewed'`, `'done'` (its outcome is stored already),
   * or `'lost'` (another claim owns the record). A record the store lost is written again while
   * `running()` says the action still runs, so a retry does not take a live claim for an absent
   * one (asked under the lock: a release that just dropped the record is never undone).
   */
  renew(claim: Claim, running: () => boolean): Promise<'renewed' | 'done' | 'lost'> {
    return this.ifStanding(claim, async (standing, handle, record) => {
      if (standing === 'ours-completed' || (standing === 'absent' && !running())) return 'done';
      if (standing === 'foreign') return 'lost';
      const leaseUntil = this.clock.now() + this.timings.leaseMs;
      await this.write(handle, claim.key, { ...(record ?? this.restored(claim)), leaseUntil }, this.timings.ttl + this.timings.leaseMs);
      return 'renewed';
    });
  }

  /**
   * Stores the outcome of a claim; `false` when it was fenced (another claim owns the record).
   * A record the store lost (restarted empty) is written again: the claim is still the last one.
   */
  complete(claim: Claim, response: StoredIdempotentResponse): Promise<boolean> {
    return this.ifStanding(claim, async (standing, handle, record) => {
      if (standing === 'foreign') return false;
      if (standing === 'ours-completed') return true;
      const expiresAt = this.clock.now() + this.timings.ttl;
      const completed: IdempotencyRecord = { ...(record ?? this.restored(claim)), state: 'completed', expiresAt, response };
      await this.write(handle, claim.key, completed, this.timings.ttl);
      this.remember(claim.key, completed);
      return true;
    });
  }

  /** Drops a claim so a retry runs again; `false` when the record is no longer its. */
  release(claim: Claim): Promise<boolean> {
    return this.ifStanding(claim, async (standing) => {
      if (standing === 'foreign') return false;
      if (standing === 'ours') await this.storage.delete(PREFIX + claim.key, CONSISTENT);
      return true;
    });
  }

  private ifStanding<T>(
    claim: Claim,
    change: (standing: Standing, handle: LockHandle, record: IdempotencyRecord | undefined) => Promise<T>,
  ): Promise<T> {
    return this.underLock(claim.key, Math.max(this.timings.lockTimeoutMs, 5_000), async (handle, view) => {
      if (view.state === 'absent') return change('absent', handle, undefined);
      const { record } = view;
      const same = record.owner === claim.owner && record.fence === claim.fence;
      const standing = !same ? 'foreign' : record.state === 'completed' ? 'ours-completed' : 'ours';
      return change(standing, handle, record);
    });
  }

  /** The in-flight record of a claim whose record the store lost. */
  private restored(claim: Claim): IdempotencyRecord {
    const now = this.clock.now();
    return newRecord({ state: 'in_flight', fp: claim.fp, owner: claim.owner, fence: claim.fence, createdAt: now, leaseUntil: now });
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
    await this.storage.set(PREFIX + key, record, ttlMs, CONSISTENT);
  }

  // A completed record is immutable until it expires (only an owner's in-flight record is ever
  // rewritten), so replays in this process need not ask the store again.
  private remember(key: string, record: IdempotencyRecord): void {
    const cache = this.#completed;
    if (cache.size >= LOCAL_COMPLETED_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, record);
  }

  private classify(record: IdempotencyRecord | undefined): RecordView {
    if (record === undefined) return { state: 'absent' };
    const now = this.clock.now();
    if (record.state === 'completed') return (record.expiresAt ?? 0) > now ? { state: 'completed', record } : { state: 'absent' };
    return { state: record.leaseUntil > now ? 'in-flight' : 'orphan', record };
  }
}

/**
 * A claim this process runs, from the claim until its outcome is settled: renews its lease every
 * third of `leaseMs` (until the outcome is stored, not merely until the action returns; a claim
 * being released needs no lease), and writes the outcome once known, retrying with backoff
 * (50 ms doubling to 1 s) while the store or lock fails, until it is stored, fenced, or `ttl`
 * has passed.
 * @internal
 */
export class HeldClaim implements LocalFlight {
  readonly done: Promise<void>;
  finishing = false;
  #settled!: () => void;
  #renewal: unknown;
  #stopped = false;
  #keepLease = true;
  #firstAttempt: Promise<void> | undefined;

  constructor(
    private readonly persistence: IdempotencyPersistence,
    readonly claim: Claim,
    private readonly route: string,
    private readonly forget: () => void,
  ) {
    this.done = new Promise((resolve) => (this.#settled = resolve));
    this.scheduleRenewal();
  }

  /**
   * Writes the outcome (`undefined`: release the claim). Resolves once the first attempt is
   * over, whatever its result, so a response held back for it waits one attempt at most;
   * failed attempts are retried in the background. A second call returns the first's promise.
   */
  settle(outcome: StoredIdempotentResponse | undefined): Promise<void> {
    if (this.#firstAttempt) return this.#firstAttempt;
    this.finishing = true;
    // A release that cannot be written yet is better left to expire: a retry may then take over.
    if (outcome === undefined) {
      this.#keepLease = false;
      this.persistence.clock.clearTimeout(this.#renewal);
    }
    const { persistence, claim, route } = this;
    const deadline = persistence.clock.now() + persistence.timings.ttl;
    const attempt = async (): Promise<boolean> => {
      try {
        const owned = outcome ? await persistence.complete(claim, outcome) : await persistence.release(claim);
        publishIdempotencyEvent({ type: !owned ? 'fenced' : outcome ? 'completed' : 'released', route, key: claim.key });
        return true;
      } catch (error) {
        publishIdempotencyEvent({ type: 'store-error', route, key: claim.key, error });
        return false;
      }
    };
    const first = attempt();
    void first.then(async (done) => {
      try {
        for (let pause = RETRY_FIRST_MS; !done && persistence.clock.now() < deadline; pause = Math.min(pause * 2, RETRY_MAX_MS)) {
          await new Promise((resolve) => setTimeout(resolve, pause / 2 + Math.random() * (pause / 2)).unref());
          done = await attempt();
        }
      } finally {
        this.stop();
      }
    });
    return (this.#firstAttempt = first.then(() => undefined));
  }

  private scheduleRenewal(): void {
    if (this.#stopped || !this.#keepLease) return;
    const { clock, timings } = this.persistence;
    this.#renewal = clock.setTimeout(() => this.renew(), Math.max(1, Math.floor(timings.leaseMs / 3)));
  }

  private renew(): void {
    const { claim, route } = this;
    this.persistence
      .renew(claim, () => !this.finishing)
      .then(
        (state) => {
          if (this.#stopped || !this.#keepLease || state === 'done') return;
          publishIdempotencyEvent({ type: state === 'renewed' ? 'renewed' : 'lease-lost', route, key: claim.key });
          if (state === 'renewed') this.scheduleRenewal();
        },
        (error: unknown) => {
          publishIdempotencyEvent({ type: 'store-error', route, key: claim.key, error });
          this.scheduleRenewal();
        },
      );
  }

  private stop(): void {
    this.#stopped = true;
    this.persistence.clock.clearTimeout(this.#renewal);
    this.forget();
    this.#settled();
  }
}

function perStore<V>(maps: WeakMap<object, Map<string, V>>, storage: Storage): Map<string, V> {
  let map = maps.get(storage);
  if (!map) maps.set(storage, (map = new Map()));
  return map;
}
