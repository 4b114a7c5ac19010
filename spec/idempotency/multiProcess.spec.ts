import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { send, type TestResponse } from '../helpers/http';
import { describeRedis } from '../helpers/redisServer';
import { spawnChild, type Child } from '../helpers/children/spawnChild';

interface AppProcess {
  readonly child: Child;
  readonly url: string;
}

const keyed = (key: string, body: unknown = { amount: 1 }) => ({ method: 'POST', headers: { 'idempotency-key': key }, body });

/** Polls an asynchronous condition on the system under test until it holds (gives up after 20 s). */
async function eventually(predicate: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Retries like a client would until the answer is no longer 409 (in flight). */
async function retryWhileInFlight(url: string, path: string): Promise<{ response: TestResponse; conflicts: number }> {
  let conflicts = 0;
  for (;;) {
    const response = await send(url, path, keyed('k1'));
    if (response.status !== 409) return { response, conflicts };
    conflicts += 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeRedis('@idempotencyKey across processes', (redis) => {
  let client: ReturnType<typeof createClient>;
  let apps: AppProcess[] = [];
  let lockDirectory: string;
  let namespace = '';
  let suffix = 0;

  async function startApps(count: number, lockKind: 'file' | 'redis', leaseMs: number): Promise<AppProcess[]> {
    namespace = `idem-mp-${process.pid}-${++suffix}`;
    const children = Array.from({ length: count }, (_, index) =>
      spawnChild('idempotencyApp.ts', [
        index % 2 === 0 ? 'express' : 'koa',
        redis().url,
        lockKind,
        lockDirectory,
        namespace,
        String(leaseMs),
      ]),
    );
    apps = await Promise.all(
      children.map(async (child) => ({ child, url: `http://127.0.0.1:${(await child.nextMessage<{ port: number }>()).port}` })),
    );
    return apps;
  }

  const counter = async (name: string) => Number((await client.get(`${namespace}:${name}`)) ?? '0');

  before(async () => {
    client = createClient({ url: redis().url });
    client.on('error', () => undefined);
    await client.connect();
  });
  after(() => client.destroy());
  beforeEach(() => {
    lockDirectory = mkdtempSync(join(tmpdir(), 'rcx-idem-locks-'));
  });
  afterEach(async () => {
    for (const { child } of apps) {
      child.process.kill('SIGCONT');
      child.process.kill('SIGKILL');
    }
    await Promise.all(apps.map(({ child }) => child.exited));
    apps = [];
    rmSync(lockDirectory, { recursive: true, force: true });
  });

  for (const lockKind of ['file', 'redis'] as const) {
    it(`runs 100 concurrent duplicates spread over 4 processes exactly once, every response identical (${lockKind} lock)`, async function () {
      this.timeout(60_000);
      const processes = await startApps(4, lockKind, 5_000);
      const requests = Array.from({ length: 100 }, (_, index) => send(processes[index % 4].url, '/orders', keyed('k1')));
      await eventually(
        async () => (await counter('received')) === 100 && (await counter('executions')) === 1,
        'all 100 requests arrived and one runs',
      );
      await client.set(`${namespace}:gate`, '1');
      const all = await Promise.all(requests);

      expect(await counter('executions')).to.equal(1);
      expect(new Set(all.map((response) => response.status))).to.deep.equal(new Set([201]));
      expect(new Set(all.map((response) => response.text)).size).to.equal(1);
      expect(all.filter((response) => response.headers['idempotent-replayed'] === 'true')).to.have.length(99);
    });
  }

  it('answers 409 after the owner was SIGKILLed mid-action until its lease ran out, then runs once more', async function () {
    this.timeout(60_000);
    const [owner, other] = await startApps(2, 'redis', 2_000);
    const lost = send(owner.url, '/hang', keyed('k1')).catch(() => undefined);
    await eventually(async () => (await counter('executions')) === 1, 'the owner runs');
    owner.child.process.kill('SIGKILL');
    await owner.child.exited;
    await lost;
    const during = await send(other.url, '/hang', keyed('k1'));
    const { response: taken } = await retryWhileInFlight(other.url, '/hang');
    const replay = await send(other.url, '/hang', keyed('k1'));

    expect(during.status).to.equal(409);
    expect(during.headers['retry-after']).to.equal('1');
    expect(taken.status).to.equal(201);
    expect(taken.json()).to.deep.equal({ run: 2, body: { amount: 1 } });
    expect(replay.headers['idempotent-replayed']).to.equal('true');
    expect(await counter('executions')).to.equal(2);
  });

  it('a paused owner whose lease was taken over cannot overwrite the new owner’s record', async function () {
    this.timeout(60_000);
    const [paused, other] = await startApps(2, 'redis', 1_500);
    const pausedReply = send(paused.url, '/pausable', keyed('k1'));
    await eventually(async () => (await counter('executions')) === 1, 'the first owner runs');
    paused.child.process.kill('SIGSTOP');
    const { response: taken, conflicts } = await retryWhileInFlight(other.url, '/pausable');
    await client.set(`${namespace}:gate`, '1');
    paused.child.process.kill('SIGCONT');
    const late = await pausedReply;
    // Sent to the paused process itself: it answers only after its own (fenced) completion attempt.
    const afterwards = await send(paused.url, '/pausable', keyed('k1'));

    expect(conflicts, taken.text).to.be.greaterThan(0);
    expect(taken.json()).to.include({ run: 2 });
    expect(late.json()).to.include({ run: 1 });
    expect(afterwards.headers['idempotent-replayed']).to.equal('true');
    expect(afterwards.body.equals(taken.body)).to.equal(true);
    expect(await counter('executions')).to.equal(2);
  });
});
