import type { LoadResult } from './load';
import type { ScenarioRuns } from './rounds';

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median figures of one scenario. */
export interface MedianRow {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly perRound: readonly number[];
  /** Median server CPU microseconds per request (undefined where not measured). */
  readonly cpuMicrosPerRequest?: number;
  /** Errors and non-2xx responses summed over all rounds (should be 0). */
  readonly failures: number;
}

/** Reduces each scenario's runs to medians. */
export function medianRows(results: readonly ScenarioRuns[]): MedianRow[] {
  return results.map(({ scenario, runs }) => ({
    name: scenario.name,
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    perRound: runs.map((run: LoadResult) => Math.round(run.requestsPerSecond)),
    cpuMicrosPerRequest: runs.every((run) => run.cpuMicrosPerRequest !== undefined) ? median(runs.map((run) => run.cpuMicrosPerRequest!)) : undefined,
    failures: runs.reduce((sum, run) => sum + run.errors + run.non2xx, 0),
  }));
}

/**
 * A Markdown table of median req/s, p50, p99 and server CPU per request, with each row's req/s
 * and CPU per request as ratios of the row named `baseline` (the first row when not given).
 *
 * @example
 * ```ts
 * console.log(ratioTable(medianRows(results), 'express bare'));
 * ```
 */
export function ratioTable(rows: readonly MedianRow[], baseline?: string): string {
  const base = rows.find((row) => row.name === baseline) ?? rows[0];
  const lines = [
    `| scenario | req/s per round | median req/s | × ${base.name} | p50 ms | p99 ms | server CPU µs/req | × CPU/req | errors + non-2xx |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const ratio = (row.requestsPerSecond / base.requestsPerSecond).toFixed(2);
    const cpu = row.cpuMicrosPerRequest === undefined ? 'n/a' : row.cpuMicrosPerRequest.toFixed(0);
    const cpuRatio = row.cpuMicrosPerRequest === undefined || base.cpuMicrosPerRequest === undefined ? 'n/a' : (row.cpuMicrosPerRequest / base.cpuMicrosPerRequest).toFixed(2);
    lines.push(`| ${row.name} | ${row.perRound.join(' / ')} | **${Math.round(row.requestsPerSecond)}** | ${ratio} | ${row.p50Ms} | ${row.p99Ms} | ${cpu} | ${cpuRatio} | ${row.failures} |`);
  }
  return lines.join('\n');
}
