import type { Clock } from '../src';

/**
 * The demo's time source (settings `clock`): real time plus an offset the tour can move forward,
 * so it can show what happens to a cached entry 31 seconds later without waiting 31 seconds.
 */
export class DemoClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    return setTimeout(callback, ms);
  }

  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  /** Moves this clock `ms` milliseconds forward (timers already scheduled keep real time). */
  skip(ms: number): void {
    this.offset += ms;
  }
}

/** The clock the demo configures. */
export const demoClock = new DemoClock();
