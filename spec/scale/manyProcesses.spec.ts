import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appLauncher, eventually, lines, type AppProcess } from '../helpers/durableApps';
import { pollUntil } from '../helpers/pollUntil';
import { send, type SendOptions, type TestResponse } from '../helpers/http';
import { describeRedisCluster } from '../helpers/redisCluster';

/**
 * Bound on one answer while a master is dead: the children's store calls give up after 2 s and
 * their lock commands after 1 s. It only tells a bounded answer from a hang on a busy machine.
 */
const OUTAGE_ANSWER_BOUND_MS = 15_000;

const DRIVERS = ['express', 'koa', 'express', 'koa', 'express', 'koa', 'express', 'koa'] as const;

/** Requests as a load balancer forwards them: one public Host for every process (cache keys include the host). */
function viaBalancer(app: AppProcess, path: string, options: SendOptions = {}): Promise<TestResponse> {
  return send(app.url, path, { ...options, headers: { host: 'shop.example', ...options.headers } });
}

const isHit = (response: TestResponse) => /; hit/.test(String(response.headers['cache-status']));
const order = (key: string) => ({ method: 'POST', headers: { 'idempotency-key': key }, body: { key } });
const replayed = (response: TestResponse) => response.headers['idempotent-replayed'] === 'true';

