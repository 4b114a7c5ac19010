// @idempotencyKey replay of a completed key against the bare action, memory store and Redis store
// (the bench's own redis-server on a free loopback port). Each server runs in its own child process
// (NODE_ENV=production); autocannon runs here (POST with a fixed key and body), in alternating rounds.
// Run:      npx ts-node --transpile-only bench/idempotency.ts [express|koa] [--profile]
// Tunables: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONNECTIONS (50), BENCH_WARMUP_SECONDS (2)
import 'reflect-metadata';
import { join } from 'node:path';
import { Body, createExpressServer, createKoaServer, JsonController, Post } from 'routing-controllers';
import { idempotencyKey } from '../src/idempotency/idempotencyDecorators';
import { configureExtensions } from '../src/configure';
import { createRedisStorage } from '../src/storage/createRedisStorage';
import { startRedisServer } from '../spec/helpers/redisServer';
import type { LoadResult } from './lib/load';
import { runRounds, type Scenario } from './lib/rounds';
import { announceServer } from './lib/serverChild';
import { medianRows, ratioTable } from './lib/table';

const RESPONSE = { hello: 'world', id: 42, tags: ['a', 'b', 'c'] };
const BODY = JSON.stringify({ amount: 100, currency: 'EUR' });
const HEADERS = { 'content-type': 'application/json', 'idempotency-key': 'bench-key-1' };

@JsonController()
class BareController {
  @Post('/bench')
  bare(@Body() body: unknown) {
    return body === undefined ? RESPONSE : RESPONSE;
  }
}

@JsonController()
class ReplayController {
  @Post('/bench')
  @idempotencyKey()
  replay(@Body() body: unknown) {
    return body === undefined ? RESPONSE : RESPONSE;
  }
}

const start = (driver: string, controller: Function) => (driver === 'express' ? createExpressServer : createKoaServer)({ controllers: [controller] });

async function serve(driver: string, kind: string, redisUrl?: string): Promise<void> {
  if (kind === 'redis') {
    const storage = createRedisStorage(redisUrl as string, { namespace: 'bench' });
    await storage.get('warm-up');
    configureExtensions({ caches: { default: storage }, idempotency: { cache: 'default' } });
  }
  await announceServer(start(driver, kind === 'bare' ? BareController : ReplayController));
}

async function orchestrate(args: readonly string[]): Promise<void> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const options = {
    rounds: env('BENCH_ROUNDS', 3),
    durationSeconds: env('BENCH_SECONDS', 5),
    connections: env('BENCH_CONNECTIONS', 50),
    warmupSeconds: env('BENCH_WARMUP_SECONDS', 2),
    execArgv: args.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${join(__dirname, 'profiles')}`] : [],
    onRun: (scenario: Scenario, round: number, result: LoadResult) => console.error(`round ${round} ${scenario.name}: ${Math.round(result.requestsPerSecond)} req/s`),
  };
  const redis = await startRedisServer();
  console.log(`@idempotencyKey replay path, node ${process.version}, ${options.rounds} rounds × -c ${options.connections} -d ${options.durationSeconds}, median of rounds\n`);
  try {
    for (const driver of ['express', 'koa'].filter((name) => !args.some((arg) => arg === 'express' || arg === 'koa') || args.includes(name))) {
      const load = { method: 'POST', headers: HEADERS, body: BODY };
      const scenarios: Scenario[] = [
        { name: `${driver}: bare POST action`, script: __filename, args: ['serve', driver, 'bare', redis.url], load },
        { name: `${driver}: replay, memory store`, script: __filename, args: ['serve', driver, 'memory', redis.url], load },
        { name: `${driver}: replay, Redis store`, script: __filename, args: ['serve', driver, 'redis', redis.url], load },
      ];
      console.log(`${driver}\n\n${ratioTable(medianRows(await runRounds(scenarios, options)))}\n`);
    }
  } finally {
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const [mode, driver, kind, redisUrl] = process.argv.slice(2);
  if (mode !== 'serve') {
    await orchestrate(process.argv.slice(2));
    process.exit(0);
  }
  await serve(driver, kind, redisUrl);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
