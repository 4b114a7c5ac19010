/** The tunables every bench script reads from the environment. */
export interface BenchOptions {
  /** Measured rounds (`BENCH_ROUNDS`, at least 5 for a trustworthy spread). */
  readonly rounds: number;
  /** Seconds of load per scenario per round (`BENCH_SECONDS`). */
  readonly durationSeconds: number;
  /** Concurrent connections (`BENCH_CONNECTIONS`). */
  readonly connections: number;
  /** Seconds of unmeasured load per scenario before the first round (`BENCH_WARMUP_SECONDS`). */
  readonly warmupSeconds: number;
  /**
   * Seconds of unmeasured load right before each measured run (`BENCH_REWARM_SECONDS`, 0 for
   * none): a server idle while the other rows ran answers its first second measurably slower.
   */
  readonly rewarmSeconds: number;
  /** Seconds of load recorded by `--profile` (`BENCH_PROFILE_SECONDS`). */
  readonly profileSeconds: number;
  /**
   * A run during which other processes took more than this percentage of the machine's CPU is
   * measured again (`BENCH_QUIET_PERCENT`).
   */
  readonly quietPercent: number;
  /** Seconds of such re-runs the whole bench may spend, 0 for none (`BENCH_RETRY_SECONDS`). */
  readonly retrySeconds: number;
}

const DEFAULTS: BenchOptions = Object.freeze({
  rounds: 5,
  durationSeconds: 3,
  connections: 50,
  warmupSeconds: 2,
  rewarmSeconds: 1,
  profileSeconds: 10,
  quietPercent: 15,
  retrySeconds: 60,
});
const VARIABLES: Record<keyof BenchOptions, string> = {
  rounds: 'BENCH_ROUNDS',
  durationSeconds: 'BENCH_SECONDS',
  connections: 'BENCH_CONNECTIONS',
  warmupSeconds: 'BENCH_WARMUP_SECONDS',
  rewarmSeconds: 'BENCH_REWARM_SECONDS',
  profileSeconds: 'BENCH_PROFILE_SECONDS',
  quietPercent: 'BENCH_QUIET_PERCENT',
  retrySeconds: 'BENCH_RETRY_SECONDS',
};

/**
 * The bench tunables: `BENCH_ROUNDS` (5), `BENCH_SECONDS` (3), `BENCH_CONNECTIONS` (50),
 * `BENCH_WARMUP_SECONDS` (2), `BENCH_REWARM_SECONDS` (1), `BENCH_PROFILE_SECONDS` (10),
 * `BENCH_QUIET_PERCENT` (15), `BENCH_RETRY_SECONDS` (60). A value that is not a positive number
 * (the re-warm and retry seconds: not negative) fails here rather than producing an empty table later.
 *
 * @example
 * ```ts
 * const { rounds, durationSeconds } = benchOptions();
 * ```
 */
export function benchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const options = { ...DEFAULTS };
  for (const [field, variable] of Object.entries(VARIABLES) as [keyof BenchOptions, string][]) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    const allowsZero = field === 'retrySeconds' || field === 'rewarmSeconds';
    if (!(Number.isFinite(value) && (value > 0 || (allowsZero && value === 0)))) {
      throw new Error(`${variable} must be a ${allowsZero ? 'non-negative' : 'positive'} number, not "${text}"`);
    }
    options[field] = field === 'rounds' || field === 'connections' ? Math.round(value) : value;
  }
  return options;
}
