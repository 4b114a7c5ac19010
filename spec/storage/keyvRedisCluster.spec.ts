import KeyvRedis, { createCluster } from '@keyv/redis';
import { expect } from 'chai';
import Keyv from 'keyv';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import { describeRedisCluster, type RedisCluster } from '../helpers/redisCluster';
import { redisCommand, redisText } from '../helpers/redisCommand';

type ClusterClient = ReturnType<typeof createCluster>;

/**
 * At least `count` names `item-N` whose stored keys (`<namespace>::<name>`, or `stored(name)`)
 * land on all three masters between them.
 */
async function namesOnEachMaster(
  cluster: RedisCluster,
  namespace: string,
  count = 3,
  stored = (name: string) => `${namespace}::${name}`,
): Promise<string[]> {
  const ports = new Set<number>();
  const names: string[] = [];
  for (let i = 0; ports.size < 3 || names.length < count; i += 1) {
    const name = `item-${i}`;
    const port = await cluster.masterPortOf(stored(name));
    if (!ports.has(port) || names.length < count) {
      ports.add(port);
      names.push(name);
    }
  }
  return names;
}

/** Calls of `command` each master has served since the last `resetStats`. */
async function callsOf(cluster: RedisCluster, command: string): Promise<number[]> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const stats = await redisText(node.port, ['INFO', 'commandstats']);
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    }),
  );
}

async function resetStats(cluster: RedisCluster): Promise<void> {
  await Promise.all(cluster.nodes.map((node) => redisCommand(node.port, ['CONFIG', 'RESETSTAT'])));
}

