import 'reflect-metadata';
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { configureExtensions, createRedisStorage, RedisLock } from '../src';
import { startDemoServer } from './app';
import { cityStore } from './cityStore';
import { demoClock } from './demoClock';
import { forecastStore } from './forecastStore';
import { orderStore } from './orderStore';

/** What the demo's CDN purge callback was called with (the demo has no CDN: it records them). */
const purged: Array<readonly string[]> = [];

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
      check(/hit|collapsed/.test(String(hit.headers['cache-status'])), `Cache-Status on the hit: ${hit.headers['cache-status']}`);
      return `miss ${ms(miss)} (${miss.headers['cache-status']}), hit ${ms(hit)} (${hit.headers['cache-status']}, Age ${hit.headers.age})`;
    },
  },
  {
    title: 'The key constructor keeps variants apart: another language is another entry, one negotiated language one entry',
    async run(call) {
      const german = await call('GET', '/cities', { headers: { 'accept-language': 'de-DE,de;q=0.9' } });
      const germanAgain = await call('GET', '/cities', { headers: { 'accept-language': 'de-DE' } });
      check(cityStore.runs.list === 2, `the action ran ${cityStore.runs.list} times, expected 2`);
      check(/hit|collapsed/.test(String(germanAgain.headers['cache-status'])), 'the second German request was not a hit');
      return `de: ${german.headers['cache-status']} then ${germanAgain.headers['cache-status']}`;
    },
  },
  {
    title: 'Revalidation: GET /cities/1 with its ETag in If-None-Match answers 304 without the action',
    async run(call) {
      const first = await call('GET', '/cities/1');
      const before = cityStore.runs.one;
      const revalidated = await call('GET', '/cities/1', { headers: { 'if-none-match': String(first.headers.etag) } });
      check(typeof first.headers.etag === 'string', 'no ETag on GET /cities/1');
      check(revalidated.status === 304, `revalidation answered ${revalidated.status}`);
      check(revalidated.body === '', 'the 304 carried a body');
      check(cityStore.runs.one === before, 'the action ran for the 304');
      return `ETag ${first.headers.etag}; If-None-Match → 304 in ${ms(revalidated)}, no body, no action run`;
    },
  },
  {
    title: 'Lost-update protection: PUT needs If-Match (428), a stale tag gets 412, the current one wins',
    async run(call) {
      const current = String((await call('GET', '/cities/1')).headers.etag);
      const unconditional = await call('PUT', '/cities/1', { body: { population: 550_000 } });
      const updated = await call('PUT', '/cities/1', { headers: { 'if-match': current }, body: { population: 550_000 } });
      const runsBefore = cityStore.runs.update;
      const stale = await call('PUT', '/cities/1', { headers: { 'if-match': current }, body: { population: 1 } });
      check(unconditional.status === 428, `PUT without If-Match answered ${unconditional.status}`);
      check(updated.status === 200, `PUT with the current tag answered ${updated.status}`);
      check(updated.headers.etag !== undefined && updated.headers.etag !== current, 'the PUT did not send the new tag');
      check(stale.status === 412, `PUT with the stale tag answered ${stale.status}`);
      check(cityStore.runs.update === runsBefore, 'the action ran for the 412');
      return `no If-Match → 428; If-Match ${current} → 200 (new ETag ${updated.headers.etag}); same tag again → 412`;
    },
  },
  {
    title: 'The write invalidated the cached reads: GET /cities/1 and GET /cities show the change',
    async run(call) {
      const one = await call('GET', '/cities/1');
      const list = await call('GET', '/cities');
      check(JSON.parse(one.body).population === 550_000, 'GET /cities/1 still shows the old population');
      check(JSON.parse(list.body)[0].population === 550_000, 'GET /cities still shows the old population');
      return `city ${one.headers['cache-status']}, list ${list.headers['cache-status']}`;
    },
  },
  {
    title: 'An idempotent POST retried: the retry replays the first response, the order is placed once',
    async run(call) {
      const before = orderStore.count;
      const headers = { 'idempotency-key': '"tour-order-1"' };
      const first = await call('POST', '/orders', { headers, body: { cityId: 1, tickets: 2 } });
      const retry = await call('POST', '/orders', { headers, body: { cityId: 1, tickets: 2 } });
      check(first.status === 201 && retry.status === 201, `statuses ${first.status}, ${retry.status}`);
      check(retry.body === first.body, 'the retry body differs');
      check(retry.headers['idempotent-replayed'] === 'true', 'the retry is not marked Idempotent-Replayed');
      check(orderStore.count === before + 1, `${orderStore.count - before} orders placed, expected 1`);
      return `201 then 201 with Idempotent-Replayed: true, ${orderStore.count - before} order placed`;
    },
  },
  {
    title: '10 concurrent duplicates while the first is still running: executed once, all get its response',
    async run(call) {
      const before = orderStore.count;
      let open: () => void = () => undefined;
      orderStore.gate = new Promise((resolve) => (open = resolve));
      const headers = { 'idempotency-key': '"tour-order-2"' };
      const replies = Array.from({ length: 10 }, () => call('POST', '/orders', { headers, body: { cityId: 2, tickets: 1 } }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      open();
      const all = await Promise.all(replies);
      check(orderStore.count === before + 1, `${orderStore.count - before} orders placed for 10 duplicates`);
      check(new Set(all.map((reply) => `${reply.status} ${reply.body}`)).size === 1, 'the 10 responses differ');
      const replayed = all.filter((reply) => reply.headers['idempotent-replayed'] === 'true').length;
      return `10 × ${all[0].status}, ${replayed} marked replayed, ${orderStore.count - before} order placed`;
    },
  },
  {
    title: 'The same key with another body is refused with 422 (problem+json), nothing runs',
    async run(call) {
      const before = orderStore.count;
      const reused = await call('POST', '/orders', { headers: { 'idempotency-key': '"tour-order-1"' }, body: { cityId: 3, tickets: 9 } });
      check(reused.status === 422, `reuse answered ${reused.status}`);
      check(/application\/problem\+json/.test(String(reused.headers['content-type'])), `content type ${reused.headers['content-type']}`);
      check(orderStore.count === before, 'an order was placed');
      return `422 ${JSON.parse(reused.body).title}`;
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
  {
    title: 'One @cacheResponse on ForecastController caches every GET; an action refines it; an exempt one always runs',
    async run(call) {
      await call('GET', '/forecasts');
      const hit = await call('GET', '/forecasts');
      await call('GET', '/forecasts/paris/now');
      const exempt = await call('GET', '/forecasts/paris/now');
      check(forecastStore.runs.list === 1, `the list ran ${forecastStore.runs.list} times, expected 1`);
      check(/; hit; ttl=30/.test(String(hit.headers['cache-status'])), `Cache-Status on the hit: ${hit.headers['cache-status']}`);
      check(forecastStore.runs.now === 2 && exempt.headers['cache-status'] === undefined, 'the exempt action was cached');
      return `list ${hit.headers['cache-status']} (the class's ttl); /now ran ${forecastStore.runs.now} times, no Cache-Status`;
    },
  },
  {
    title: 'An ETag from tag versions: a 304 runs nothing until a PUT invalidates the tag, then the tag changes',
    async run(call) {
      const first = await call('GET', '/forecasts/paris');
      const runs = forecastStore.runs.one;
      const revalidated = await call('GET', '/forecasts/paris', { headers: { 'if-none-match': String(first.headers.etag) } });
      check(revalidated.status === 304 && forecastStore.runs.one === runs, `revalidation answered ${revalidated.status}`);
      const written = await call('PUT', '/forecasts/paris', { body: { sky: 'sun', highC: 21 } });
      const after = await call('GET', '/forecasts/paris', { headers: { 'if-none-match': String(first.headers.etag) } });
      check(written.status === 200, `the PUT answered ${written.status}`);
      check(after.status === 200 && JSON.parse(after.body).sky === 'sun', 'the read after the write still showed the old forecast');
      check(after.headers.etag !== first.headers.etag, 'the ETag did not change with the data');
      return `ETag ${first.headers.etag} → 304, no run; after the PUT → 200 with ETag ${after.headers.etag}`;
    },
  },
  {
    title: 'A CDN in front: surrogate keys and CDN-Cache-Control on cached responses, a purge after every write',
    async run(call) {
      const read = await call('GET', '/forecasts/oslo');
      const before = purged.length;
      await call('PUT', '/forecasts/oslo', { body: { highC: 14 } });
      const deadline = Date.now() + 5_000;
      while (purged.length === before && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      const keys = String(read.headers['surrogate-key']);
      check(keys === '/forecasts/oslo forecast:oslo forecasts', `Surrogate-Key: ${keys}`);
      check(read.headers['cdn-cache-control'] === 'max-age=60', `CDN-Cache-Control: ${read.headers['cdn-cache-control']}`);
      check(purged.length === before + 1, 'purge was not called after the write');
      return `Surrogate-Key: ${keys}; CDN-Cache-Control: ${read.headers['cdn-cache-control']}; purged [${purged[before].join(', ')}]`;
    },
  },
  {
    title:
      'Rules as functions: a storm keeps 5 s (ttl from the response), an empty list is never stored (unless), a preview bypasses (condition)',
    async run(call) {
      await call('GET', '/forecasts/reykjavik');
      const storm = await call('GET', '/forecasts/reykjavik');
      const listRuns = forecastStore.runs.list;
      await call('GET', '/forecasts?sky=hail');
      await call('GET', '/forecasts?sky=hail');
      const oneRuns = forecastStore.runs.one;
      const preview = await call('GET', '/forecasts/lisbon?preview=1');
      check(/; hit; ttl=5$/.test(String(storm.headers['cache-status'])), `Cache-Status of the storm: ${storm.headers['cache-status']}`);
      check(forecastStore.runs.list === listRuns + 2, 'the empty list was stored');
      check(
        /fwd=bypass/.test(String(preview.headers['cache-status'])) && forecastStore.runs.one === oneRuns + 1,
        'the preview used the cache',
      );
      return `storm ${storm.headers['cache-status']}; empty list ran twice; preview ${preview.headers['cache-status']}`;
    },
  },
  {
    title: 'Stale-if-error: 31 s later the weather service is down, and the stale forecast stands in for the 500',
    async run(call) {
      const fresh = await call('GET', '/forecasts/lisbon');
      demoClock.skip(31_000);
      forecastStore.down = true;
      const stale = await call('GET', '/forecasts/lisbon').finally(() => (forecastStore.down = false));
      check(stale.status === 200 && stale.body === fresh.body, `the outage answered ${stale.status}`);
      check(/detail=stale-if-error/.test(String(stale.headers['cache-status'])), `Cache-Status: ${stale.headers['cache-status']}`);
      return `200, Age ${stale.headers.age}, Cache-Status: ${stale.headers['cache-status']}`;
    },
  },
];

function ms(reply: Reply): string {
  return `${reply.ms.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const driverArg = args.find((arg) => arg.startsWith('--driver='))?.split('=')[1] ?? args[args.indexOf('--driver') + 1];
  const driver = driverArg === 'koa' ? 'koa' : 'express';
  const serve = args.includes('--serve');
  const redisUrl = process.env.REDIS_URL;
  configureExtensions({
    clock: demoClock,
    cdn: {
      surrogateKeyHeader: 'Surrogate-Key',
      purge: (keys) => {
        purged.push(keys);
        if (serve) console.log(`CDN purge: ${keys.join(' ')}`);
      },
    },
  });
  if (redisUrl) {
    configureExtensions({
      caches: { default: createRedisStorage(redisUrl, { namespace: `rcx-demo-${process.pid}` }) },
      locks: { default: new RedisLock(redisUrl) },
      idempotency: { cache: 'default' },
    });
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

function send(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: OutgoingHttpHeaders; body?: unknown } = {},
): Promise<Reply> {
  const url = new URL(path, baseUrl);
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: OutgoingHttpHeaders = {
    ...options.headers,
    ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        }),
      );
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
