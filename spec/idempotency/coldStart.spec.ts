import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDEMPOTENCY_PROBLEM_BASE } from '../../src/idempotency/idempotencyProblems';
import { appLauncher, eventually, lines, type AppProcess } from '../helpers/durableApps';
import { send, type TestResponse } from '../helpers/http';
import { describeRedis } from '../helpers/redisServer';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy';

const order = (key: string) => ({ method: 'POST', headers: { 'idempotency-key': key }, body: { key } });

describeRedis('@idempotencyKey in freshly started processes (store and RedisLock built from URLs)', (redis) => {
  let dir: string;
  let proxy: TcpProxy | undefined;
  let suffix = 0;
  const apps = appLauncher(() => dir);

  /** Starts `count` processes at once; `burst` is sent to each one the moment it listens. */
  async function coldBursts(count: number, burst: number, url: string, timeoutMs?: number): Promise<Promise<TestResponse[]>[]> {
    const namespace = `idem-cold-${process.pid}-${++suffix}`;
    const timeouts =
      timeoutMs === undefined ? { storeTimeoutMs: 2_000, lockTimeoutMs: 1_000 } : { storeTimeoutMs: timeoutMs, lockTimeoutMs: timeoutMs };
    const started = Array.from({ length: count }, (_, index) =>
      apps
        .start({
          driver: index % 2 === 0 ? 'express' : 'koa',
          storeUrl: url,
          lockUrl: url,
          namespace,
          leaseMs: 10_000,
          inFlight: 'wait',
          ...timeouts,
        })
        .then((app: AppProcess) =>
          Promise.all(Array.from({ length: burst }, (_, request) => send(app.url, '/orders', order(`p${index}-r${request}`)))),
        ),
    );
    return started;
  }

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'rcx-cold-'));
    // Every action may finish at once.
    for (let index = 0; index < 8; index += 1)
      for (let request = 0; request < 10; request += 1) writeFileSync(join(dir, `gate-p${index}-r${request}`), '');
    if (!redis().owned) this.skip();
  });
  afterEach(async () => {
    await apps.stopAll();
    await proxy?.close();
    proxy = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the first concurrent burst of 8 fresh processes with no 503 while Redis is healthy', async function () {
    this.timeout(120_000);
    const responses = (await Promise.all(await coldBursts(8, 10, redis().url))).flat();

    expect(responses.filter((response) => response.status === 503).map((response) => response.text)).to.deep.equal([]);
    expect(new Set(responses.map((response) => response.status))).to.deep.equal(new Set([201]));
    expect(lines(join(dir, 'executions'))).to.have.length(80);
  });

  it('holds the first burst of fresh processes until their first Redis connection is ready, then answers it with no 503', async function () {
    this.timeout(120_000);
    proxy = await startTcpProxy(redis().port);
    proxy.cut();
    const bursts = coldBursts(3, 10, proxy.url, 30_000);
    await eventually(() => lines(join(dir, 'received')).length === 30, 'every request of the burst arrived');
    const arrivedBeforeReady = lines(join(dir, 'executions')).length;
    proxy.restore();
    const responses = (await Promise.all(await bursts)).flat();

    expect(arrivedBeforeReady).to.equal(0);
    expect(new Set(responses.map((response) => response.status))).to.deep.equal(new Set([201]));
    expect(lines(join(dir, 'executions'))).to.have.length(30);
  });

  it('still answers 503 + Retry-After within the store timeout when a fresh process cannot reach Redis, running nothing', async function () {
    this.timeout(60_000);
    proxy = await startTcpProxy(redis().port);
    proxy.cut('reset');
    const app = await apps.start({
      driver: 'express',
      storeUrl: proxy.url,
      lockUrl: proxy.url,
      namespace: `idem-cold-${process.pid}-down`,
      leaseMs: 10_000,
      inFlight: 'wait',
      storeTimeoutMs: 500,
      lockTimeoutMs: 500,
    });
    const startedAt = Date.now();
    const responses = await Promise.all(['p0-r0', 'p0-r1', 'p0-r2'].map((key) => send(app.url, '/orders', order(key))));
    const elapsedMs = Date.now() - startedAt;

    for (const response of responses) {
      expect(response.status).to.equal(503);
      expect(response.headers['retry-after']).to.equal('1');
      expect(response.json<{ type: string }>().type).to.equal(`${IDEMPOTENCY_PROBLEM_BASE}unavailable`);
    }
    expect(elapsedMs).to.be.below(10_000);
    expect(lines(join(dir, 'executions'))).to.deep.equal([]);
  });
});
