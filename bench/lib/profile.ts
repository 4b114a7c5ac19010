import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCpuProfileSummary, summarizeCpuProfile, type CpuProfile } from './cpuProfileSummary';
import { runLoad, type LoadResult } from './load';
import { preflight, type Scenario } from './rounds';
import { startServerChild } from './serverChild';

/** Options of {@link profileScenario}. */
export interface ProfileOptions {
  /** Directory the `.cpuprofile` is written to. */
  readonly dir: string;
  readonly connections: number;
  /** Seconds of unprofiled-in-the-summary load first (JIT, caches filled). */
  readonly warmupSeconds: number;
  /** Seconds of load the summary covers. */
  readonly durationSeconds: number;
  /**
   * V8 sampling interval in microseconds.
   * @default 250
   */
  readonly intervalMicros?: number;
  /** Directory file locations in the summary are shown relative to. */
  readonly root: string;
}

/** What {@link profileScenario} produced. */
export interface ProfileResult {
  /** The `.cpuprofile` (open it in Chrome DevTools or speedscope for the full picture). */
  readonly file: string;
  /** The top-20 self-time summary of the measured load, as text. */
  readonly summary: string;
  /** The measured load (its CPU µs/req is inflated by the profiler). */
  readonly load: LoadResult;
}

const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Runs one scenario's server under `node --cpu-prof`, sends the preflight request, warms it up,
 * loads it for `durationSeconds`, stops it (the profile is written on exit) and summarizes the
 * self time of the samples taken during that load only: ts-node's start-up compile and the
 * warm-up stay out of the summary (the profile's clock is the monotonic one `process.hrtime` reads).
 *
 * @example
 * ```ts
 * const { file, summary } = await profileScenario(scenario, { dir: 'bench/profiles', connections: 50, warmupSeconds: 2, durationSeconds: 10, root: process.cwd() });
 * ```
 */
export async function profileScenario(scenario: Scenario, options: ProfileOptions): Promise<ProfileResult> {
  mkdirSync(options.dir, { recursive: true });
  const name = `${scenario.id}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
  const file = join(options.dir, name);
  const execArgv = [
    '--cpu-prof',
    `--cpu-prof-dir=${options.dir}`,
    `--cpu-prof-name=${name}`,
    `--cpu-prof-interval=${options.intervalMicros ?? 250}`,
  ];
  const server = await startServerChild(scenario.name, scenario.script, scenario.args, execArgv);
  let window: { from: number; to: number };
  let load: LoadResult;
  try {
    await preflight(server.url, scenario);
    await runLoad(server.url, { connections: options.connections, ...scenario.load, durationSeconds: options.warmupSeconds });
    const from = monotonicMicros();
    load = await runLoad(server.url, {
      connections: options.connections,
      ...scenario.load,
      durationSeconds: options.durationSeconds,
      serverPid: server.process.pid,
    });
    window = { from, to: monotonicMicros() };
  } finally {
    await server.stop();
  }
  if (!existsSync(file)) throw new Error(`${scenario.id}: the server exited without writing ${file}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const summary = summarizeCpuProfile(profile, { fromMicros: window.from, toMicros: window.to, top: 20, root: options.root });
  return { file, summary: formatCpuProfileSummary(summary), load };
}
