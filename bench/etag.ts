// @etag 304 path (tag from a pre-handler etagFunc, If-None-Match matching) against the bare action.
// Each server runs in its own child process (NODE_ENV=production); autocannon runs here, on loopback,
// in alternating rounds (A, B, A, B, …); the table shows the median of the rounds.
// Run:      npx ts-node --transpile-only bench/etag.ts [scenario …]   (e.g. koa-bare koa-304)
// Tunables: see bench/lib/options.ts (BENCH_ROUNDS 5, BENCH_SECONDS 3, BENCH_CONNECTIONS 50, …)
import 'reflect-metadata';
import { createExpressServer, createKoaServer, Get, JsonController } from 'routing-controllers';
import { configureExtensions } from '../src/configure';
import { etag } from '../src/etag/etag';
import { declareRouteStep } from '../src/http/routingControllers';
import { benchOptions } from './lib/options';
import { runRounds, type ScenarioRuns } from './lib/rounds';
import { announceServer } from './lib/serverChild';
import { resultsTable, summarize } from './lib/table';

const RESPONSE = { hello: 'world', id: 42, tags: ['a', 'b', 'c'] };

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
const answer304: MethodDecorator = (target, methodName) =>
  declareRouteStep(target, String(methodName), {
    kind: 'floor',
    stage: 'preconditions',
    name: 'floor',
    bind: () => ({
      stage: 'preconditions',
      name: 'floor',
      run: (exchange) => exchange.respond({ status: 304, headers: { etag: '"v1"' }, body: Buffer.alloc(0) }),
    }),
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
  'express-bare': {
    label: 'express: bare action (200)',
    start: () => createExpressServer({ controllers: [BareController] }),
    expect: '2xx',
  },
  'express-304': {
    label: 'express: @etag(fn) 304',
    start: () => createExpressServer({ controllers: [EtagController] }),
    headers: CONDITIONAL,
    expect: '3xx',
  },
  'express-200': {
    label: 'express: @etag(fn) 200 (no condition)',
    start: () => createExpressServer({ controllers: [EtagController] }),
    expect: '2xx',
  },
  'express-floor': {
    label: 'express: hook floor (a step answering 304 at once)',
    start: () => createExpressServer({ controllers: [FloorController] }),
    expect: '3xx',
  },
  'koa-floor': {
    label: 'koa: hook floor (a step answering 304 at once)',
    start: () => createKoaServer({ controllers: [FloorController] }),
    expect: '3xx',
  },
  'koa-bare': { label: 'koa: bare action (200)', start: () => createKoaServer({ controllers: [BareController] }), expect: '2xx' },
  'koa-304': {
    label: 'koa: @etag(fn) 304',
    start: () => createKoaServer({ controllers: [EtagController] }),
    headers: CONDITIONAL,
    expect: '3xx',
  },
  'express-304-in-action': {
    label: 'express: @etag(fn) 304, early path off',
    start: () => {
      configureExtensions({ earlyPath: false });
      return createExpressServer({ controllers: [EtagController] });
    },
    headers: CONDITIONAL,
    expect: '3xx',
  },
  'koa-304-in-action': {
    label: 'koa: @etag(fn) 304, early path off',
    start: () => {
      configureExtensions({ earlyPath: false });
      return createKoaServer({ controllers: [EtagController] });
    },
    headers: CONDITIONAL,
    expect: '3xx',
  },
  'koa-200': { label: 'koa: @etag(fn) 200 (no condition)', start: () => createKoaServer({ controllers: [EtagController] }), expect: '2xx' },
};

async function measure(names: readonly string[]): Promise<ScenarioRuns[]> {
  return runRounds(
    names.map((name) => ({
      id: name,
      name: SERVERS[name].label,
      script: __filename,
      args: ['serve', name],
      load: { headers: SERVERS[name].headers, expect: SERVERS[name].expect },
    })),
    {
      ...benchOptions(),
      onRun: (scenario, round, result) =>
        console.error(
          `round ${round} ${scenario.id}: ${Math.round(result.cpuMicrosPerRequest ?? Number.NaN)} µs CPU/req, ${Math.round(result.requestsPerSecond)} req/s`,
        ),
    },
  );
}

async function main(): Promise<void> {
  const [mode, name] = process.argv.slice(2);
  if (mode === 'serve') {
    await announceServer(SERVERS[name].start());
    return;
  }
  const { rounds, connections, durationSeconds } = benchOptions();
  console.log(
    `@etag 304 path, node ${process.version}, ${rounds} rounds of -c ${connections} -d ${durationSeconds} ("failures" = errors + unexpected status classes)\n`,
  );
  for (const [title, names] of [
    ['Express', ['express-bare', 'express-304', 'express-200', 'express-floor']],
    ['Koa', ['koa-bare', 'koa-304', 'koa-200', 'koa-floor']],
  ] as const) {
    const selected = names.filter((name) => process.argv.length <= 2 || process.argv.includes(name));
    if (selected.length > 0) console.log(`${title}\n\n${resultsTable(summarize(await measure(selected)))}\n`);
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