// One app in 8 processes (both drivers) whose store and lock share a cluster client each; every
// count and gate is a file, so it survives a dead master. See children/durableApp.ts.
describeRedisCluster('Eight processes of one app on one 3-master Redis Cluster', (cluster) => {
  let dir = '';
  const launcher = appLauncher(() => dir);
  let apps: AppProcess[] = [];

  /** What every process of the app is configured with, whatever its driver. */
  const appConfig = () => ({
    rootNodes: cluster().rootNodes,
    namespace: 'many',
    leaseMs: 10_000,
    storeTimeoutMs: 2_000,
    lockTimeoutMs: 1_000,
    inFlight: 'wait' as const,
  });
  const executions = (key: string) => lines(join(dir, 'executions')).filter((line) => line.endsWith(` ${key}`)).length;
  const arrivals = () => lines(join(dir, 'received')).length;
  const openGate = (key: string) => writeFileSync(join(dir, `gate-${key}`), '');

  before(async function () {
    // Each child loads the library under ts-node: about 4 s of CPU apiece on a busy 2-core machine.
    this.timeout(90_000);
    dir = mkdtempSync(join(tmpdir(), 'rcx-many-'));
    apps = await Promise.all(DRIVERS.map((driver) => launcher.start({ driver, ...appConfig() })));
  });

  after(async () => {
    await launcher.stopAll();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('runs a POST sent with one Idempotency-Key to all 8 processes at once exactly once, and all 8 answer the same body', async function () {
    this.timeout(30_000);
    const before = arrivals();
    const answers = Promise.all(apps.map((app) => viaBalancer(app, '/orders', order('once'))));
    await eventually(() => arrivals() - before >= 8 && executions('once') >= 1, 'all 8 requests arrived and one runs', 20_000);
    openGate('once');
    const all = await answers;

    expect(executions('once')).to.equal(1);
    expect(all.map((response) => response.status)).to.deep.equal(Array(8).fill(201));
    expect(new Set(all.map((response) => response.text)).size).to.equal(1);
    expect(all.filter(replayed)).to.have.length(7);
  });

  it('runs an uncached GET requested from all 8 processes at once once in total, through the RedisLock on the cluster', async function () {
    this.timeout(30_000);
    const before = arrivals();
    const answers = Promise.all(apps.map((app) => viaBalancer(app, '/items/flight')));
    await eventually(() => arrivals() - before >= 8 && executions('item-flight') >= 1, 'all 8 requests arrived and one runs', 20_000);
    openGate('item-flight');
    const all = await answers;

    expect(executions('item-flight')).to.equal(1);
    expect(all.map((response) => response.status)).to.deep.equal(Array(8).fill(200));
    expect(new Set(all.map((response) => response.text)).size).to.equal(1);
  });

  it('shows a PATCH with @invalidates in one process to the next GET in each of the other 7, which read the new version', async function () {
    this.timeout(30_000);
    openGate('item-shared');
    const [writer, ...readers] = apps;
    expect((await viaBalancer(writer, '/items/shared')).json()).to.include({ version: 0 });
    // The entry is written to the cluster as the response leaves, so the first read elsewhere may come before it.
    await pollUntil(async () => isHit(await viaBalancer(readers[0], '/items/shared')) || 'a miss', 'the entry is stored', 10_000);
    for (const reader of readers) {
      const cached = await viaBalancer(reader, '/items/shared');
      expect(isHit(cached), `process ${reader.pid} reads the stored entry`).to.equal(true);
      expect(cached.json()).to.include({ version: 0 });
    }

    const write = await viaBalancer(writer, '/items/shared', { method: 'PATCH' });
    const afterWrite = [];
    for (const reader of readers) afterWrite.push(await viaBalancer(reader, '/items/shared'));

    expect(write.json()).to.include({ version: 1 });
    expect(afterWrite.map((response) => response.json<{ version: number }>().version)).to.deep.equal(Array(7).fill(1));
    // One shared store: the first read after the write is the miss that runs the action; the other 6 hit its entry.
    expect(isHit(afterWrite[0])).to.equal(false);
    expect(afterWrite.slice(1).every(isHit)).to.equal(true);
    expect(executions('item-shared')).to.equal(2);
  });

  it('shows a PATCH in a near-cached Express process to a near-cached Koa process on the cluster once its invalidation arrives', async function () {
    this.timeout(90_000);
    openGate('item-near');
    const near = await Promise.all(
      (['express', 'koa'] as const).map((driver) =>
        launcher.start({ driver, ...appConfig(), nearCache: { maxEntries: 1_000, maxStalenessMs: 60_000 } }),
      ),
    );
    const [writer, reader] = near;
    expect((await viaBalancer(writer, '/items/near')).json()).to.include({ version: 0 });
    for (const app of near) {
      await pollUntil(async () => isHit(await viaBalancer(app, '/items/near')) || 'a miss', `process ${app.pid} hits`, 10_000);
    }
    const before = executions('item-near');

    expect((await viaBalancer(writer, '/items/near', { method: 'PATCH' })).json()).to.include({ version: 1 });

    // The bound is 60 s here: only the invalidation message can make the copy go within the 10 s polled.
    await pollUntil(
      async () => (await viaBalancer(reader, '/items/near')).json<{ version: number }>().version === 1 || 'still version 0',
      `process ${reader.pid} reads version 1`,
      10_000,
    );
    expect((await viaBalancer(writer, '/items/near')).json(), 'the writer dropped its own copy').to.include({ version: 1 });
    expect((await viaBalancer(apps[0], '/items/near')).json(), 'a process without a near cache').to.include({ version: 1 });
    expect(executions('item-near') - before, 'the write made one miss in all').to.be.within(1, 2);
  });

  it('keeps all 8 processes answering while a master is dead (503 problem+json for idempotency keys on it, the action run for cache entries on it) and serves hits and replays again once it is back, without restarting them', async function () {
    this.timeout(60_000);
    const ids = Array.from({ length: 12 }, (_, index) => `out-${index}`);
    const app = (index: number) => apps[index % apps.length];
    for (const id of ids) openGate(`item-${id}`);
    for (const [index, id] of ids.entries()) await viaBalancer(app(index), `/items/${id}`);
    for (const [index, id] of ids.entries()) {
      await pollUntil(async () => isHit(await viaBalancer(app(index + 1), `/items/${id}`)) || 'a miss', `${id} is stored`, 10_000);
    }
    const keys = ids.map((id) => `order-${id}`);
    for (const key of keys) openGate(key);

    await cluster().kill(1);
    const timed = async (request: () => Promise<TestResponse>) => {
      const started = Date.now();
      const response = await request();
      return { response, ms: Date.now() - started };
    };
    const [reads, writes] = await Promise.all([
      Promise.all(ids.map((id, index) => timed(() => viaBalancer(app(index + 2), `/items/${id}`)))),
      Promise.all(keys.map((key, index) => timed(() => viaBalancer(app(index + 3), '/orders', order(key))))),
    ]);
    await cluster().restart(1);
    await cluster().waitUntilHealthy();

    for (const { ms } of [...reads, ...writes]) expect(ms, 'answer time while a master is dead').to.be.below(OUTAGE_ANSWER_BOUND_MS);
    // Reads: a hit from a live master, or the action run again (the cache fails open) for an entry on the dead one.
    expect(reads.map(({ response }) => response.status)).to.deep.equal(Array(12).fill(200));
    expect(reads.map(({ response }) => response.json<{ version: number }>().version)).to.deep.equal(Array(12).fill(0));
    const missed = ids.filter((_, index) => !isHit(reads[index].response));
    expect(missed.length, 'reads served by the action').to.be.within(1, 11);
    for (const id of ids) expect(executions(`item-${id}`), id).to.equal(missed.includes(id) ? 2 : 1);
    // Writes: run once (record and lock on live masters), or 503 before running (either on the dead one).
    const unavailable = keys.filter((_, index) => writes[index].response.status === 503);
    expect(writes.map(({ response }) => response.status).every((status) => status === 201 || status === 503)).to.equal(true);
    expect(unavailable.length, 'keys answered 503').to.be.within(1, 11);
    for (const key of unavailable) {
      const { response } = writes[keys.indexOf(key)];
      expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(response.headers['retry-after']).to.equal('1');
      expect(executions(key), key).to.equal(0);
    }

    // After the restart: every process hits and replays again. The restarted master came back
    // empty (no persistence), so a key answered 503 runs now; one answered 201 is replayed.
    for (const [index, key] of keys.entries()) {
      let first: TestResponse | undefined;
      await pollUntil(
        async () => {
          first = await viaBalancer(app(index), '/orders', order(key));
          return first.status === 201 || `${first.status} ${first.text}`;
        },
        `${key} is answered after the restart`,
        15_000,
      );
      if (!unavailable.includes(key))
        expect(first!.text, `${key} replays its answer from the outage`).to.equal(writes[index].response.text);
      for (const other of apps) {
        const again = await viaBalancer(other, '/orders', order(key));
        expect(again.status, key).to.equal(201);
        expect(replayed(again), `${key} replayed by ${other.pid}`).to.equal(true);
        expect(again.text).to.equal(first!.text);
      }
      expect(executions(key), key).to.equal(1);
    }
    for (const other of apps) {
      const path = `/items/back-${other.pid}`;
      openGate(`item-back-${other.pid}`);
      await viaBalancer(other, path);
      await pollUntil(async () => isHit(await viaBalancer(other, path)) || 'a miss', `process ${other.pid} hits again`, 15_000);
    }
  });
});
