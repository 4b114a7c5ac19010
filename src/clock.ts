/**
 * The time source of locks and stores: tests inject a fake one to drive expiry without sleeping.
 *
 * @example
 * ```ts
 * const lock = new InProcessLock({ clock: myFakeClock });
 * ```
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Schedules `callback` after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a callback scheduled with `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `Date.now()` and Node's timers.
 *
 * @example
 * ```ts
 * const expiresAt = systemClock.now() + ttlMs;
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
});
