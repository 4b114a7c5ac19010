import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { expect } from 'chai';
import { spawnChild, type Child } from '../helpers/children/spawnChild';
import { send, type SendOptions, type TestResponse } from '../helpers/http';
import { describeRedis } from '../helpers/redisServer';

/** Requests as a load balancer forwards them: one public Host for every process (keys include the host). */
function viaBalancer(baseUrl: string, path: string, options: SendOptions = {}): Promise<TestResponse> {
  return send(baseUrl, path, { ...options, headers: { host: 'shop.example', ...options.headers } });
}

type Client = ReturnType<typeof createClient>;

interface App {
  readonly driver: 'express' | 'koa';
  readonly child: Child;
  readonly url: string;
}

/**
 * Bound on one request while Redis is down: the child's store and lock calls each give up after
 * CHILD_STORE_TIMEOUT_MS (3 s). The bound only tells a bounded answer from a hang, so it leaves
 * room for a busy machine; it is not a speed test.
 */
const OUTAGE_ANSWER_BOUND_MS = 15_000;

const isHit = (response: TestResponse) => /; hit; /.test(String(response.headers['cache-status']));
const isMiss = (response: TestResponse) => /fwd=uri-miss/.test(String(response.headers['cache-status']));

/** Runs `probe` (each run is a round trip, no sleeps) until it answers true; fails naming `what` after `giveUpMs`. */
async function eventually(probe: () => Promise<boolean>, what: string, giveUpMs: number): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
  }
}

describeRedis('@cacheResponse across processes sharing Redis', (server) => {
  const namespace = `rcx-procs-${randomBytes(4).toString('hex')}`;
  const apps: App[] = [];
  let redis: Client;

  before(async function () {
    this.timeout(30_000);
    redis = createClient({ url: server().url });
    redis.on('error', () => undefined);
    await redis.connect();
    const drivers = ['express', 'koa', 'express', 'koa'] as const;
    const started = drivers.map((driver) => ({ driver, child: spawnChild('cacheApp.ts', [driver, server().url, namespace]) }));
    for (const { driver, child } of started) {
      const { port } = await child.nextMessage<{ port: number }>();
      apps.push({ driver, child, url: `http://127.0.0.1:${port}` });
    }
  });

  after(async () => {
    for (const { child } of apps) child.process.kill('SIGKILL');
    await Promise.all(apps.map(({ child }) => child.exited));
    redis?.destroy();
  });

  const openGate = async (id: string) => {
    await redis.set(`${namespace}:gate:${id}`, '1');
    await redis.publish(`${namespace}:gate`, id);
  };
  const counter = async (name: string) => Number((await redis.get(`${namespace}:${name}`)) ?? 0);

  it('runs the action once in total for 200 concurrent misses on one key spread over 2 Express and 2 Koa processes', async function () {
    this.timeout(30_000);
    const responses = Array.from({ length: 200 }, (_, index) => viaBalancer(apps[index % apps.length].url, '/held/stampede'));
    await eventually(
      async () => (await counter('arrived')) >= 200 && (await counter('runs:stampede')) >= 1,
      'all 200 requests reached the servers and one reached the action',
      20_000,
    );
    await openGate('stampede');
    const all = await Promise.all(responses);

    expect(await counter('runs:stampede')).to.equal(1);
    expect(all.every((response) => response.status === 200)).to.equal(true);
    expect(new Set(all.map((response) => response.text)).size).to.equal(1);
    expect(all[0].json()).to.include({ id: 'stampede', run: 1 });
  });

  it('shows an @invalidates PATCH in one process to the next GET in another, on both drivers', async () => {
    for (const [reader, writer] of [
      [apps[0], apps[1]],
      [apps[1], apps[0]],
    ]) {
      const id = `shared-${reader.driver}`;
      const first = await viaBalancer(reader.url, `/items/${id}`);
      const elsewhere = await viaBalancer(writer.url, `/items/${id}`);
      const write = await viaBalancer(writer.url, `/items/${id}`, { method: 'PATCH' });
      const after = await viaBalancer(reader.url, `/items/${id}`);

      expect(isMiss(first), `${reader.driver} first read`).to.equal(true);
      expect(isHit(elsewhere), `${writer.driver} reads the entry ${reader.driver} stored`).to.equal(true);
      expect(elsewhere.text).to.equal(first.text);
      expect(write.status).to.equal(200);
      expect(isMiss(after), `${reader.driver} read after the ${writer.driver} write`).to.equal(true);
      expect(after.json()).to.include({ run: 2 });
    }
  });

  it('keeps answering 200 uncached while Redis is killed and caches again once it is back', async function () {
    this.timeout(120_000);
    const [express, koa] = apps;
    for (const app of [express, koa]) {
      await viaBalancer(app.url, '/items/outage');
      // A request right after the first may be collapsed onto it while Redis is still being written.
      let hit = false;
      for (let attempt = 0; attempt < 50 && !hit; attempt += 1) hit = isHit(await viaBalancer(app.url, '/items/outage'));
      expect(hit, `${app.driver} hit before the outage`).to.equal(true);
    }

    await server().kill();
    const during: Array<{ app: App; response: TestResponse; ms: number }> = [];
    for (let round = 0; round < 5; round += 1) {
      for (const app of [express, koa]) {
        const started = Date.now();
        const response = await viaBalancer(app.url, '/items/outage');
        during.push({ app, response, ms: Date.now() - started });
      }
    }
    await server().restart();

    for (const { app, response, ms } of during) {
      expect(response.status, app.driver).to.equal(200);
      expect(isHit(response), `${app.driver} served from a dead store`).to.equal(false);
      expect(ms, `${app.driver} answer time while Redis is down`).to.be.below(OUTAGE_ANSWER_BOUND_MS);
    }
    const runsWhileDown = (app: App) =>
      during.filter((answer) => answer.app === app).map(({ response }) => response.json<{ run: number }>().run);
    expect(runsWhileDown(express), 'express runs (run 1 stored the entry)').to.deep.equal([2, 3, 4, 5, 6]);
    expect(runsWhileDown(koa), 'koa runs (it had only read the stored entry)').to.deep.equal([1, 2, 3, 4, 5]);

    for (const app of [express, koa]) {
      let pair: [TestResponse, TestResponse] | undefined;
      let attempt = 0;
      await eventually(
        async () => {
          const path = `/items/after-restart-${app.driver}-${(attempt += 1)}`;
          pair = [await viaBalancer(app.url, path), await viaBalancer(app.url, path)];
          return isMiss(pair[0]) && isHit(pair[1]);
        },
        `${app.driver} caches again after the restart`,
        15_000,
      );
      expect(pair![0].json()).to.include({ run: 1 });
      expect(pair![1].text).to.equal(pair![0].text);
    }
  });
});
