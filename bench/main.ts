// What `npm run bench` and the per-topic scripts (bench/cache.ts, bench/idempotency.ts) do with
// their arguments: measure tables of rows in alternating rounds, or profile one row.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../spec/helpers/redisServer';
import type { LoadResult } from './lib/load';
import { benchOptions, type BenchOptions } from './lib/options';
import { profileScenario } from './lib/profile';
import { RerunPolicy } from './lib/rerunPolicy';
import { runRounds, type Scenario } from './lib/rounds';
import { resultsTable, SPREAD_LIMIT, summarize } from './lib/table';
import { allScenarios, DRIVERS, driverScenarios, type ScenarioContext } from './scenarios';

/** Options of {@link benchMain}. */
export interface BenchMainOptions {
  /** Title of the printed report. */
  readonly title: string;
  /** Only rows this accepts (a per-topic script keeps its own). */
  readonly only?: (scenario: Scenario) => boolean;
  /** Where a full run (no row ids given) writes its report. */
  readonly resultsFile?: string;
}

const ROOT = join(__dirname, '..');
const PROFILES = join(__dirname, 'profiles');

/**
 * `[id …]`: measures the rows (all when no id is given) table by table and prints the report
 * (written to `resultsFile` on a full run). `--profile <id>`: runs that row's server under
 * `node --cpu-prof` and prints the top-20 self-time summary of its measured load. Starts and
 * stops the bench's own redis-server either way, and exits the process when done.
 *
 * @example
 * ```ts
 * await benchMain(process.argv.slice(2), { title: 'Benchmark results', resultsFile: 'bench/RESULTS.md' });
 * ```
 */
export async function benchMain(args: readonly string[], options: BenchMainOptions): Promise<void> {
  const settings = benchOptions();
  const only = options.only ?? (() => true);
  const profileAt = args.indexOf('--profile');
  const ids = profileAt === -1 ? args : [];
  const redis = await startRedisServer();
  const context: ScenarioContext = { redisUrl: redis.url, redisPid: redis.pid };
  try {
    if (profileAt !== -1) await profile(args[profileAt + 1], allScenarios(context).filter(only), settings);
    else await measure(ids, context, only, settings, options);
  } finally {
    await redis.stop();
  }
  process.exit(0);
}

async function profile(id: string | undefined, scenarios: readonly Scenario[], settings: BenchOptions): Promise<void> {
  const scenario = scenarios.find((row) => row.id === id);
  if (scenario === undefined)
    throw new Error(`--profile needs a row id: one of ${[...new Set(scenarios.map((row) => row.id))].join(', ')}`);
  console.error(
    `profiling ${scenario.id}: ${settings.warmupSeconds} s warm-up, then ${settings.profileSeconds} s of load at -c ${settings.connections}`,
  );
  const result = await profileScenario(scenario, {
    dir: PROFILES,
    connections: settings.connections,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.profileSeconds,
    root: ROOT,
  });
  const cpu = result.load.cpuMicrosPerRequest;
  console.log(
    `${scenario.name}\n${Math.round(result.load.requestsPerSecond)} req/s, ${cpu === undefined ? 'n/a' : Math.round(cpu)} µs CPU/req under the profiler\n`,
  );
  console.log(result.summary);
  console.log(`\nprofile: ${result.file}`);
}

