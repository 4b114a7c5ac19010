import { randomBytes } from 'node:crypto';
import KeyvRedis, { createClient } from '@keyv/redis';
import { expect } from 'chai';
import { InvalidOptionError, LockError, LockTimeoutError } from '../../src/errors';
import { RedisLock } from '../../src/locks/RedisLock';
import { spawnChild } from '../helpers/children/spawnChild';
import { until } from '../helpers/latch';
import { describeRedis } from '../helpers/redisServer';
import { startTcpProxy } from '../helpers/tcpProxy';
import { lockContract } from './lock.contract';

type Client = ReturnType<typeof createClient>;

describeRedis('RedisLock', (server) => {
  let client: Client;
  const locks: RedisLock[] = [];
  const prefix = `rcx-test:${randomBytes(4).toString('hex')}:`;
  const track = (lock: RedisLock) => (locks.push(lock), lock);

  before(async () => {
    client = createClient({ url: server().url });
    client.on('error', () => undefined);
    await client.connect();
  });

  after(() => {
    for (const lock of locks) lock.close();
    client.destroy();
  });

  lockContract(() => new RedisLock(client, { prefix }));

  it('works on the client of an @keyv/redis store and on a URL', async () => {
    const store = new KeyvRedis(client);
    const fromStore = new RedisLock(store, { prefix });
    const fromUrl = track(new RedisLock(server().url, { prefix }));

    const first = await fromStore.acquire('shared', { ttlMs: 5_000 });
    const blocked = await fromUrl.acquire('shared', { ttlMs: 5_000, waitMs: 0 }).then(
      () => 'acquired',
      (error: unknown) => error,
    );
    await first.release();
    const second = await fromUrl.acquire('shared', { ttlMs: 5_000, waitMs: 0 });

    expect(blocked).to.be.instanceOf(LockTimeoutError);
    expect(second.fence).to.be.greaterThan(first.fence);
    expect(await second.release()).to.equal(true);
  });

  it('stores the token under <prefix>{<key>}:lock with a PX expiry and the last fence beside it, under one hash tag', async () => {
    const lock = new RedisLock(client, { prefix });
    const handle = await lock.acquire('inspected', { ttlMs: 5_000 });

    const stored = await client.get(`${prefix}{inspected}:lock`);
    const pttl = await client.pTTL(`${prefix}{inspected}:lock`);
    const fence = await client.get(`${prefix}{inspected}:fence`);

    expect(stored).to.equal(handle.token);
    expect(pttl).to.be.within(1, 5_000);
    expect(Number(fence)).to.equal(handle.fence);
    expect(await client.pTTL(`${prefix}{inspected}:fence`)).to.be.greaterThan(0);
    await handle.release();
    expect(await client.exists(`${prefix}{inspected}:lock`)).to.equal(0);
  });

  it('hands out strictly increasing fences of a key after Redis restarted without its data', async function () {
    if (!server().owned) this.skip();
    const lock = new RedisLock(client, { prefix });
    const fences: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      if (round === 3) {
        await server().restart();
        await until(() => client.isReady, 'the client reconnected to the emptied Redis');
        expect(await client.exists(`${prefix}{restarted}:fence`)).to.equal(0);
      }
      const handle = await lock.acquire('restarted', { ttlMs: 5_000, waitMs: 5_000 });
      fences.push(handle.fence);
      await handle.release();
    }

    for (let index = 1; index < fences.length; index += 1) expect(fences[index]).to.be.greaterThan(fences[index - 1]);
  });

  it('hands a process a larger fence than a killed process had before Redis restarted without its data', async function () {
    if (!server().owned) this.skip();
    const key = 'fence-across-restart';
    const before = spawnChild('holdLock.ts', ['redis', server().url, key, '60000', prefix]);
    const { fence: first } = await before.nextMessage<{ fence: number }>();
    before.process.kill('SIGKILL');
    await before.exited;
    await server().restart();
    await until(() => client.isReady, 'the client reconnected to the emptied Redis');
    const after = spawnChild('holdLock.ts', ['redis', server().url, key, '60000', prefix]);
    const { fence: second } = await after.nextMessage<{ fence: number }>();
    after.process.kill('SIGKILL');
    await after.exited;

    expect(second).to.be.greaterThan(first);
  });

  it('serves a burst of acquires made before the first connection of a lock from a URL is ready', async () => {
    const proxy = await startTcpProxy(server().port);
    proxy.cut();
    const lock = track(new RedisLock(proxy.url, { prefix, commandTimeoutMs: 20_000 }));
    const burst = Array.from({ length: 20 }, (_, index) => lock.acquire(`cold-${index}`, { ttlMs: 5_000 }));
    burst.forEach((acquired) => acquired.catch(() => undefined));
    await until(() => proxy.accepted >= 1, 'the lock opened its socket');
    const openButNotReady = lock.client.isOpen && lock.client.isReady === false;
    proxy.restore();
    const handles = await Promise.all(burst);

    expect(openButNotReady).to.equal(true);
    expect(handles).to.have.length(20);
    await Promise.all(handles.map((handle) => handle.release()));
    await proxy.close();
  });

  it('fails an acquire with LockError within commandTimeoutMs when Redis never answers the first connection', async () => {
    const proxy = await startTcpProxy(server().port);
    proxy.cut();
    const lock = track(new RedisLock(proxy.url, { prefix, commandTimeoutMs: 300 }));

    const failure = await lock.acquire('never', { ttlMs: 5_000, waitMs: 0 }).catch((error: unknown) => error);

    expect(failure).to.be.instanceOf(LockError);
    expect((failure as Error).message).to.match(/no answer within 300 ms/);
    await proxy.close();
  });

  it('counts to exactly 800 when 4 processes each GET and SET a Redis counter 200 times under the lock', async () => {
    const counter = `${prefix}counter`;

    const children = Array.from({ length: 4 }, () => spawnChild('incrementUnderLock.ts', ['redis', server().url, counter, '200']));
    const codes = await Promise.all(children.map((child) => child.exited));

    expect(codes).to.deep.equal([0, 0, 0, 0]);
    expect(await client.get(counter)).to.equal('800');
  });

  it('lets another process in only after the TTL of a SIGKILLed holder ran out', async () => {
    const key = 'killed-holder';
    const child = spawnChild('holdLock.ts', ['redis', server().url, key, '500', prefix]);
    const { fence } = await child.nextMessage<{ fence: number }>();
    const lock = new RedisLock(client, { prefix });

    child.process.kill('SIGKILL');
    await child.exited;
    const whileHeld = await lock.acquire(key, { ttlMs: 5_000, waitMs: 0 }).then(
      () => 'acquired',
      (error: unknown) => error,
    );
    const remainingTtl = await client.pTTL(`${prefix}{${key}}:lock`);
    const afterTtl = await lock.acquire(key, { ttlMs: 5_000, waitMs: 5_000 });

    expect(whileHeld).to.be.instanceOf(LockTimeoutError);
    expect(remainingTtl).to.be.greaterThan(0);
    expect(afterTtl.fence).to.be.greaterThan(fence);
    expect(await afterTtl.release()).to.equal(true);
  });

  describe('while Redis is down', () => {
    it('fails acquire, renew and release with LockError, then works again after a restart', async function () {
      if (!server().owned) this.skip();
      const ownClient = track(new RedisLock(server().url, { prefix, commandTimeoutMs: 300 }));
      const queueingClient = createClient({ url: server().url });
      queueingClient.on('error', () => undefined);
      await queueingClient.connect();
      const sharedClient = new RedisLock(queueingClient, { prefix, commandTimeoutMs: 300 });
      const held = await ownClient.acquire('outage', { ttlMs: 10_000 });

      await server().stop();
      const failures = await Promise.all([
        ownClient.acquire('during-outage', { ttlMs: 1_000, waitMs: 5_000 }).catch((error: unknown) => error),
        sharedClient.acquire('during-outage', { ttlMs: 1_000, waitMs: 5_000 }).catch((error: unknown) => error),
        held.renew().catch((error: unknown) => error),
        held.release().catch((error: unknown) => error),
      ]);
      await server().restart();
      await until(() => (ownClient.client as unknown as Client).isReady, "the lock's client reconnected");
      const recovered = await ownClient.acquire('after-outage', { ttlMs: 1_000, waitMs: 5_000 });

      for (const failure of failures) expect(failure).to.be.instanceOf(LockError);
      expect(await recovered.release()).to.equal(true);
      queueingClient.destroy();
    });
  });

  it('rejects a target that is no Redis client with InvalidOptionError', () => {
    expect(() => new RedisLock({} as never)).to.throw(InvalidOptionError, /RedisLock: option client/);
  });

  it('has cluster scope', () => {
    expect(new RedisLock(client).scope).to.equal('cluster');
  });
});
