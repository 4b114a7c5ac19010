import { createCluster } from '@keyv/redis';
import { expect } from 'chai';
import { readTagVersions, tagKey, writeTagVersions } from '../../src/cache/tagVersions';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import { describeRedisCluster, type RedisCluster } from '../helpers/redisCluster';
import { redisCommand, redisText } from '../helpers/redisCommand';
import { pollUntil } from '../helpers/pollUntil';
import type { KeyvStorage } from '../../src/storage/KeyvStorage';
import type { NearCacheStorage } from '../../src/storage/NearCacheStorage';
import { storageContract } from './storage.contract';

type ClusterClient = ReturnType<typeof createCluster>;

/** At least `count` names whose stored keys (`stored(name)`) land on all three masters between them. */
async function spreadOverMasters(cluster: RedisCluster, count: number, stored: (name: string) => string): Promise<string[]> {
  const ports = new Set<number>();
  const names: string[] = [];
  for (let i = 0; ports.size < 3 || names.length < count; i += 1) {
    if (i > 1000) throw new Error('no names found on every master');
    const name = `spread-${i}`;
    ports.add(await cluster.masterPortOf(stored(name)));
    names.push(name);
  }
  return names;
}

describeRedisCluster('KeyvStorage on a 3-master Redis Cluster (createRedisStorage over a cluster client)', (cluster) => {
  let client: ClusterClient;
  let storage: KeyvStorage;

  before(async () => {
    client = createCluster({ rootNodes: [...cluster().rootNodes] });
    client.on('error', () => undefined);
    await client.connect();
    // One store per client: each adds its listeners to the client.
    storage = createRedisStorage(client, { namespace: 'contract' });
  });

  after(() => client?.destroy());

  storageContract(() => ({ storage }));

  describe('with a near cache on two cluster clients (two processes)', () => {
    const clients: Array<{ destroy(): void }> = [];
    const near: Array<NearCacheStorage<KeyvStorage>> = [];

    before(async () => {
      for (let i = 0; i < 2; i++) {
        const other = createCluster({ rootNodes: [...cluster().rootNodes] });
        other.on('error', () => undefined);
        await other.connect();
        clients.push(other);
        near.push(createRedisStorage(other, { namespace: 'near', nearCache: { maxEntries: 100, maxStalenessMs: 60_000 } }));
      }
      await pollUntil(async () => near.every((storage) => storage.channelHealthy) || 'not subscribed yet', 'both subscribed', 10_000);
    });

    after(async () => {
      for (const storage of near) await storage.close();
      for (const other of clients) other.destroy();
    });

    it('answers repeated reads of keys on all three masters from its copies, without a Redis call', async () => {
      const [, reader] = near;
      const names = await spreadOverMasters(cluster(), 6, (name) => `near::${name}`);
      for (const name of names) await reader.shared.set(name, name, 60_000);
      expect(await reader.getMany(names)).to.deep.equal(names);
      await Promise.all(cluster().nodes.map((node) => redisCommand(node.port, ['CONFIG', 'RESETSTAT'])));

      expect(await reader.getMany(names)).to.deep.equal(names);

      const stats = await Promise.all(cluster().nodes.map((node) => redisText(node.port, ['INFO', 'commandstats'])));
      expect(stats.filter((text) => /cmdstat_(mget|get):/.test(text))).to.deep.equal([]);
    });

    it('drops the copy in the other process when one writes a key, whichever master holds it', async () => {
      const [writer, reader] = near;
      const names = (await spreadOverMasters(cluster(), 3, (name) => `near::written-${name}`)).map((name) => `written-${name}`);
      for (const name of names) await reader.shared.set(name, 'before', 60_000);
      const held = reader.nearSize;
      expect(await reader.getMany(names)).to.deep.equal(names.map(() => 'before'));
      expect(reader.nearSize - held, 'the reader holds copies').to.equal(names.length);

      for (const name of names) await writer.set(name, 'after', 60_000);

      await pollUntil(
        async () => (await reader.getMany(names)).every((value) => value === 'after') || 'still a copy from before',
        'the reader saw every write',
        10_000,
      );
    });
  });

  it('spreads its keys over all three masters, each written on the master that serves its slot', async () => {
    const storage = createRedisStorage(client, { namespace: 'spread' });
    const names = await spreadOverMasters(cluster(), 12, (name) => `spread::${name}`);
    for (const name of names) await storage.set(name, `value of ${name}`, 60_000);

    const owners = await Promise.all(names.map((name) => cluster().masterPortOf(`spread::${name}`)));
    const direct = await Promise.all(names.map((name, index) => redisCommand(owners[index], ['EXISTS', `spread::${name}`])));

    expect(new Set(owners)).to.have.property('size', 3);
    expect(direct).to.deep.equal(names.map(() => 1));
    expect(await storage.getMany(names)).to.deep.equal(names.map((name) => `value of ${name}`));
  });

  it('reads the versions of tags whose keys live on different masters in one getMany, without CROSSSLOT', async () => {
    const storage = createRedisStorage(client, { namespace: 'rcx' });
    const tags = await spreadOverMasters(cluster(), 6, (tag) => `rcx::${tagKey(tag)}`);
    const versions = new Map(tags.map((tag, index) => [tag, `v${index}`]));
    await writeTagVersions(storage, versions);

    const read = await readTagVersions(storage, [...tags, 'never-written']);

    expect(read).to.deep.equal([...versions.values(), undefined]);
  });

  it('serves a burst on a second store over a cluster client the first store is still connecting (discovering its slots)', async () => {
    const fresh = createCluster({ rootNodes: [...cluster().rootNodes] });
    fresh.on('error', () => undefined);
    try {
      const names = await spreadOverMasters(cluster(), 6, (name) => `second::${name}`);
      createRedisStorage(fresh, { namespace: 'first', timeoutMs: 10_000 });
      const discovering = fresh.isOpen && fresh.masters.length === 0;
      const second = createRedisStorage(fresh, { namespace: 'second', timeoutMs: 10_000 });

      await Promise.all(names.map((name) => second.set(name, name, 60_000)));

      expect(discovering).to.equal(true);
      expect(await second.getMany(names)).to.deep.equal(names);
    } finally {
      fresh.destroy();
    }
  });

  it('connects a cluster client passed in unconnected and serves a burst made before it is open', async () => {
    const fresh = createCluster({ rootNodes: [...cluster().rootNodes] });
    fresh.on('error', () => undefined);
    try {
      const names = await spreadOverMasters(cluster(), 6, (name) => `cold::${name}`);
      const wasOpen = fresh.isOpen;
      const storage = createRedisStorage(fresh, { namespace: 'cold', timeoutMs: 10_000 });

      await Promise.all(names.map((name) => storage.set(name, name, 60_000)));

      expect(wasOpen).to.equal(false);
      expect(fresh.isOpen).to.equal(true);
      expect(await storage.getMany(names)).to.deep.equal(names);
    } finally {
      fresh.destroy();
    }
  });
});
