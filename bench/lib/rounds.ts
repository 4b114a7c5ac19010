import { request as httpRequest } from 'node:http';
import { fetchActionRuns } from './actionRuns';
import { runLoad, type LoadOptions, type LoadResult } from './load';
import type { RerunPolicy } from './rerunPolicy';
import { startServerChild, type ServerChild } from './serverChild';

/** One server to measure: a child-process script and its arguments. */
export interface Scenario {
  /** Short unique id (`koa-hit`): what `--profile` and `baseline` name. */
  readonly id: string;
  /** Row label. */
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
  /** Per-scenario load (method, headers, body, expected status class) over the common options. */
  readonly load?: LoadOptions;
  /** Id of the row this one's ratios are taken against (the table's first row when not given). */
  readonly baseline?: string;
  /**
   * The server counts its action runs at `ACTION_RUNS_PATH` (see `actionRuns.ts`): a hit or
   * replay row, whose action should have run once, for the preflight request.
   */
  readonly countsActionRuns?: boolean;
  /** Another process the requests make work for (the redis-server): its CPU per request is shown too. */
  readonly sidecar?: { readonly name: string; readonly pid: number };
}

/** Options of {@link runRounds}. */
export interface RoundsOptions extends LoadOptions {
  /**
   * Measured rounds; each round measures every scenario once, in order, so drift hits all alike.
   * @default 5
   */
  rounds?: number;
  /**
   * Seconds of unmeasured load per scenario before the first round (JIT, caches filled).
   * @default 2
   */
  warmupSeconds?: number;
  /**
   * Seconds of unmeasured load right before each measured run: the server sat idle while the
   * other rows ran, and its first second after that is measurably slower.
   * @default 1
   */
  rewarmSeconds?: number;
  /** Extra node flags for every server child (e.g. `['--cpu-prof']`). */
  execArgv?: readonly string[];
  /** Which runs disturbed by other processes to measure again (the quieter run is kept); none without it. */
  rerunPolicy?: RerunPolicy;
  /** Called after each measured run (progress output). */
  onRun?: (scenario: Scenario, round: number, result: LoadResult) => void;
}

/** Every measured run of one scenario. */
export interface ScenarioRuns {
  readonly scenario: Scenario;
  readonly runs: readonly LoadResult[];
  /** How often the action ran over preflight, warm-up and rounds (for `countsActionRuns` rows). */
  readonly actionRuns?: number;
  /** Runs measured again because other processes were busy (the quieter run is in `runs`). */
  readonly reruns: number;
}

const DEFAULT_ROUNDS_OPTIONS = Object.freeze({ rounds: 5, warmupSeconds: 2, rewarmSeconds: 1 });

/**
 * Starts every scenario's server in its own child process, sends each one preflight request (it
 * fills a cache or records an idempotent response, and a wrong status fails the run at once),
 * warms each up, then runs alternating rounds (A, B, C, A, B, C, …; each measured run right after
 * `rewarmSeconds` of unmeasured load) and stops the servers. A run
 * disturbed by other processes is measured again where the `rerunPolicy` says so.
 *
 * @example
 * ```ts
 * const results = await runRounds([{ id: 'bare', name: 'bare', script: 'bench/cache.ts', args: ['serve', 'express-bare'] }], { rounds: 5 });
 * ```
 */
export async function runRounds(scenarios: readonly Scenario[], options: RoundsOptions = {}): Promise<ScenarioRuns[]> {
  const { rounds, warmupSeconds, rewarmSeconds, execArgv, onRun, rerunPolicy, ...load } = { ...DEFAULT_ROUNDS_OPTIONS, ...options };
  const servers: ServerChild[] = [];
  try {
    for (const scenario of scenarios) servers.push(await startServerChild(scenario.name, scenario.script, scenario.args, execArgv));
    for (const [index, server] of servers.entries()) {
      await preflight(server.url, scenarios[index]);
      await runLoad(server.url, { ...load, ...scenarios[index].load, durationSeconds: warmupSeconds });
    }
    const runs = scenarios.map(() => [] as LoadResult[]);
    const reruns = scenarios.map(() => 0);
    for (let round = 1; round <= rounds; round += 1) {
      for (const [index, server] of servers.entries()) {
        const scenario = scenarios[index];
        const measure = () =>
          runLoad(server.url, { ...load, ...scenario.load, serverPid: server.process.pid, sidecarPid: scenario.sidecar?.pid });
        if (rewarmSeconds > 0) await runLoad(server.url, { ...load, ...scenario.load, durationSeconds: rewarmSeconds });
        let result = await measure();
        if (rerunPolicy?.shouldRerun(result, load.durationSeconds ?? 5)) {
          reruns[index] += 1;
          result = rerunPolicy.quieter(result, await measure());
        }
        runs[index].push(result);
        onRun?.(scenario, round, result);
      }
    }
    return await Promise.all(
      scenarios.map(async (scenario, index) => ({
        scenario,
        runs: runs[index],
        reruns: reruns[index],
        ...(scenario.countsActionRuns && { actionRuns: await fetchActionRuns(servers[index].url) }),
      })),
    );
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/**
 * One request as the load sends it; throws unless its status is of the expected class, so a
 * misconfigured scenario fails before minutes of load are spent on error responses.
 */
export async function preflight(baseUrl: string, scenario: Scenario): Promise<void> {
  const { path = '/bench', method = 'GET', headers, body, expect = '2xx' } = scenario.load ?? {};
  // node:http, like autocannon, adds no Accept, Accept-Language or Accept-Encoding (fetch would):
  // the preflight must be the same representation the load then asks for.
  const status = await new Promise<number>((resolve, reject) => {
    const request = httpRequest(baseUrl + path, { method, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
  if (Math.floor(status / 100) !== Number(expect[0])) {
    throw new Error(`${scenario.id}: preflight ${method} ${path} answered ${status}, expected ${expect}`);
  }
}
