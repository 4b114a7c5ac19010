import { readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc/stat reports CPU times in these ticks. */
const MICROS_PER_TICK = 10_000;

/** Busy CPU time of the whole machine so far, and its CPU count. */
export interface MachineCpu {
  /** Non-idle time (user, nice, system, irq, softirq, steal) summed over every CPU, in microseconds. */
  readonly busyMicros: number;
  readonly cpus: number;
}

/**
 * Reads `/proc/stat` (undefined elsewhere). Over a run, busy time minus the bench's own processes'
 * CPU is what the rest of the machine took: the noise the tables report.
 *
 * @example
 * ```ts
 * const before = machineCpu();
 * ```
 */
export function machineCpu(): MachineCpu | undefined {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const [user, nice, system, , , irq, softirq, steal] = lines[0].trim().split(/\s+/).slice(1).map(Number);
    return {
      busyMicros: (user + nice + system + irq + softirq + steal) * MICROS_PER_TICK,
      cpus: lines.filter((line) => /^cpu\d/.test(line)).length,
    };
  } catch {
    return undefined;
  }
}
