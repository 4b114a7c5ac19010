import { runLoad, type LoadOptions, type LoadResult } from './load';
import { startServerChild, type ServerChild } from './serverChild';

/** One server to measure: a child-process script and its arguments. */
export interface Scenario {
  /** Row label. */
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
  /** Per-scenario load (method, headers, body, expected status class) over the common options. */
  readonly load?: LoadOptions;
}

/** Options of {@link runRounds}. */
export interface RoundsOptions extends LoadOptions {
  /**
   * Measured rounds; each round measures every scenario once, in order, so drift hits all alike.
   * @default 3
   */
  rounds?: number;
  /**
   * Seconds of unmeasured load per scenario before the first round (JIT, caches filled).
   * @default 2
   */
  warmupSeconds?: number;
  /** Extra node flags for every server child (e.g. `['--cpu-prof']`). */
  execArgv?: readonly string[];
  /** Called after each measured run (progress output). */
  onRun?: (scenario: Scenario, round: number, result: LoadResult) => void;
}

/** Every measured run of one scenario. */
export interface ScenarioRuns {
  readonly scenario: Scenario;
  readonly runs: readonly LoadResult[];
}

const DEFAULT_ROUNDS_OPTIONS = Object.freeze({ rounds: 3, warmupSeconds: 2 });

/**
 * Starts every scenario's server in its own child process, warms each up, then runs alternating
 * rounds (A, B, C, A, B, C, …) and stops the servers.
 *
 * @example
 * ```ts
 * const results = await runRounds([{ name: 'bare', script: 'bench/cache.ts', args: ['serve', 'express-bare'] }], { rounds: 3 });
 * ```
 */
export async function runRounds(scenarios: readonly Scenario[], options: RoundsOptions = {}): Promise<ScenarioRuns[]> {
  const { rounds, warmupSeconds, execArgv, onRun, ...load } = { ...DEFAULT_ROUNDS_OPTIONS, ...options };
  const servers: ServerChild[] = [];
  try {
    for (const scenario of scenarios) servers.push(await startServerChild(scenario.name, scenario.script, scenario.args, execArgv));
    for (const [index, server] of servers.entries()) await runLoad(server.url, { ...load, ...scenarios[index].load, durationSeconds: warmupSeconds });
    const runs = scenarios.map(() => [] as LoadResult[]);
    for (let round = 1; round <= rounds; round += 1) {
      for (const [index, server] of servers.entries()) {
        const result = await runLoad(server.url, { ...load, ...scenarios[index].load, serverPid: server.process.pid });
        runs[index].push(result);
        onRun?.(scenarios[index], round, result);
      }
    }
    return scenarios.map((scenario, index) => ({ scenario, runs: runs[index] }));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}
