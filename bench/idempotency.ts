// @idempotencyKey replay of a completed key against the bare action, memory store and Redis store
// (the bench's own redis-server on a free loopback port). Each server runs in its own child process
// (NODE_ENV=production); autocannon runs here (POST with a fixed key and body), in alternating rounds.
// Run:      npx ts-node --transpile-only bench/idempotency.ts [express|koa] [--profile]
// Tunables: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONNECTIONS (50), BENCH_WARMUP_SECONDS (2)
import 'reflect-metadata';
import { join } from 'node:path';
import { Body, createExpressServer, createKoaServer, JsonController, Post } from 'routing-controllers';
import { idempotencyKey } from '../src/idempotency/idempotencyKey';
import { configureExtensions } from '../src/settings';
import { createRedisStorage } from '../src/storage/createRedisStorage';
import { send } from '../spec/helpers/http';
import { startRedisServer } from '../spec/helpers/redisServer';
import { runLoad, type LoadResult } from './lib/load';
import type { ScenarioRuns } from './lib/rounds';
import { announceServer, startServerChild, type ServerChild } from './lib/serverChild';
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
    configureExtensions({ caches: { default: storage } });
  }
  await announceServer(start(driver, kind === 'bare' ? BareController : ReplayController));
}

function load(server: ServerChild, durationSeconds: number, connections: number): Promise<LoadResult> {
  return runLoad(server.url, { connections, durationSeconds, method: 'POST', headers: HEADERS, body: BODY, serverPid: server.process.pid });
}

async function orchestrate(args: readonly string[]): Promise<void> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const rounds = env('BENCH_ROUNDS', 3);
  const durationSeconds = env('BENCH_SECONDS', 5);
  const connections = env('BENCH_CONNECTIONS', 50);
  const warmupSeconds = env('BENCH_WARMUP_SECONDS', 2);
  const execArgv = args.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${join(__dirname, 'profiles')}`] : [];
  const redis = await startRedisServer();
  console.log(`@idempotencyKey replay path, node ${process.version}, ${rounds} rounds × -c ${connections} -d ${durationSeconds}, median of rounds\n`);
  try {
    for (const driver of ['express', 'koa'].filter((name) => args.length === 0 || args.includes(name) || (args.length === 1 && args[0] === '--profile'))) {
      const kinds = [
        ['bare', `${driver}: bare POST action`],
        ['memory', `${driver}: replay, memory store`],
        ['redis', `${driver}: replay, Redis store`],
      ];
      const servers: ServerChild[] = [];
      try {
        for (const [kind, label] of kinds) servers.push(await startServerChild(label, __filename, ['serve', driver, kind, redis.url], execArgv));
        for (const server of servers) {
          const primed = await send(server.url, '/bench', { method: 'POST', headers: HEADERS, body: BODY });
          if (primed.status !== 200) throw new Error(`${server.name}: priming answered ${primed.status}`);
          await load(server, warmupSeconds, connections);
        }
        const runs = servers.map(() => [] as LoadResult[]);
        for (let round = 1; round <= rounds; round += 1) {
          for (const [index, server] of servers.entries()) {
            runs[index].push(await load(server, durationSeconds, connections));
            console.error(`round ${round} ${server.name}: ${Math.round(runs[index][round - 1].requestsPerSecond)} req/s`);
          }
        }
        const results: ScenarioRuns[] = servers.map((server, index) => ({ scenario: { name: server.name, script: __filename, args: [] }, runs: runs[index] }));
        console.log(`${driver}\n\n${ratioTable(medianRows(results))}\n`);
      } finally {
        await Promise.all(servers.map((server) => server.stop()));
      }
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
