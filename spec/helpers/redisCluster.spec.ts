import { createCluster } from '@keyv/redis';
import { expect } from 'chai';
import { pollUntil } from './pollUntil';
import { describeRedisCluster, type RedisCluster } from './redisCluster';
import { redisCommand } from './redisCommand';

type ClusterClient = ReturnType<typeof createCluster>;

/** One key per master, found by asking the cluster which master serves each candidate. */
async function keyOnEachMaster(cluster: RedisCluster, prefix: string): Promise<Map<number, string>> {
  const masters = new Map<number, string>();
  for (let i = 0; masters.size < 3; i += 1) {
    if (i > 1000) throw new Error('no key found for every master');
    const key = `${prefix}:${i}`;
    const port = await cluster.masterPortOf(key);
    if (!masters.has(port)) masters.set(port, key);
  }
  return masters;
}

describeRedisCluster('a three-master Redis Cluster started by the test run', (cluster) => {
  let client: ClusterClient;

  before(async () => {
    client = createCluster({ rootNodes: [...cluster().rootNodes] });
    // node-redis re-throws an unobserved 'error' event, which would end the run when a node dies.
    client.on('error', () => undefined);
    await client.connect();
  });

  after(() => client?.destroy());

  it('starts with all 16384 slots served by three masters, on every node', async () => {
    for (const [index, node] of cluster().nodes.entries()) {
      expect(node.pid).to.be.greaterThan(0);
      const info = await cluster().clusterInfo(index);
      expect(info).to.include({ cluster_state: 'ok', cluster_slots_ok: '16384', cluster_size: '3', cluster_known_nodes: '3' });
    }
  });

  it('stores keys that land on three different masters and reads each back through the cluster client', async () => {
    const keys = await keyOnEachMaster(cluster(), 'spread');
    expect([...keys.keys()]).to.have.members(cluster().nodes.map((node) => node.port));
    for (const [port, key] of keys) {
      await client.set(key, `value of ${key}`);
      expect(await client.get(key)).to.equal(`value of ${key}`);
      // Asked directly, the master the cluster names holds the key itself.
      expect(await redisCommand(port, ['GET', key])).to.equal(`value of ${key}`);
    }
  });

  it('refuses a multi-key command whose keys hash to different slots with CROSSSLOT', async () => {
    const keys = [...(await keyOnEachMaster(cluster(), 'cross')).values()];
    await client.set(keys[0], 'one');
    const failure = await client.mGet(keys).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).to.match(/^CROSSSLOT/);
  });

  it('runs the same multi-key commands when the keys share a {hash tag}', async () => {
    const keys = ['{order:17}:status', '{order:17}:total', '{order:17}:owner'];
    expect(new Set(await Promise.all(keys.map((key) => cluster().masterPortOf(key)))).size).to.equal(1);
    await client.mSet([
      [keys[0], 'paid'],
      [keys[1], '42'],
      [keys[2], 'ada'],
    ]);
    expect(await client.mGet(keys)).to.deep.equal(['paid', '42', 'ada']);
    expect(await client.del(keys)).to.equal(3);
  });

  it('runs a Lua script over two keys that share a hash tag, and refuses one over two slots', async () => {
    const script = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('INCRBY', KEYS[2], ARGV[2])";
    expect(await client.eval(script, { keys: ['{cart:9}:item', '{cart:9}:count'], arguments: ['book', '2'] })).to.equal(2);
    expect(await client.eval(script, { keys: ['{cart:9}:item', '{cart:9}:count'], arguments: ['pen', '3'] })).to.equal(5);
    expect(await client.get('{cart:9}:item')).to.equal('pen');
    const keys = [...(await keyOnEachMaster(cluster(), 'lua')).values()];
    const failure = await client.eval(script, { keys: keys.slice(0, 2), arguments: ['x', '1'] }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).to.match(/^CROSSSLOT/);
  });

  describe('when a master is killed and restarted', () => {
    let victim: number;
    let survivor: number;
    let keys: Map<number, string>;

    before(async () => {
      keys = await keyOnEachMaster(cluster(), 'restart');
      [victim, survivor] = [1, 0];
      for (const key of keys.values()) await client.set(key, 'before the kill');
    });

    it('reports the cluster down while the master is gone and healthy once it is back on its port', async function () {
      this.timeout(90_000);
      const { port } = cluster().nodes[victim];
      const pidBefore = cluster().nodes[victim].pid;
      await cluster().kill(victim);
      expect(cluster().nodes[victim].running).to.equal(false);
      await pollUntil(
        async () => {
          const state = (await cluster().clusterInfo(survivor)).cluster_state;
          return state === 'fail' || `cluster_state:${state}`;
        },
        'a surviving master sees the cluster fail',
        30_000,
      );
      // With a slot range uncovered, a live master refuses even its own keys.
      const refused = await client.get(keys.get(cluster().nodes[survivor].port) as string).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(refused?.message).to.match(/^CLUSTERDOWN/);

      await cluster().restart(victim);
      await cluster().waitUntilHealthy();
      expect(cluster().nodes[victim].pid).to.be.greaterThan(0).and.not.equal(pidBefore);
      // Same nodes.conf: it rejoined as the same node, serving the same slots.
      expect(await cluster().isMaster(victim)).to.equal(true);
      expect(await cluster().masterPortOf(keys.get(port) as string)).to.equal(port);
    });

    it('serves the same client again, with the restarted master empty (no persistence)', async () => {
      const lost = keys.get(cluster().nodes[victim].port) as string;
      const kept = keys.get(cluster().nodes[survivor].port) as string;
      expect(await client.get(lost)).to.equal(null);
      expect(await client.get(kept)).to.equal('before the kill');
      await client.set(lost, 'after the restart');
      expect(await client.get(lost)).to.equal('after the restart');
    });
  });
});
