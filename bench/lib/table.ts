import { median } from './median';
import type { ScenarioRuns } from './rounds';

/** Rounds whose server CPU µs/req spread more than this, as (max − min) / median, are flagged. */
export const SPREAD_LIMIT = 0.2;

/** Min, median, max and spread of one figure over the rounds. */
export interface RoundFigures {
  readonly perRound: readonly number[];
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** (max − min) / median. */
  readonly spread: number;
}

function figures(perRound: readonly number[]): RoundFigures {
  const middle = median(perRound);
  const min = Math.min(...perRound);
  const max = Math.max(...perRound);
  return { perRound, min, median: middle, max, spread: (max - min) / middle };
}

/** What the table shows of one scenario. */
export interface SummaryRow {
  readonly id: string;
  readonly name: string;
  /** Id of the row the ratios divide by. */
  readonly baseline: string;
  /** Server CPU µs per request (undefined where /proc is not readable). */
  readonly cpu?: RoundFigures;
  /** Median CPU µs per request of the sidecar process (the redis-server), and its name. */
  readonly sidecar?: { readonly name: string; readonly cpuMicrosPerRequest: number };
  readonly requestsPerSecond: RoundFigures;
  /** Medians over the rounds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Errors and responses of an unexpected status class, summed over all rounds (should be 0). */
  readonly failures: number;
  /** How often the action ran (hit and replay rows: should be 1, the preflight). */
  readonly actionRuns?: number;
  /** Median share of the machine's CPU other processes took during the kept runs (0–1). */
  readonly otherCpuShare?: number;
  /** Runs measured again because other processes were busy. */
  readonly reruns: number;
}

/** Reduces each scenario's runs to the figures of the table; the first row is the default baseline. */
export function summarize(results: readonly ScenarioRuns[]): SummaryRow[] {
  return results.map(({ scenario, runs, actionRuns, reruns }) => {
    const cpu = runs.map((run) => run.cpuMicrosPerRequest);
    const sidecar = runs.map((run) => run.sidecarCpuMicrosPerRequest);
    const others = runs.map((run) => run.otherCpuShare);
    return {
      id: scenario.id,
      name: scenario.name,
      baseline: scenario.baseline ?? results[0].scenario.id,
      ...(cpu.every((value) => value !== undefined) && { cpu: figures(cpu as number[]) }),
      ...(scenario.sidecar &&
        sidecar.every((value) => value !== undefined) && {
          sidecar: { name: scenario.sidecar.name, cpuMicrosPerRequest: median(sidecar as number[]) },
        }),
      requestsPerSecond: figures(runs.map((run) => run.requestsPerSecond)),
      p50Ms: median(runs.map((run) => run.p50Ms)),
      p99Ms: median(runs.map((run) => run.p99Ms)),
      failures: runs.reduce((sum, run) => sum + run.errors + run.non2xx, 0),
      ...(actionRuns !== undefined && { actionRuns }),
      ...(others.every((value) => value !== undefined) && { otherCpuShare: median(others as number[]) }),
      reruns,
    };
  });
}

/** Whether a row's rounds spread too much to trust its CPU figure to better than ±10 %. */
export function isNoisy(row: SummaryRow): boolean {
  return row.cpu !== undefined && row.cpu.spread > SPREAD_LIMIT;
}

/** Whether a hit or replay row's action ran more than once (it measured misses). */
export function ranAction(row: SummaryRow): boolean {
  return row.actionRuns !== undefined && row.actionRuns > 1;
}

const integer = (value: number) => Math.round(value).toString();
const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');

/**
 * A Markdown table, server CPU µs per request first (median, min, every round, spread), then
 * req/s, each with its ratio to the row's baseline: baseline CPU/req ÷ row CPU/req, so above 1
 * means cheaper than the baseline, and row req/s ÷ baseline req/s. Under it, a line naming the
 * rows whose rounds spread more than {@link SPREAD_LIMIT} (⚠) or whose action ran on the hit path (✗).
 *
 * @example
 * ```ts
 * console.log(resultsTable(summarize(await runRounds(scenarios, options))));
 * ```
 */
export function resultsTable(rows: readonly SummaryRow[]): string {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const lines = [
    '| scenario | CPU µs/req (median) | min | per round | spread | ⚠ | × baseline (CPU) | req/s (median) | × baseline (req/s) | p50 / p99 ms | redis-server µs/req | action runs | other processes (re-runs) | failures |',
    '| --- | ---: | ---: | --- | ---: | :-: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const base = byId.get(row.baseline) ?? rows[0];
    const cpu = row.cpu;
    const flags = `${isNoisy(row) ? '⚠' : ''}${ranAction(row) ? '✗' : ''}`;
    lines.push(
      [
        '',
        row.id === base.id ? `${row.name} *(baseline)*` : `${row.name} *(vs ${base.id})*`,
        cpu ? `**${integer(cpu.median)}**` : 'n/a',
        cpu ? integer(cpu.min) : 'n/a',
        cpu ? cpu.perRound.map(integer).join(' / ') : 'n/a',
        cpu ? `${integer(cpu.spread * 100)} %` : 'n/a',
        flags,
        cpu && base.cpu ? `**${ratio(base.cpu.median / cpu.median)}**` : 'n/a',
        integer(row.requestsPerSecond.median),
        ratio(row.requestsPerSecond.median / base.requestsPerSecond.median),
        `${row.p50Ms} / ${row.p99Ms}`,
        row.sidecar ? integer(row.sidecar.cpuMicrosPerRequest) : '—',
        row.actionRuns === undefined ? '—' : String(row.actionRuns),
        `${row.otherCpuShare === undefined ? 'n/a' : `${integer(row.otherCpuShare * 100)} %`} (${row.reruns})`,
        String(row.failures),
        '',
      ]
        .join(' | ')
        .trim(),
    );
  }
  lines.push('', flagLine(rows));
  return lines.join('\n');
}

function flagLine(rows: readonly SummaryRow[]): string {
  const noisy = rows.filter(isNoisy);
  const others = rows.map((row) => row.otherCpuShare).filter((value): value is number => value !== undefined);
  const missed = rows.filter(ranAction);
  const parts = [
    noisy.length === 0
      ? `No row's rounds spread more than ${SPREAD_LIMIT * 100} % in CPU µs/req.`
      : `⚠ Rounds spread more than ${SPREAD_LIMIT * 100} % in CPU µs/req (rerun before trusting these rows): ${noisy.map((row) => `${row.id} (${integer(row.cpu!.spread * 100)} %)`).join(', ')}.`,
  ];
  if (others.length > 0)
    parts.push(
      `Other processes took ${integer(median(others) * 100)} % of the machine's CPU (median of the rows), at most ${integer(Math.max(...others) * 100)} %.`,
    );
  if (missed.length > 0)
    parts.push(
      `✗ The action ran on the hit path, so these rows measured misses: ${missed.map((row) => `${row.id} (${row.actionRuns} runs)`).join(', ')}.`,
    );
  return parts.join(' ');
}
