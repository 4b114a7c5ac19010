// @cacheResponse hit path against a bare routing-controllers action and against apicache 1.6.3.
// Each server runs in its own child process (NODE_ENV=production); autocannon runs here, on loopback.
// Run:      npx ts-node --transpile-only bench/cache.ts [scenario …] [--profile]
// Tunables: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONNECTIONS (50), BENCH_WARMUP_SECONDS (3)
// --profile writes a V8 CPU profile of every server child to bench/profiles/ (open in Chrome DevTools).
import 'reflect-metadata';
import express from 'express';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createExpressServer, createKoaServer, Get, JsonController, UseBefore } from 'routing-controllers';
import { cacheResponse } from '../src/cache/cacheResponse';
import { announceServer } from './lib/serverChild';
import { runRounds, type Scenario } from './lib/rounds';
import { medianRows, ratioTable } from './lib/table';

const RESPONSE = { hello: 'world', id: 42, tags: ['a', 'b', 'c'] };
const ACTION_MS = 20;

const apicache = require('apicache') as { middleware(duration: string): express.RequestHandler };

@JsonController()
class BareController {
  @Get('/bench')
  bare() {
    return RESPONSE;
  }
}

@JsonController()
class CachedController {
  @Get('/bench')
  @cacheResponse(5 * 60_000)
  async cached() {
    await sleep(ACTION_MS);
    return RESPONSE;
  }
}

@JsonController()
class ApicacheController {
  @Get('/bench')
  @UseBefore(apicache.middleware('5 minutes'))
  async cached() {
    await sleep(ACTION_MS);
    return RESPONSE;
  }
}

/** The servers, by scenario name: what each child process runs. */
const SERVERS: Record<string, { label: string; start: () => Parameters<typeof announceServer>[0] }> = {
  'express-bare': { label: 'express: routing-controllers, bare action', start: () => createExpressServer({ controllers: [BareController] }) },
  'express-hit': { label: 'express: @cacheResponse hit (20 ms action)', start: () => createExpressServer({ controllers: [CachedController] }) },
  'express-apicache': {
    label: 'express: plain app.get + apicache hit (20 ms)',
    start: () =>
      express().get('/bench', apicache.middleware('5 minutes'), async (_request, response) => {
        await sleep(ACTION_MS);
        response.json(RESPONSE);
      }),
  },
  'express-apicache-rc': { label: 'express: routing-controllers @UseBefore(apicache) hit (20 ms)', start: () => createExpressServer({ controllers: [ApicacheController] }) },
  'koa-bare': { label: 'koa: routing-controllers, bare action', start: () => createKoaServer({ controllers: [BareController] }) },
  'koa-hit': { label: 'koa: @cacheResponse hit (20 ms action)', start: () => createKoaServer({ controllers: [CachedController] }) },
};

const EXPRESS = ['express-bare', 'express-hit', 'express-apicache', 'express-apicache-rc'];
const KOA = ['koa-bare', 'koa-hit'];

async function orchestrate(args: readonly string[]): Promise<void> {
  const profile = args.includes('--profile');
  const chosen = args.filter((arg) => arg !== '--profile');
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const options = {
    rounds: env('BENCH_ROUNDS', 3),
    durationSeconds: env('BENCH_SECONDS', 5),
    connections: env('BENCH_CONNECTIONS', 50),
    warmupSeconds: env('BENCH_WARMUP_SECONDS', 3),
    execArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${join(__dirname, 'profiles')}`] : [],
    onRun: (scenario: Scenario, round: number, result: { requestsPerSecond: number }) =>
      console.error(`round ${round} ${scenario.name}: ${Math.round(result.requestsPerSecond)} req/s`),
  };
  console.log(`@cacheResponse hit path, node ${process.version}, ${options.rounds} rounds × -c ${options.connections} -d ${options.durationSeconds}, median of rounds\n`);
  for (const [title, names] of [
    ['Express', EXPRESS],
    ['Koa', KOA],
  ] as const) {
    const selected = names.filter((name) => chosen.length === 0 || chosen.includes(name));
    if (selected.length === 0) continue;
    const scenarios = selected.map((name) => ({ name: SERVERS[name].label, script: __filename, args: ['serve', name] }));
    const rows = medianRows(await runRounds(scenarios, options));
    console.log(`${title}\n\n${ratioTable(rows)}\n`);
  }
}

async function main(): Promise<void> {
  const [mode, name] = process.argv.slice(2);
  if (mode !== 'serve') {
    await orchestrate(process.argv.slice(2));
    process.exit(0);
  }
  const server = SERVERS[name];
  if (!server) throw new Error(`unknown scenario "${name}": one of ${Object.keys(SERVERS).join(', ')}`);
  await announceServer(server.start());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
