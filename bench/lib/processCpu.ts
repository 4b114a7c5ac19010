import { readdirSync, readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc/<pid>/stat reports CPU times in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time of a process, all its threads (JS, GC helpers, libuv pool) together, in microseconds;
 * undefined where /proc is not readable. Read from each thread's `/proc/<pid>/task/<tid>/schedstat`
 * (nanoseconds on the CPU), falling back to utime + stime of `/proc/<pid>/stat`, whose 10 ms
 * ticks are too coarse for a redis-server that works a few µs per request.
 *
 * @example
 * ```ts
 * const before = processCpuMicros(child.pid!);
 * ```
 */
export function processCpuMicros(pid: number): number | undefined {
  return fromSchedstat(pid) ?? fromStat(pid);
}

function fromSchedstat(pid: number): number | undefined {
  try {
    let nanoseconds = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    }
    return Number.isFinite(nanoseconds) ? nanoseconds / 1000 : undefined;
  } catch {
    return undefined;
  }
}

function fromStat(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
