// `npm run bench`: every row of bench/scenarios.ts, one table per driver, written to bench/RESULTS.md.
// Each server runs in its own child process (NODE_ENV=production, ts-node transpile-only);
// autocannon runs here over loopback: a preflight request, warm-up, then alternating rounds (each
// measured run right after a second of unmeasured load; a run disturbed by a burst of other
// processes' work is measured again, within a budget).
// Server CPU µs per request is the primary figure (see the header of RESULTS.md).
//   npm run bench                      every row, writes bench/RESULTS.md (7½–8½ minutes on 2 cores)
//   npm run bench -- koa-hit koa-bare  those rows only, printed, RESULTS.md left alone
//   npm run bench -- --profile koa-hit that row under node --cpu-prof: bench/profiles/*.cpuprofile + top-20 self time
// Tunables: BENCH_ROUNDS (5), BENCH_SECONDS (3), BENCH_CONNECTIONS (50), BENCH_WARMUP_SECONDS (2),
// BENCH_REWARM_SECONDS (1), BENCH_QUIET_PERCENT (15), BENCH_RETRY_SECONDS (60),
// BENCH_PROFILE_SECONDS (10); see bench/lib/options.ts.
import { join } from 'node:path';
import { benchMain } from './main';

benchMain(process.argv.slice(2), { title: 'Benchmark results', resultsFile: join(__dirname, 'RESULTS.md') }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
