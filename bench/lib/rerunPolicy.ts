import type { LoadResult } from './load';
import { median } from './median';

/**
 * When to measure a run again: when other processes took more than `quietPercent` of the
 * machine's CPU during it while the typical run so far (the median) was quiet, i.e. a burst
 * that a second try may miss. Under load that never lets up a re-run would only cost time, so
 * none is made; the tables show the noise instead. Re-runs stop once `seconds` are spent. One
 * policy serves a whole bench run.
 *
 * @example
 * ```ts
 * const policy = new RerunPolicy(60, 15);
 * if (policy.shouldRerun(result, 3)) result = policy.quieter(result, await measure());
 * ```
 */
export class RerunPolicy {
  readonly #others: number[] = [];
  #remainingSeconds: number;

  constructor(
    readonly seconds: number,
    readonly quietPercent: number,
  ) {
    this.#remainingSeconds = seconds;
  }

  /** Seconds of re-runs spent so far. */
  get usedSeconds(): number {
    return this.seconds - this.#remainingSeconds;
  }

  /** Records `result` and says whether to measure again (and spends its seconds if so). */
  shouldRerun(result: LoadResult, durationSeconds: number): boolean {
    const share = result.otherCpuShare;
    if (share === undefined) return false;
    this.#others.push(share);
    const limit = this.quietPercent / 100;
    if (share <= limit || median(this.#others) > limit || this.#remainingSeconds < durationSeconds) return false;
    this.#remainingSeconds -= durationSeconds;
    return true;
  }

  /** The run during which other processes took less of the machine. */
  quieter(first: LoadResult, second: LoadResult): LoadResult {
    return (second.otherCpuShare ?? Infinity) < (first.otherCpuShare ?? Infinity) ? second : first;
  }
}
