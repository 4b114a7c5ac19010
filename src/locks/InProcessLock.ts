import { randomBytes } from 'node:crypto';
import { InvalidOptionError, LockError, LockTimeoutError } from '../errors';
import { systemClock, type Clock } from '../clock';
import type { Lock, LockAcquireOptions, LockHandle } from './Lock';
import { assertTtl, resolveAcquireOptions, TokenLockHandle } from './lockParts';

/** Options of {@link InProcessLock}. */
export interface InProcessLockOptions {
  /**
   * Time source for TTL expiry and wait timeouts (tests inject a fake one).
   * @default systemClock
   */
  clock?: Clock;
}

const DEFAULT_IN_PROCESS_LOCK_OPTIONS: Readonly<Required<InProcessLockOptions>> = Object.freeze({ clock: systemClock });

interface Holder {
  readonly token: string;
  readonly controller: AbortController;
  expiry: unknown;
}

interface Waiter {
  readonly ttlMs: number;
  readonly resolve: (handle: LockHandle) => void;
  timeout: unknown;
}

interface KeyState {
  holder: Holder | undefined;
  readonly queue: Waiter[];
}

const owner = 'InProcessLock';

/**
 * Fences come from one counter for all keys: strictly increasing per key, and per-key state can
 * still be dropped after release without restarting a key's sequence.
 */
let lastFence = 0;

/**
 * A lock for the tasks of one process: per key, FIFO fair, no global lock. A key's state exists
 * only while the key is held or awaited, so millions of distinct keys leave nothing behind.
 * Expiry and wait timeouts run on the injected {@link Clock}.
 *
 * @example
 * ```ts
 * configureExtensions({ locks: { default: new InProcessLock() } });
 * const handle = await new InProcessLock().acquire('order:42', { ttlMs: 5_000, waitMs: 1_000 });
 * await handle.release();
 * ```
 */
export class InProcessLock implements Lock {
  readonly scope = 'process' as const;
  private readonly clock: Clock;
  private readonly keys = new Map<string, KeyState>();

  constructor(options: InProcessLockOptions = {}) {
    const resolved = { ...DEFAULT_IN_PROCESS_LOCK_OPTIONS, ...options };
    const clock: unknown = resolved.clock;
    if (!isClock(clock)) throw new InvalidOptionError(owner, 'clock', 'an object with now, setTimeout and clearTimeout', clock);
    this.clock = clock;
  }

  /** Number of keys currently held or awaited (for leak checks). */
  get size(): number {
    return this.keys.size;
  }

  acquire(key: string, options: LockAcquireOptions): Promise<LockHandle> {
    const { ttlMs, waitMs } = resolveAcquireOptions(`${owner}.acquire`, key, options);
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { holder: undefined, queue: [] };
      this.keys.set(key, state);
    }
    if (state.holder === undefined && state.queue.length === 0) return Promise.resolve(this.grant(key, state, ttlMs));
    if (waitMs === 0) return Promise.reject(new LockTimeoutError(key, waitMs));
    const queued = state;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { ttlMs, resolve, timeout: undefined };
      waiter.timeout = this.clock.setTimeout(() => {
        const index = queued.queue.indexOf(waiter);
        if (index >= 0) queued.queue.splice(index, 1);
        this.forgetIfIdle(key, queued);
        reject(new LockTimeoutError(key, waitMs));
      }, waitMs);
      queued.queue.push(waiter);
    });
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    assertTtl(`${owner}.renew`, ttlMs);
    const state = this.keys.get(key);
    const holder = state?.holder;
    if (state === undefined || holder === undefined || holder.token !== token) return false;
    this.clock.clearTimeout(holder.expiry);
    holder.expiry = this.scheduleExpiry(key, state, holder, ttlMs);
    return true;
  }

  async release(key: string, token: string): Promise<boolean> {
    const state = this.keys.get(key);
    const holder = state?.holder;
    if (state === undefined || holder === undefined || holder.token !== token) return false;
    this.clock.clearTimeout(holder.expiry);
    this.handOff(key, state);
    return true;
  }

  private grant(key: string, state: KeyState, ttlMs: number): LockHandle {
    const holder: Holder = { token: randomBytes(16).toString('hex'), controller: new AbortController(), expiry: undefined };
    holder.expiry = this.scheduleExpiry(key, state, holder, ttlMs);
    state.holder = holder;
    return new TokenLockHandle(this, key, holder.token, ++lastFence, holder.controller.signal, ttlMs);
  }

  private scheduleExpiry(key: string, state: KeyState, holder: Holder, ttlMs: number): unknown {
    return this.clock.setTimeout(() => {
      if (state.holder !== holder) return;
      holder.controller.abort(new LockError(`lock "${key}" expired: not renewed within ${ttlMs} ms`));
      this.handOff(key, state);
    }, ttlMs);
  }

  private handOff(key: string, state: KeyState): void {
    state.holder = undefined;
    const next = state.queue.shift();
    if (next === undefined) {
      this.forgetIfIdle(key, state);
      return;
    }
    this.clock.clearTimeout(next.timeout);
    next.resolve(this.grant(key, state, next.ttlMs));
  }

  private forgetIfIdle(key: string, state: KeyState): void {
    if (state.holder === undefined && state.queue.length === 0 && this.keys.get(key) === state) this.keys.delete(key);
  }
}

function isClock(value: unknown): value is Clock {
  const clock = value as Clock | null;
  return (
    typeof clock === 'object' &&
    clock !== null &&
    typeof clock.now === 'function' &&
    typeof clock.setTimeout === 'function' &&
    typeof clock.clearTimeout === 'function'
  );
}