describeRedisCluster('@keyv/redis 5.1.6 over a node-redis cluster client (keyv 5.6.0)', (cluster) => {
  let client: ClusterClient;
  let store: KeyvRedis<unknown>;
  let keyv: Keyv;

  before(async () => {
    client = createCluster({ rootNodes: [...cluster().rootNodes] });
    client.on('error', () => undefined);
    await client.connect();
    store = new KeyvRedis(client, { namespace: 'kv', throwOnErrors: true });
    keyv = new Keyv({ store, namespace: 'kv', useKeyPrefix: false, throwOnErrors: true });
  });

  after(() => client?.destroy());

  it('sets, reads and deletes one key on each master', async () => {
    const names = await namesOnEachMaster(cluster(), 'kv');
    for (const name of names) {
      expect(await keyv.set(name, { name })).to.equal(true);
      expect(await keyv.get(name)).to.deep.equal({ name });
      expect(await keyv.delete(name)).to.equal(true);
      expect(await keyv.get(name)).to.equal(undefined);
    }
  });

  it("reads keys on all three masters with one getMany, sending one MGET per slot to that slot's master", async () => {
    const names = await namesOnEachMaster(cluster(), 'kv', 8);
    for (const name of names) await keyv.set(name, `value ${name}`);
    const slots = new Set(await Promise.all(names.map((name) => cluster().slotOf(`kv::${name}`))));
    await resetStats(cluster());
    expect(await keyv.getMany([...names, 'absent'])).to.deep.equal([...names.map((name) => `value ${name}`), undefined]);
    const calls = await callsOf(cluster(), 'mget');
    expect(calls.filter((count) => count > 0)).to.have.length(3);
    // The absent key's slot is one more MGET (unless it shares a slot with a present key).
    expect(calls.reduce((sum, count) => sum + count, 0)).to.be.oneOf([slots.size, slots.size + 1]);
  });

  it('writes, checks and deletes keys on all three masters with setMany, hasMany and deleteMany, one MULTI per slot', async () => {
    const names = await namesOnEachMaster(cluster(), 'kv', 6);
    const slots = new Set(await Promise.all(names.map((name) => cluster().slotOf(`kv::${name}`))));
    await resetStats(cluster());
    await keyv.setMany(names.map((name) => ({ key: name, value: name.toUpperCase() })));
    expect((await callsOf(cluster(), 'exec')).reduce((sum, count) => sum + count, 0)).to.equal(slots.size);
    expect(await keyv.hasMany(names)).to.deep.equal(names.map(() => true));
    expect(await keyv.deleteMany(names)).to.equal(true);
    expect(await keyv.hasMany(names)).to.deep.equal(names.map(() => false));
  });

  it('keeps a {hash tag} inside the key effective under the "kv::" namespace prefix', async () => {
    const [slotA, slotB, tagSlot] = await Promise.all(['kv::{cart:7}:a', 'kv::{cart:7}:b', 'cart:7'].map((key) => cluster().slotOf(key)));
    expect(slotA).to.equal(tagSlot);
    expect(slotB).to.equal(tagSlot);
    await keyv.set('{cart:7}:a', 1);
    await keyv.set('{cart:7}:b', 2);
    // One slot, so a raw multi-key command over the stored keys works too.
    expect(await client.mGet(['kv::{cart:7}:a', 'kv::{cart:7}:b']))
      .to.have.length(2)
      .and.not.include(null);
  });

  it('sends every key to one slot, so one master, when the namespace itself carries a hash tag', async () => {
    const tagged = new Keyv({ store: new KeyvRedis(client, { namespace: '{kv}' }), namespace: '{kv}', useKeyPrefix: false });
    const names = Array.from({ length: 12 }, (_, i) => `item-${i}`);
    for (const name of names) await tagged.set(name, name);
    const ports = new Set(await Promise.all(names.map((name) => cluster().masterPortOf(`{kv}::${name}`))));
    expect(ports.size).to.equal(1);
    expect(await client.mGet(names.map((name) => `{kv}::${name}`)))
      .to.have.length(12)
      .and.not.include(null);
  });

  it("iterates the namespace's keys from every master", async () => {
    const itemStore = new KeyvRedis(client, { namespace: 'walk' });
    const walk = new Keyv({ store: itemStore, namespace: 'walk', useKeyPrefix: false });
    const names = await namesOnEachMaster(cluster(), 'walk', 6);
    for (const name of names) await walk.set(name, name);
    const seen: string[] = [];
    for await (const [key] of walk.iterator!(walk.namespace)) seen.push(key as string);
    expect(seen).to.have.members(names);
  });

  it("clears the namespace's keys on every master and leaves other keys alone", async () => {
    const clearStore = new KeyvRedis(client, { namespace: 'gone', throwOnErrors: true });
    const gone = new Keyv({ store: clearStore, namespace: 'gone', useKeyPrefix: false, throwOnErrors: true });
    const names = await namesOnEachMaster(cluster(), 'gone', 6);
    for (const name of names) await gone.set(name, name);
    await client.set('kept::x', '1');
    await client.set('kept-plain', '1');
    await gone.clear();
    expect(await gone.getMany(names)).to.deep.equal(names.map(() => undefined));
    expect(await client.get('kept::x')).to.equal('1');
    expect(await client.get('kept-plain')).to.equal('1');
  });

  it('clears, without a namespace, only the keys that have no "::" in them', async () => {
    const bare = new Keyv({ store: new KeyvRedis(client), useKeyPrefix: false });
    bare.namespace = undefined;
    const plain = (await namesOnEachMaster(cluster(), '', 3, (name) => `plain-${name}`)).map((name) => `plain-${name}`);
    for (const key of plain) await client.set(key, '1');
    await client.set('ns::kept', '1');
    await bare.clear();
    expect(await Promise.all(plain.map((key) => client.exists(key)))).to.deep.equal(plain.map(() => 0));
    expect(await client.get('ns::kept')).to.equal('1');
  });

  it('serves createRedisStorage, which hands the cluster client to KeyvRedis, across all masters', async () => {
    const storage = createRedisStorage(client, { namespace: 'rcx' });
    const names = await namesOnEachMaster(cluster(), 'rcx', 4);
    for (const name of names) await storage.set(name, { name }, 60_000);
    expect(await storage.getMany(names)).to.deep.equal(names.map((name) => ({ name })));
    expect(await storage.delete(names[0])).to.equal(true);
    expect(await storage.get(names[0])).to.equal(undefined);
  });
});
