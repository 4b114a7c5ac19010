import { randomBytes } from 'node:crypto';
import KeyvRedis, { createClient } from '@keyv/redis';
import { expect } from 'chai';
import { InvalidOptionError, LockError, LockTimeoutError } from '../../src/errors';
import { RedisLock } from '../../src/locks/RedisLock';
import { spawnChild } from '../helpers/children/spawnChild';
import { until } from '../helpers/latch';
import { describeRedis } from '../helpers/redisServer';
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

  it('stores the token under <prefix>key:<key> with a PX expiry', async () => {
    const lock = new RedisLock(client, { prefix });
    const handle = await lock.acquire('inspected', { ttlMs: 5_000 });

    const stored = await client.get(`${prefix}key:inspected`);
    const pttl = await client.pTTL(`${prefix}key:inspected`);

    expect(stored).to.equal(handle.token);
    expect(pttl).to.be.within(1, 5_000);
    await handle.release();
    expect(await client.exists(`${prefix}key:inspected`)).to.equal(0);
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
    const remainingTtl = await client.pTTL(`${prefix}key:${key}`);
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
