// @etag 304 path (tag from a pre-handler etagFunc, If-None-Match matching) against the bare action.
// Each server runs in its own child process (NODE_ENV=production); autocannon runs here, on loopback,
// in alternating rounds (A, B, A, B, …); the table shows the median of the rounds.
// Run:      npx ts-node --transpile-only bench/etag.ts [scenario …]   (e.g. koa-bare koa-304)
// Tunables: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONNECTIONS (50), BENCH_WARMUP_SECONDS (2)
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createExpressServer, createKoaServer, Get, JsonController } from 'routing-controllers';
import { etag } from '../src/etag/etag';
import { registerActionStep } from '../src/http/actionHook';
import type { LoadResult } from './lib/load';
import type { ScenarioRuns } from './lib/rounds';
import { announceServer, startServerChild } from './lib/serverChild';
import { medianRows, ratioTable } from './lib/table';

const RESPONSE = { hello: 'world', id: 42, tags: ['a', 'b', 'c'] };

/** The part of autocannon 9's result read here (the package ships no types). */
interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly '2xx': number;
  readonly '3xx': number;
  readonly '4xx': number;
  readonly '5xx': number;
}
type Autocannon = (options: { url: string; connections: number; duration: number; headers?: Record<string, string> }) => Promise<AutocannonResult>;
const autocannon = require('autocannon') as Autocannon;

@JsonController()
class BareController {
  @Get('/bench')
  bare() {
    return RESPONSE;
  }
}

@JsonController()
class EtagController {
  @Get('/bench')
  @etag(() => 'v1')
  tagged() {
    return RESPONSE;
  }
}

/** The floor: the shared action hook with one step that answers 304 at once, computing nothing. */
const answer304: MethodDecorator = (target, methodName, descriptor) =>
  registerActionStep(target, String(methodName), descriptor, {
    stage: 'preconditions',
    name: 'floor',
    run: (exchange) => exchange.respond({ status: 304, headers: { etag: '"v1"' }, body: Buffer.alloc(0) }),
  });

@JsonController()
class FloorController {
  @Get('/bench')
  @answer304
  floor() {
    return RESPONSE;
  }
}

interface Server {
  readonly label: string;
  readonly start: () => Parameters<typeof announceServer>[0];
  /** Request headers the load sends. */
  readonly headers?: Record<string, string>;
  /** The status class every response must have. */
  readonly expect: '2xx' | '3xx';
}

const CONDITIONAL = { 'if-none-match': '"v1"' };
const SERVERS: Record<string, Server> = {
  'express-bare': { label: 'express: bare action (200)', start: () => createExpressServer({ controllers: [BareController] }), expect: '2xx' },
  'express-304': { label: 'express: @etag(fn) 304', start: () => createExpressServer({ controllers: [EtagController] }), headers: CONDITIONAL, expect: '3xx' },
  'express-200': { label: 'express: @etag(fn) 200 (no condition)', start: () => createExpressServer({ controllers: [EtagController] }), expect: '2xx' },
  'express-floor': { label: 'express: hook floor (a step answering 304 at once)', start: () => createExpressServer({ controllers: [FloorController] }), expect: '3xx' },
  'koa-floor': { label: 'koa: hook floor (a step answering 304 at once)', start: () => createKoaServer({ controllers: [FloorController] }), expect: '3xx' },
  'koa-bare': { label: 'koa: bare action (200)', start: () => createKoaServer({ controllers: [BareController] }), expect: '2xx' },
  'koa-304': { label: 'koa: @etag(fn) 304', start: () => createKoaServer({ controllers: [EtagController] }), headers: CONDITIONAL, expect: '3xx' },
  'koa-200': { label: 'koa: @etag(fn) 200 (no condition)', start: () => createKoaServer({ controllers: [EtagController] }), expect: '2xx' },
};

async function load(url: string, pid: number | undefined, server: Server, connections: number, durationSeconds: number): Promise<LoadResult> {
  const cpuBefore = cpuMicros(pid);
  const result = await autocannon({ url: `${url}/bench`, connections, duration: durationSeconds, headers: server.headers });
  const cpuAfter = cpuMicros(pid);
  const unexpected = result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'] - result[server.expect];
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    cpuMicrosPerRequest: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: unexpected,
  };
}

/** User + system CPU time of a process in microseconds from /proc (Linux; undefined elsewhere): survives a noisy machine better than req/s. */
function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
  } catch {
    return undefined;
  }
}

async function measure(names: readonly string[]): Promise<ScenarioRuns[]> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const rounds = env('BENCH_ROUNDS', 3);
  const seconds = env('BENCH_SECONDS', 5);
  const connections = env('BENCH_CONNECTIONS', 50);
  const warmup = env('BENCH_WARMUP_SECONDS', 2);
  const children = [];
  try {
    for (const name of names) children.push(await startServerChild(name, __filename, ['serve', name]));
    for (const [index, child] of children.entries()) await load(child.url, child.process.pid, SERVERS[names[index]], connections, warmup);
    const runs = names.map(() => [] as LoadResult[]);
    for (let round = 1; round <= rounds; round += 1) {
      for (const [index, child] of children.entries()) {
        const result = await load(child.url, child.process.pid, SERVERS[names[index]], connections, seconds);
        runs[index].push(result);
        console.error(`round ${round} ${names[index]}: ${Math.round(result.requestsPerSecond)} req/s`);
      }
    }
    return names.map((name, index) => ({ scenario: { name: SERVERS[name].label, script: __filename, args: [] }, runs: runs[index] }));
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

async function main(): Promise<void> {
  const [mode, name] = process.argv.slice(2);
  if (mode === 'serve') {
    await announceServer(SERVERS[name].start());
    return;
  }
  console.log(`@etag 304 path, node ${process.version}, -c 50 -d 5 per round, median of rounds ("failures" = errors + unexpected status classes)\n`);
  for (const [title, names] of [
    ['Express', ['express-bare', 'express-304', 'express-200', 'express-floor']],
    ['Koa', ['koa-bare', 'koa-304', 'koa-200', 'koa-floor']],
  ] as const) {
    const selected = names.filter((name) => process.argv.length <= 2 || process.argv.includes(name));
    if (selected.length > 0) console.log(`${title}\n\n${ratioTable(medianRows(await measure(selected)))}\n`);
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