async function measure(
  ids: readonly string[],
  context: ScenarioContext,
  only: (scenario: Scenario) => boolean,
  settings: BenchOptions,
  options: BenchMainOptions,
): Promise<void> {
  const started = Date.now();
  const loadBefore = loadavg();
  const sections: string[] = [];
  const rerunPolicy = new RerunPolicy(settings.retrySeconds, settings.quietPercent);
  for (const driver of DRIVERS) {
    const scenarios = driverScenarios(driver, context).filter((row) => only(row) && (ids.length === 0 || ids.includes(row.id)));
    if (scenarios.length === 0) continue;
    const results = await runRounds(scenarios, { ...settings, rerunPolicy, onRun: progress(settings.rounds) });
    sections.push(`## ${driver === 'express' ? 'Express' : 'Koa'}\n\n${resultsTable(summarize(results))}\n`);
  }
  if (sections.length === 0) throw new Error(`no row has the id ${ids.join(' or ')}`);
  const report = [header(options.title, settings, loadBefore, loadavg(), Date.now() - started, rerunPolicy.usedSeconds), ...sections].join(
    '\n',
  );
  if (options.resultsFile !== undefined && ids.length === 0) writeFileSync(options.resultsFile, report);
  console.log(report);
}

function progress(rounds: number) {
  return (scenario: Scenario, round: number, result: LoadResult) => {
    const cpu = result.cpuMicrosPerRequest === undefined ? 'n/a' : Math.round(result.cpuMicrosPerRequest);
    const others = result.otherCpuShare === undefined ? 'n/a' : `${Math.round(result.otherCpuShare * 100)} %`;
    console.error(
      `round ${round}/${rounds}  ${scenario.id}: ${cpu} µs CPU/req, ${Math.round(result.requestsPerSecond)} req/s, other processes ${others}`,
    );
  };
}

function header(
  title: string,
  settings: BenchOptions,
  loadBefore: number[],
  loadAfter: number[],
  elapsedMs: number,
  retriedSeconds: number,
): string {
  const load = (averages: number[]) => averages.map((value) => value.toFixed(2)).join(' / ');
  return [
    `# ${title}`,
    '',
    `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `- Node: ${process.version}`,
    `- CPU: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}; load average (1 / 5 / 15 min) ${load(loadBefore)} before, ${load(loadAfter)} after`,
    `- Rounds: ${settings.rounds} alternating rounds (every row once per round, in table order), after ${settings.warmupSeconds} s of warm-up per row`,
    `- Duration: ${settings.durationSeconds} s of measured load per row per round, right after ${settings.rewarmSeconds} s of unmeasured load (a server idle while the other rows ran is slower in its first second)`,
    `- Connections: autocannon -c ${settings.connections} over loopback, from the orchestrator process (client and servers share the cores)`,
    `- Re-runs: a run during which other processes took more than ${settings.quietPercent} % of the machine's CPU, while the typical run so far was quieter, was measured again and the quieter run kept; at most ${settings.retrySeconds} s for the whole bench (${retriedSeconds} s used)`,
    `- Total run time: ${Math.round(elapsedMs / 1000)} s`,
    '',
    '**Server CPU µs per request is the primary figure**: user + system CPU time of the server process (all',
    'its threads, from /proc) over a round, divided by the requests it answered. It depends less than req/s on',
    'how the two cores are shared with the client and the rest of the machine, but not nothing: a busy machine',
    'can raise it by half for a round, and noise only ever adds, so the minimum is the least-disturbed round. Shown: the median and the minimum',
    'over the rounds, every round, and the spread ((max − min) / median); ⚠ marks a row whose spread is above',
    `${SPREAD_LIMIT * 100} %, which is worth a rerun before trusting. "× baseline (CPU)" is baseline CPU/req ÷ row CPU/req`,
    '(medians), so **above 1 means cheaper** than the baseline; "× baseline (req/s)" is row req/s ÷ baseline req/s.',
    'GET rows divide by the bare GET action, idempotency replays by the bare POST action. Redis rows also show',
    'the redis-server\'s own CPU per request (not in the server figure). "action runs" counts runs of the',
    '20 ms action behind a hit or replay row: 1 (the preflight request that fills the store) means every',
    'measured request was a hit; ✗ marks a row where it was not. "other processes" is the median share of the',
    "machine's CPU (both cores) that processes outside the bench took during the row's kept runs — the noise —",
    'with the number of runs measured again because of it. The response is the same 46-byte JSON everywhere.',
    '',
  ].join('\n');
}
