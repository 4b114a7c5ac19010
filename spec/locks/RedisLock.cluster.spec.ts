import { randomBytes } from 'node:crypto';
import KeyvRedis, { createCluster } from '@keyv/redis';
import { expect } from 'chai';
import { LockTimeoutError } from '../../src/errors';
import type { LockHandle } from '../../src/locks/Lock';
import { RedisLock } from '../../src/locks/RedisLock';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import { describeRedisCluster } from '../helpers/redisCluster';
import { redisCommand } from '../helpers/redisCommand';
import { lockContract } from './lock.contract';

async function connectedCluster(rootNodes: ReadonlyArray<{ url: string }>) {
  const client = createCluster({ rootNodes: [...rootNodes] });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

type ClusterClient = Awaited<ReturnType<typeof connectedCluster>>;

describeRedisCluster('RedisLock on a 3-master Redis Cluster (over a cluster client)', (cluster) => {
  const prefix = `rcx-test:${randomBytes(4).toString('hex')}:`;
  let client: ClusterClient;
  let other: ClusterClient;

  before(async () => {
    [client, other] = await Promise.all([connectedCluster(cluster().rootNodes), connectedCluster(cluster().rootNodes)]);
  });

  after(() => {
    client?.destroy();
    other?.destroy();
  });

  lockContract(() => new RedisLock(client, { prefix }));

  /** Asserts that `lockKey` and `fenceKey` share a slot and hold `handle`'s token and fence on the master serving it. */
  async function expectOneSlot(handle: LockHandle, lockKey: string, fenceKey: string): Promise<void> {
    const [lockSlot, fenceSlot] = await Promise.all([cluster().slotOf(lockKey), cluster().slotOf(fenceKey)]);
    const port = await cluster().masterPortOf(lockKey);

    expect(fenceSlot, handle.key).to.equal(lockSlot);
    expect(await redisCommand(port, ['GET', lockKey]), handle.key).to.equal(handle.token);
    expect(Number(await redisCommand(port, ['GET', fenceKey])), handle.key).to.equal(handle.fence);
    expect(await handle.release()).to.equal(true);
    expect(await redisCommand(port, ['EXISTS', lockKey])).to.equal(0);
  }

  it("keeps a lock's token and fence keys (<prefix>{<key>}:lock and :fence) in one slot, for plain keys and keys with braces", async () => {
    const lock = new RedisLock(client, { prefix });
    for (const key of ['order:42', 'rcx:idem:9f86d081', 'a}b', 'x{y}z', '{}', 'open{']) {
      const handle = await lock.acquire(key, { ttlMs: 5_000 });
      await expectOneSlot(handle, `${prefix}{${key}}:lock`, `${prefix}{${key}}:fence`);
    }
  });

  it('keeps the two keys of a lock on a key starting with "}" in one slot, under the fixed tag ={=} (an empty {} tag would hash them apart)', async () => {
    const lock = new RedisLock(client, { prefix });
    for (const key of ['}leading', '}']) {
      const handle = await lock.acquire(key, { ttlMs: 5_000 });
      await expectOneSlot(handle, `${prefix}={=}${key}:lock`, `${prefix}={=}${key}:fence`);
    }
  });

  it('hands out strictly increasing fences per key, alternating between locks on two cluster clients', async () => {
    const locks = [new RedisLock(client, { prefix }), new RedisLock(other, { prefix })];
    const keys = ['fence:a', 'fence:b', 'fence:c'];
    const fences = new Map<string, number[]>(keys.map((key) => [key, []]));

    for (let round = 0; round < 12; round += 1) {
      const key = keys[round % keys.length];
      const handle = await locks[round % 2].acquire(key, { ttlMs: 5_000, waitMs: 5_000 });
      fences.get(key)!.push(handle.fence);
      await handle.release();
    }

    for (const [key, list] of fences) {
      for (let index = 1; index < list.length; index += 1) expect(list[index], key).to.be.greaterThan(list[index - 1]);
    }
  });

  it('spreads the locks of different keys over all three masters, excluding a second holder on each', async () => {
    const [mine, theirs] = [new RedisLock(client, { prefix }), new RedisLock(other, { prefix })];
    const keys = Array.from({ length: 24 }, (_, index) => `spread:${index}`);
    const handles = await Promise.all(keys.map((key) => mine.acquire(key, { ttlMs: 10_000 })));

    const ports = await Promise.all(keys.map((key) => cluster().masterPortOf(`${prefix}{${key}}:lock`)));
    const refused = await Promise.all(
      keys.map((key) =>
        theirs.acquire(key, { ttlMs: 1_000 }).then(
          () => 'acquired',
          () => 'refused',
        ),
      ),
    );

    expect(new Set(ports)).to.have.property('size', 3);
    expect(refused).to.deep.equal(keys.map(() => 'refused'));
    expect(await Promise.all(handles.map((handle) => handle.release()))).to.deep.equal(keys.map(() => true));
  });

  it('works on the cluster client of an @keyv/redis store, excluding a lock on the bare cluster client', async () => {
    const fromStore = new RedisLock(new KeyvRedis(client), { prefix });
    const bare = new RedisLock(other, { prefix });

    const first = await fromStore.acquire('via-store', { ttlMs: 5_000 });
    const blocked = await bare.acquire('via-store', { ttlMs: 5_000 }).then(
      () => 'acquired',
      (error: unknown) => error,
    );
    await first.release();
    const second = await bare.acquire('via-store', { ttlMs: 5_000 });

    expect(fromStore.client).to.equal(client);
    expect(blocked).to.be.instanceOf(LockTimeoutError);
    expect(second.fence).to.be.greaterThan(first.fence);
    expect(await second.release()).to.equal(true);
  });

  it('serves a burst of acquires on a cluster client that createRedisStorage started connecting (still discovering its slots)', async () => {
    const fresh = createCluster({ rootNodes: [...cluster().rootNodes] });
    try {
      const storage = createRedisStorage(fresh, { namespace: 'cold-lock', timeoutMs: 10_000 });
      const discovering = fresh.isOpen && fresh.masters.length === 0;
      const lock = new RedisLock(fresh, { prefix, commandTimeoutMs: 10_000 });
      const handles = await Promise.all(Array.from({ length: 10 }, (_, index) => lock.acquire(`shared-cold:${index}`, { ttlMs: 5_000 })));
      await storage.set('after', 1, 60_000);

      expect(discovering).to.equal(true);
      expect(await Promise.all(handles.map((handle) => handle.release()))).to.deep.equal(handles.map(() => true));
    } finally {
      fresh.destroy();
    }
  });

  it('connects a cluster client passed in unconnected and serves a burst of acquires made before it is open', async () => {
    const fresh = createCluster({ rootNodes: [...cluster().rootNodes] });
    try {
      const wasOpen = fresh.isOpen;
      const lock = new RedisLock(fresh, { prefix, commandTimeoutMs: 10_000 });
      const handles = await Promise.all(Array.from({ length: 10 }, (_, index) => lock.acquire(`cold:${index}`, { ttlMs: 5_000 })));

      expect(wasOpen).to.equal(false);
      expect(fresh.isOpen).to.equal(true);
      expect(await Promise.all(handles.map((handle) => handle.release()))).to.deep.equal(handles.map(() => true));
    } finally {
      fresh.destroy();
    }
  });
});
