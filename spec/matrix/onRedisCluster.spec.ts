import { createCluster } from '@keyv/redis';
import { expect } from 'chai';
import { Body, Get, HttpCode, JsonController, Param, Patch, Post } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { invalidates, invalidateTags } from '../../src/cache/invalidates';
import { tagKey } from '../../src/cache/tagVersions';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { etag } from '../../src/etag/etag';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { RedisLock } from '../../src/locks/RedisLock';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import { Latch, until } from '../helpers/latch';
import { describeRedisCluster, type RedisCluster } from '../helpers/redisCluster';
import { redisCommand } from '../helpers/redisCommand';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

// The cache, ETag and idempotency behaviour with caches.default = createRedisStorage(cluster)
// and locks.default = new RedisLock(cluster), on a real 3-master Redis Cluster.

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
const towns: Record<string, string> = {};
let latch = new Latch();

@JsonController('/cl')
class ClusterController {
  @Get('/plain/:id')
  @cacheResponse({ ttl: 60_000, lock: 'default' })
  plain(@Param('id') id: string) {
    return { id, run: count('plain') };
  }

  @Get('/things/:id')
  @cacheResponse({ ttl: 60_000, tags: ['thing:{id}', 'things'] })
  thing(@Param('id') id: string) {
    count(`thing:${id}`);
    return { id, run: runs[`thing:${id}`] };
  }

  @Patch('/things/:id')
  @invalidates(['thing:{id}'])
  touch(@Param('id') id: string) {
    return { touched: id };
  }

  @Get('/towns/:id')
  @etag({ tags: ['town:{id}'] })
  @cacheResponse({ ttl: 60_000, tags: ['town:{id}'] })
  town(@Param('id') id: string) {
    count('town');
    return { id, name: towns[id] ?? 'unnamed' };
  }

  @Patch('/towns/:id')
  @invalidates(['town:{id}'])
  rename(@Param('id') id: string, @Body() body: { name: string }) {
    towns[id] = body.name;
    return { id, name: body.name };
  }

  @Get('/slow')
  @cacheResponse({ ttl: 60_000, lock: 'default' })
  async slow() {
    const run = count('slow');
    await latch.promise;
    return { run };
  }

  @Post('/orders')
  @HttpCode(201)
  @idempotencyKey({ maxWaitMs: 20_000 })
  async order(@Body() body: unknown) {
    const run = count('order');
    await latch.promise;
    return { run, body };
  }
}

/** Every key on any master matching `pattern` (KEYS is fine on a test cluster this small). */
async function keysOnMasters(cluster: RedisCluster, pattern: string): Promise<string[]> {
  const replies = await Promise.all(cluster.nodes.map((node) => redisCommand(node.port, ['KEYS', pattern])));
  return replies.flatMap((reply) => (Array.isArray(reply) ? (reply as string[]) : []));
}

/** Ids `0, 1, …` until the version keys of the tags `thing:<id>` sit on all three masters. */
async function idsOverMasters(cluster: RedisCluster, namespace: string): Promise<{ ids: string[]; ports: number[] }> {
  const ids: string[] = [];
  const ports: number[] = [];
  for (let i = 0; new Set(ports).size < 3; i += 1) {
    if (i > 1000) throw new Error('no tags found on every master');
    ids.push(String(i));
    ports.push(await cluster.masterPortOf(`${namespace}::${tagKey(`tag:thing:${i}`)}`));
  }
  return { ids, ports };
}

const keyed = (key: string, body: unknown = { amount: 1 }) => ({ method: 'POST', headers: { 'idempotency-key': key }, body });

