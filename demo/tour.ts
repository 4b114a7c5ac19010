import 'reflect-metadata';
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { configureExtensions, createRedisStorage, RedisLock } from '../src';
import { startDemoServer } from './app';
import { cityStore } from './cityStore';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

interface TourStep {
  title: string;
  run(call: Call): Promise<string>;
}

type Call = (method: string, path: string, options?: { headers?: OutgoingHttpHeaders; body?: unknown }) => Promise<Reply>;

/** A failed expectation: the tour stops and says which step and what differed. */
class TourFailure extends Error {}

function check(condition: boolean, what: string): void {
  if (!condition) throw new TourFailure(what);
}

const STEPS: TourStep[] = [
  {
    title: 'GET /cities twice: a miss runs the action, the hit replays the stored bytes',
    async run(call) {
      const miss = await call('GET', '/cities');
      const hit = await call('GET', '/cities');
      check(miss.status === 200 && hit.status === 200, `statuses ${miss.status}, ${hit.status}`);
      check(hit.body === miss.body, 'the hit body differs from the miss body');
      check(cityStore.runs.list === 1, `the action ran ${cityStore.runs.list} times, expected 1`);
      check(/hit/.test(String(hit.headers['cache-status'])), `Cache-Status on the hit: ${hit.headers['cache-status']}`);
      return `miss ${miss.ms.toFixed(1)} ms (${miss.headers['cache-status']}), hit ${hit.ms.toFixed(1)} ms (${hit.headers['cache-status']}, Age ${hit.headers.age})`;
    },
  },
  {
    title: 'The key constructor keeps variants apart: another language is another entry',
    async run(call) {
      const german = await call('GET', '/cities', { headers: { 'accept-language': 'de-DE,de;q=0.9' } });
      const germanAgain = await call('GET', '/cities', { headers: { 'accept-language': 'de-DE' } });
      check(cityStore.runs.list === 2, `the action ran ${cityStore.runs.list} times, expected 2`);
      check(/hit/.test(String(germanAgain.headers['cache-status'])), 'the second German request was not a hit');
      return `de: ${german.headers['cache-status']} then ${germanAgain.headers['cache-status']}`;
    },
  },
  {
    title: 'PATCH /cities/1 invalidates: the next read runs the action and sees the change',
    async run(call) {
      await call('GET', '/cities/1');
      const write = await call('PATCH', '/cities/1', { body: { population: 550_000 } });
      const list = await call('GET', '/cities');
      const one = await call('GET', '/cities/1');
      check(write.status === 200, `PATCH status ${write.status}`);
      check(JSON.parse(one.body).population === 550_000, 'GET /cities/1 still shows the old population');
      check(JSON.parse(list.body)[0].population === 550_000, 'GET /cities still shows the old population');
      return `after the write: list ${list.headers['cache-status']}, city ${one.headers['cache-status']}`;
    },
  },
  {
    title: '20 concurrent cold GETs of one key run the action once',
    async run(call) {
      const before = cityStore.runs.list;
      const replies = await Promise.all(Array.from({ length: 20 }, () => call('GET', '/cities?country=JP')));
      const runs = cityStore.runs.list - before;
      check(runs === 1, `the action ran ${runs} times for 20 concurrent requests`);
      check(new Set(replies.map((reply) => reply.body)).size === 1, 'the 20 bodies differ');
      return `20 responses, 1 action run`;
    },
  },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const driverArg = args.find((arg) => arg.startsWith('--driver='))?.split('=')[1] ?? args[args.indexOf('--driver') + 1];
  const driver = driverArg === 'koa' ? 'koa' : 'express';
  const serve = args.includes('--serve');
  const redisUrl = process.env.REDIS_URL;
  if (redisUrl) {
    configureExtensions({ caches: { default: createRedisStorage(redisUrl, { namespace: `rcx-demo-${process.pid}` }) }, locks: { default: new RedisLock(redisUrl) } });
  }
  const server = await startDemoServer(driver, serve ? Number(process.env.PORT ?? 3000) : 0);
  const store = redisUrl ? `Redis at ${redisUrl}` : 'the embedded in-memory store';
  console.log(`routing-controllers-extensions demo: ${driver} driver, ${store}, ${server.url}\n`);
  if (serve) {
    console.log(`serving; try: curl -i ${server.url}/cities`);
    return;
  }
  const call: Call = (method, path, options) => send(server.url, method, path, options);
  let failed = 0;
  for (const [index, step] of STEPS.entries()) {
    try {
      const detail = await step.run(call);
      console.log(`ok ${index + 1}  ${step.title}\n     ${detail}`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${index + 1}  ${step.title}\n     ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await server.close();
  console.log(failed === 0 ? `\nall ${STEPS.length} steps behaved` : `\n${failed} of ${STEPS.length} steps misbehaved`);
  process.exit(failed === 0 ? 0 : 1);
}

function send(baseUrl: string, method: string, path: string, options: { headers?: OutgoingHttpHeaders; body?: unknown } = {}): Promise<Reply> {
  const url = new URL(path, baseUrl);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: OutgoingHttpHeaders = { ...options.headers, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

main().catch((error: unknown) => {
  console.error('demo failed to run:', error);
  process.exit(1);
});
