import { createCluster } from '@keyv/redis';
import { expect } from 'chai';
import { readTagVersions, tagKey, writeTagVersions } from '../../src/cache/tagVersions';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import { describeRedisCluster, type RedisCluster } from '../helpers/redisCluster';
import { redisCommand } from '../helpers/redisCommand';
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
  let storage: ReturnType<typeof createRedisStorage>;

  before(async () => {
    client = createCluster({ rootNodes: [...cluster().rootNodes] });
    client.on('error', () => undefined);
    await client.connect();
    // One store per client: each adds its listeners to the client.
    storage = createRedisStorage(client, { namespace: 'contract' });
  });

  after(() => client?.destroy());

  storageContract(() => ({ storage }));

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