describeRedisCluster('cache, ETags and idempotency on a 3-master Redis Cluster', (cluster) => {
  let client: ReturnType<typeof createCluster>;

  before(async () => {
    client = createCluster({ rootNodes: [...cluster().rootNodes] });
    client.on('error', () => undefined);
    await client.connect();
  });

  after(() => {
    resetExtensions();
    client?.destroy();
  });

  for (const driver of DRIVERS) {
    describe(`${driver}: caches.default = createRedisStorage(cluster), locks.default = new RedisLock(cluster)`, () => {
      const namespace = `cl-${driver}`;
      const lockPrefix = `cl-${driver}:lock:`;
      let server: TestServer;

      const configure = () =>
        configureExtensions({
          caches: { default: createRedisStorage(client, { namespace }) },
          locks: { default: new RedisLock(client, { prefix: lockPrefix }) },
          idempotency: { cache: 'default' },
        });

      before(async () => {
        resetExtensions();
        configure();
        server = await startServer(driver, { controllers: [ClusterController] });
      });
      after(() => server.close());
      beforeEach(() => {
        for (const name of Object.keys(runs)) delete runs[name];
        latch = new Latch();
      });
      afterEach(() => latch.open());

      it('answers a miss, then a hit from the entry stored on the cluster', async () => {
        const miss = await server.send('/cl/plain/1');
        const hit = await server.send('/cl/plain/1');

        expect(miss.headers['cache-status']).to.match(/fwd=uri-miss/);
        expect(hit.headers['cache-status']).to.match(/; hit; ttl=\d+/);
        expect(hit.json()).to.deep.equal({ id: '1', run: 1 });
        expect(runs.plain).to.equal(1);
        expect(await keysOnMasters(cluster(), `${namespace}::rcx:response:*`)).to.have.length.greaterThan(0);
      });

      it('drops entries through @invalidates and invalidateTags with tag versions on all three masters', async () => {
        const { ids, ports } = await idsOverMasters(cluster(), namespace);
        // One after another: concurrent first misses would each give the shared tag 'things' a version.
        const fetchAll = async () => {
          for (const id of ids) await server.send(`/cl/things/${id}`);
        };
        const runsOf = () => ids.map((id) => runs[`thing:${id}`]);
        await fetchAll();
        await fetchAll();
        const stored = await Promise.all(
          ids.map((id, index) => redisCommand(ports[index], ['EXISTS', `${namespace}::${tagKey(`tag:thing:${id}`)}`])),
        );
        expect(stored, 'each tag version on the master the cluster names').to.deep.equal(ids.map(() => 1));
        expect(runsOf()).to.deep.equal(ids.map(() => 1));

        await server.send(`/cl/things/${ids[0]}`, { method: 'PATCH' });
        await fetchAll();
        expect(runsOf()).to.deep.equal(ids.map((_, index) => (index === 0 ? 2 : 1)));

        await invalidateTags(['things']);
        await fetchAll();
        expect(runsOf()).to.deep.equal(ids.map((_, index) => (index === 0 ? 3 : 2)));
      });

      it('answers 304 to the ETag built from tag versions, and 200 with a new ETag after an invalidation', async () => {
        const first = await server.send('/cl/towns/7');
        const tag = String(first.headers.etag);
        const unchanged = await server.send('/cl/towns/7', { headers: { 'if-none-match': tag } });
        await server.send('/cl/towns/7', { method: 'PATCH', body: { name: 'Porto' } });
        const changed = await server.send('/cl/towns/7', { headers: { 'if-none-match': tag } });

        expect(first.status).to.equal(200);
        expect(unchanged.status).to.equal(304);
        expect(changed.status).to.equal(200);
        expect(changed.json()).to.deep.equal({ id: '7', name: 'Porto' });
        expect(changed.headers.etag).to.be.a('string').and.not.equal(tag);
      });

      it('runs the action once for 50 concurrent misses held on a latch, holding the fill lock on the cluster meanwhile', async () => {
        const responses = Array.from({ length: 50 }, () => server.send('/cl/slow'));
        await until(() => runs.slow === 1, 'the first miss reached the action');
        const fillLocks = await keysOnMasters(cluster(), `${lockPrefix}{rcx:fill:*}:lock`);
        latch.open();
        const all = await Promise.all(responses);

        expect(fillLocks).to.have.length(1);
        expect(runs.slow).to.equal(1);
        expect(new Set(all.map((response) => `${response.status} ${response.text}`)).size).to.equal(1);
        expect(await keysOnMasters(cluster(), `${lockPrefix}{rcx:fill:*}:lock`)).to.deep.equal([]);
      });

      it('replays a completed request from its record on the cluster, also to a store configured anew', async () => {
        latch.open();
        const first = await server.send('/cl/orders', keyed('replay-1'));
        const second = await server.send('/cl/orders', keyed('replay-1'));
        // A new store object has no process-local copy of completed records: the replay reads the cluster.
        configure();
        const third = await server.send('/cl/orders', keyed('replay-1'));

        expect([first.status, second.status, third.status]).to.deep.equal([201, 201, 201]);
        expect(runs.order).to.equal(1);
        expect([second.headers['idempotent-replayed'], third.headers['idempotent-replayed']]).to.deep.equal(['true', 'true']);
        expect(third.body.equals(first.body)).to.equal(true);
        expect(await keysOnMasters(cluster(), `${namespace}::rcx:idem:*`)).to.have.length(1);
      });

      it('runs 20 concurrent duplicates held on a latch once, and replays that outcome to the other 19', async () => {
        const responses = Array.from({ length: 20 }, () => server.send('/cl/orders', keyed('duplicate-1', { amount: 2 })));
        await until(() => runs.order === 1, 'the owner runs');
        latch.open();
        const all = await Promise.all(responses);

        expect(runs.order).to.equal(1);
        expect(new Set(all.map((response) => `${response.status} ${response.text}`)).size).to.equal(1);
        expect(all.filter((response) => response.headers['idempotent-replayed'] === 'true')).to.have.length(19);
      });
    });
  }
});
