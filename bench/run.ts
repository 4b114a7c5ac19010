// `npm run bench`: every benchmark in one run, written to bench/RESULTS.md.
// Each server runs in its own child process (NODE_ENV=production, ts-node transpile-only);
// autocannon runs here over loopback, warm-up first, then alternating rounds; medians reported,
// with ratios to the bare routing-controllers action of the same driver.
// Tunables: BENCH_ROUNDS (3), BENCH_SECONDS (3), BENCH_CONNECTIONS (50), BENCH_WARMUP_SECONDS (1)
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../spec/helpers/redisServer';
import type { LoadOptions } from './lib/load';
import { runRounds, type Scenario } from './lib/rounds';
import { announceServer } from './lib/serverChild';
import { medianRows, ratioTable } from './lib/table';

const RESPONSE = JSON.stringify({ hello: 'world', id: 42, tags: ['a', 'b', 'c'] });
const CACHE = join(__dirname, 'cache.ts');
const ETAG = join(__dirname, 'etag.ts');
const IDEMPOTENCY = join(__dirname, 'idempotency.ts');
const POST: LoadOptions = {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'idempotency-key': 'bench-key-1' },
  body: JSON.stringify({ amount: 100, currency: 'EUR' }),
};
const CONDITIONAL: LoadOptions = { headers: { 'if-none-match': '"v1"' }, expect: '3xx' };

function scenarios(driver: 'express' | 'koa', redisUrl: string): Scenario[] {
  const rows: Scenario[] = [
    { name: `${driver}: bare routing-controllers GET action`, script: CACHE, args: ['serve', `${driver}-bare`] },
    { name: 'plain node:http serving the same bytes (floor)', script: __filename, args: ['serve-floor'] },
    { name: `${driver}: @cacheResponse hit (20 ms action)`, script: CACHE, args: ['serve', `${driver}-hit`] },
  ];
  if (driver === 'express') {
    rows.push(
      { name: 'express: apicache hit, plain app.get (20 ms)', script: CACHE, args: ['serve', 'express-apicache'] },
      { name: 'express: apicache hit, same routing-controllers route (@UseBefore, 20 ms)', script: CACHE, args: ['serve', 'express-apicache-rc'] },
    );
  }
  rows.push(
    { name: `${driver}: @etag 304 (pre-handler etagFunc)`, script: ETAG, args: ['serve', `${driver}-304`], load: CONDITIONAL },
    { name: `${driver}: bare POST action`, script: IDEMPOTENCY, args: ['serve', driver, 'bare', redisUrl], load: POST },
    { name: `${driver}: @idempotencyKey replay, memory store`, script: IDEMPOTENCY, args: ['serve', driver, 'memory', redisUrl], load: POST },
    { name: `${driver}: @idempotencyKey replay, Redis store`, script: IDEMPOTENCY, args: ['serve', driver, 'redis', redisUrl], load: POST },
  );
  return rows;
}

async function orchestrate(): Promise<void> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const options = {
    rounds: env('BENCH_ROUNDS', 3),
    durationSeconds: env('BENCH_SECONDS', 3),
    connections: env('BENCH_CONNECTIONS', 50),
    warmupSeconds: env('BENCH_WARMUP_SECONDS', 1),
    onRun: (scenario: Scenario, round: number, result: { requestsPerSecond: number }) =>
      console.error(`round ${round}  ${scenario.name}: ${Math.round(result.requestsPerSecond)} req/s`),
  };
  const started = Date.now();
  const redis = await startRedisServer();
  const sections: string[] = [];
  try {
    for (const driver of ['express', 'koa'] as const) {
      const rows = medianRows(await runRounds(scenarios(driver, redis.url), options));
      sections.push(`## ${driver === 'express' ? 'Express' : 'Koa'}\n\n${ratioTable(rows)}\n`);
    }
  } finally {
    await redis.stop();
  }
  const report = [
    '# Benchmark results',
    '',
    `Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}),`,
    `autocannon -c ${options.connections}, ${options.rounds} alternating rounds of ${options.durationSeconds} s after ${options.warmupSeconds} s of warm-up, medians;`,
    `client and servers share the machine, so compare rows with each other. Server CPU µs per request (read from /proc) is the`,
    'steadier figure on a busy machine. Ratios are to the first row of each table (the bare routing-controllers GET action);',
    'the replay rows compare with the bare POST row. The response is the same 46-byte JSON everywhere.',
    '',
    ...sections,
    `Total run time: ${Math.round((Date.now() - started) / 1000)} s.`,
    '',
  ].join('\n');
  writeFileSync(join(__dirname, 'RESULTS.md'), report);
  console.log(report);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'serve-floor') {
    await announceServer(createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(RESPONSE) });
      response.end(RESPONSE);
    }));
    return;
  }
  await orchestrate();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
