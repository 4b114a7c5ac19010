import KeyvRedis, { createCluster } from '@keyv/redis';
import { expect } from 'chai';
import Keyv from 'keyv';
import { pollUntil } from './pollUntil';
import { describeRedisCluster, type RedisCluster } from './redisCluster';
import { redisCommand } from './redisCommand';

type ClusterClient = ReturnType<typeof createCluster>;

/** Index of the node whose port is `port`. */
function indexOf(cluster: RedisCluster, port: number): number {
  const index = cluster.nodes.findIndex((node) => node.port === port);
  if (index === -1) throw new Error(`no node on port ${port}`);
  return index;
}

describeRedisCluster(
  'a Redis Cluster with one replica per master',
  (cluster) => {
    it('starts three masters, each with a replica whose link is up', async () => {
      const roles = await Promise.all(cluster().nodes.map((_, index) => cluster().isMaster(index)));
      expect(roles.filter(Boolean)).to.have.length(3);
      expect((await cluster().clusterInfo(0)).cluster_known_nodes).to.equal('6');
    });

    it('promotes the replica, with the data, when its master is killed, and takes the old master back as a replica', async function () {
      this.timeout(90_000);
      const key = 'failover:promoted';
      const victimPort = await cluster().masterPortOf(key);
      await redisCommand(victimPort, ['SET', key, 'replicated']);
      await cluster().waitUntilReplicated();
      const victim = indexOf(cluster(), victimPort);
      await cluster().kill(victim);
      await cluster().waitUntilHealthy();
      const promotedPort = await cluster().masterPortOf(key);
      expect(promotedPort).to.not.equal(victimPort);
      expect(await redisCommand(promotedPort, ['GET', key])).to.equal('replicated');

      await cluster().restart(victim);
      await cluster().waitUntilHealthy();
      expect(await cluster().isMaster(victim)).to.equal(false);
      expect(await cluster().masterPortOf(key)).to.equal(promotedPort);
    });

    describe('seen through node-redis 5.12 (no offline queue)', () => {
      let client: ClusterClient;

      before(async () => {
        // Without an offline queue a command for an unreachable node fails at once instead of
        // waiting, so what the client can reach shows without timing anything.
        client = createCluster({ rootNodes: [...cluster().rootNodes], defaults: { disableOfflineQueue: true } });
        client.on('error', () => undefined);
        await client.connect();
      });

      after(() => client?.destroy());

      it('cannot reach the promoted replica while the dead master stays down, and finds it once the old master answers again', async function () {
        this.timeout(90_000);
        const key = 'failover:client';
        const other = 'failover:elsewhere';
        const victimPort = await cluster().masterPortOf(key);
        expect(await cluster().masterPortOf(other)).to.not.equal(victimPort);
        await client.set(key, 'before');
        await client.set(other, 'elsewhere');
        const victim = indexOf(cluster(), victimPort);
        await cluster().kill(victim);
        await cluster().waitUntilHealthy();
        const promotedPort = await cluster().masterPortOf(key);
        await redisCommand(promotedPort, ['SET', key, 'on the promoted replica']);

        // Every node reports the cluster healthy, yet the client still routes the slot to the dead
        // node: node-redis refreshes its slot map only on MOVED/ASK, never on a lost connection.
        const failure = await client.get(key).then(
          () => undefined,
          (error: Error) => error,
        );
        expect(failure?.message).to.match(/offline/i);
        expect(await client.get(other)).to.equal('elsewhere');

        await cluster().restart(victim);
        await cluster().waitUntilHealthy();
        // The old master, now a replica, answers MOVED: that makes the client rediscover the slots.
        await pollUntil(
          async () => {
            const value = await client.get(key);
            return value === 'on the promoted replica' || `read ${String(value)}`;
          },
          'the client reads the key from the promoted replica',
          30_000,
        );
      });
    });

    describe('seen through @keyv/redis 5.1.6 on a node-redis cluster client', () => {
      let client: ClusterClient;
      let keyv: Keyv;

      before(async () => {
        client = createCluster({ rootNodes: [...cluster().rootNodes] });
        client.on('error', () => undefined);
        await client.connect();
        keyv = new Keyv({
          store: new KeyvRedis(client, { namespace: 'kv', throwOnErrors: true }),
          namespace: 'kv',
          useKeyPrefix: false,
          throwOnErrors: true,
        });
      });

      after(() => client?.destroy());

      it('fails getMany with MOVED after a failover until a single-key command refreshes the slot map', async function () {
        this.timeout(90_000);
        const names = ['a', 'b', 'c', 'd', 'e', 'f'];
        await keyv.setMany(names.map((name) => ({ key: name, value: name })));
        await cluster().waitUntilReplicated();
        const victim = indexOf(cluster(), await cluster().masterPortOf('kv::a'));
        await cluster().kill(victim);
        await cluster().waitUntilHealthy();
        await cluster().restart(victim);
        await cluster().waitUntilHealthy();

        // getMany sends MGET straight to the node its stale slot map names (the old master, a
        // replica now), bypassing node-redis's MOVED handling: the whole call fails.
        const failure = await keyv.getMany(names).then(
          () => undefined,
          (error: Error) => error,
        );
        expect(failure?.message).to.match(/^MOVED/);
        // A routed single-key command follows the MOVED and makes the client rediscover the slots.
        expect(await keyv.get('a')).to.equal('a');
        expect(await keyv.getMany(names)).to.deep.equal(names);
      });
    });
  },
  { replicasPerMaster: 1 },
);
