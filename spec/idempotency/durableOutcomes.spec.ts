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

describeRedis('@idempotencyKey keeps the outcome of a finished action through Redis faults (real processes)', (redis) => {
  let dir: string;
  let namespace = '';
  let suffix = 0;
  let proxy: TcpProxy | undefined;
  const apps = appLauncher(() => dir);
  const executions = () => lines(join(dir, 'executions')).length;
  const openGate = (key: string) => writeFileSync(join(dir, `gate-${key}`), '');

  /** Two processes, `first` optionally reaching Redis through `firstUrl`; a 20 s lease, 300 ms store and lock timeouts. */
  async function twoApps(firstUrl = redis().url): Promise<[AppProcess, AppProcess]> {
    namespace = `idem-durable-${process.pid}-${++suffix}`;
    const base = { namespace, leaseMs: 20_000, storeTimeoutMs: 300, lockTimeoutMs: 300, inFlight: 'conflict' as const };
    return Promise.all([
      apps.start({ ...base, driver: 'express', storeUrl: firstUrl, lockUrl: firstUrl }),
      apps.start({ ...base, driver: 'koa', storeUrl: redis().url, lockUrl: redis().url }),
    ]);
  }

  beforeEach(function () {
    if (!redis().owned) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'rcx-durable-'));
  });
  afterEach(async () => {
    if (redis().owned) process.kill(redis().pid, 'SIGCONT');
    await apps.stopAll();
    await proxy?.close();
    proxy = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores the outcome of an action that ended while Redis was paused (SIGSTOP); a retry to another process replays it', async function () {
    this.timeout(90_000);
    const [owner, other] = await twoApps();
    const answered = send(owner.url, '/orders', order('k1'));
    await eventually(() => executions() === 1, 'the owner runs the action');

    process.kill(redis().pid, 'SIGSTOP');
    let duringPause: TestResponse;
    let response: TestResponse;
    try {
      openGate('k1');
      response = await answered;
      duringPause = await send(other.url, '/orders', order('k1'));
      // Paused well past the old three retries of the outcome write.
      await eventually(() => owner.events('store-error') >= 6, 'the owner failed to store the outcome several times');
    } finally {
      process.kill(redis().pid, 'SIGCONT');
    }
    await eventually(() => owner.events('completed') === 1, 'the owner stored the outcome once Redis answered again');
    const retry = await send(other.url, '/orders', order('k1'));

    expect(response.status).to.equal(201);
    expect(duringPause.status).to.equal(503);
    expect(duringPause.headers['retry-after']).to.equal('1');
    expect(retry.status).to.equal(201);
    expect(retry.headers['idempotent-replayed']).to.equal('true');
    expect(retry.text).to.equal(response.text);
    expect(executions()).to.equal(1);
  });

  it('stores the outcome of an action that ended while its process was cut off from Redis; a retry elsewhere gets 409 meanwhile, then the replay', async function () {
    this.timeout(90_000);
    proxy = await startTcpProxy(redis().port);
    const [owner, other] = await twoApps(proxy.url);
    const answered = send(owner.url, '/orders', order('k2'));
    await eventually(() => executions() === 1, 'the owner runs the action');

    proxy.cut();
    openGate('k2');
    const response = await answered;
    const duringPartition = await send(other.url, '/orders', order('k2'));
    await eventually(() => owner.events('store-error') >= 6, 'the owner failed to store the outcome several times');
    proxy.restore();
    await eventually(() => owner.events('completed') === 1, 'the owner stored the outcome once the link was back');
    const retry = await send(other.url, '/orders', order('k2'));

    expect(response.status).to.equal(201);
    expect(duringPartition.status).to.equal(409);
    expect(duringPartition.json<{ type: string }>().type).to.equal(`${IDEMPOTENCY_PROBLEM_BASE}request-in-progress`);
    expect(retry.headers['idempotent-replayed']).to.equal('true');
    expect(retry.text).to.equal(response.text);
    expect(executions()).to.equal(1);
  });

  it('writes again the outcome of an action that ended while Redis restarted without its data; a retry replays it', async function () {
    this.timeout(90_000);
    const [owner, other] = await twoApps();
    const answered = send(owner.url, '/orders', order('k3'));
    await eventually(() => executions() === 1, 'the owner runs the action');

    await redis().stop();
    let response: TestResponse;
    try {
      openGate('k3');
      response = await answered;
      await eventually(() => owner.events('store-error') >= 3, 'the owner failed to store the outcome while Redis was down');
    } finally {
      await redis().restart();
    }
    await eventually(() => owner.events('completed') === 1, 'the owner stored the outcome in the emptied Redis');
    // The other process may still be reconnecting: a client retries a 503 (it carries Retry-After).
    let retry = await send(other.url, '/orders', order('k3'));
    for (const deadline = Date.now() + 30_000; retry.status === 503 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      retry = await send(other.url, '/orders', order('k3'));
    }

    expect(response.status).to.equal(201);
    expect(owner.events('fenced')).to.equal(0);
    expect(retry.headers['idempotent-replayed']).to.equal('true');
    expect(retry.text).to.equal(response.text);
    expect(executions()).to.equal(1);
  });

  it('replays a conditional PUT whose response was lost to a retry with the now stale If-Match sent to another process', async function () {
    this.timeout(90_000);
    const [owner, other] = await twoApps();
    writeFileSync(join(dir, 'doc-d1'), '1');
    const clientLink = await startTcpProxy(Number(new URL(owner.url).port));
    const write = (url: string, key: string) =>
      send(url, '/docs/d1', { method: 'PUT', headers: { 'idempotency-key': key, 'if-match': '"v1"' }, body: { key: 'k4', text: 'new' } });
    const lost = write(`http://127.0.0.1:${clientLink.port}`, 'k4').then(
      () => 'answered',
      () => 'lost',
    );
    await eventually(() => executions() === 1, 'the owner runs the write');

    clientLink.cut('reset');
    const outcome = await lost;
    openGate('k4');
    await eventually(() => owner.events('completed') === 1, 'the owner stored the outcome of the write');
    const retry = await write(other.url, 'k4');
    const newRequest = await write(other.url, 'k5');
    await clientLink.close();

    expect(outcome).to.equal('lost');
    expect(retry.status).to.equal(200);
    expect(retry.headers['idempotent-replayed']).to.equal('true');
    expect(retry.headers.etag).to.equal('"v2"');
    expect(retry.json()).to.deep.include({ version: 2 });
    expect(newRequest.status).to.equal(412);
    expect(executions()).to.equal(1);
  });
});
