import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Body, JsonController, Post } from 'routing-controllers';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError, StorageError } from '../../src/errors';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { RedisLock } from '../../src/locks/RedisLock';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import { NearCacheStorage, type InvalidationChannel } from '../../src/storage/NearCacheStorage';
import type { KeyvStorage } from '../../src/storage/KeyvStorage';
import type { Storage, StorageCallOptions } from '../../src/storage/Storage';
import { spawnChild, type Child } from '../helpers/children/spawnChild';
import { send } from '../helpers/http';
import { pollUntil } from '../helpers/pollUntil';
import { redisCommand, redisText } from '../helpers/redisCommand';
import { describeRedis } from '../helpers/redisServer';
import { DRIVERS, startServer } from '../helpers/servers';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy';
import { FakeClock } from '../locks/FakeClock';
import { readTagVersions } from '../../src/cache/tagVersions';
import { systemClock, type Clock } from '../../src/clock';
import { storageContract } from './storage.contract';

/** Calls of `command` the server has answered since the last CONFIG RESETSTAT. */
async function callsOf(port: number, command: string): Promise<number> {
  const stats = await redisText(port, ['INFO', 'commandstats']);
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

/** Reads (GET and MGET) the server has answered since the last CONFIG RESETSTAT. */
async function readsServed(port: number): Promise<number> {
  return (await callsOf(port, 'get')) + (await callsOf(port, 'mget'));
}

describeRedis('createRedisStorage with a near cache', (server) => {
  const opened: Array<NearCacheStorage<KeyvStorage>> = [];
  let namespace: string;
  let clock: FakeClock;

  function nearStorage(
    url = server().url,
    maxEntries = 100,
    maxStalenessMs = 1_000,
    onClock: Clock = clock,
  ): NearCacheStorage<KeyvStorage> {
    const storage = createRedisStorage(url, { namespace, nearCache: { maxEntries, maxStalenessMs, clock: onClock } });
    opened.push(storage);
    return storage;
  }

  async function subscribed(...storages: Array<NearCacheStorage<KeyvStorage>>): Promise<void> {
    await pollUntil(
      async () => storages.every((storage) => storage.channelHealthy) || 'not subscribed yet',
      'the near caches subscribed',
      10_000,
    );
  }

  beforeEach(() => {
    namespace = `near-${randomBytes(4).toString('hex')}`;
    clock = new FakeClock();
  });

  afterEach(async () => {
    for (const storage of opened.splice(0)) {
      await storage.close();
      await storage.shared.keyv.disconnect();
    }
  });

  describe('as a Storage', () => {
    // The contract's TTLs run on real time here, as Redis's do.
    storageContract(() => ({ storage: nearStorage(server().url, 100, 1_000, systemClock) }));
  });

  it('answers a repeated read from its copy, without a Redis call', async () => {
    const storage = nearStorage();
    await subscribed(storage);
    await storage.set('entry', 'body', 60_000);
    await storage.getMany(['entry', 'other']);
    await redisCommand(server().port, ['CONFIG', 'RESETSTAT']);

    for (let i = 0; i < 5; i++) expect(await storage.get('entry')).to.equal('body');

    expect(await readsServed(server().port)).to.equal(0);
  });

  it('drops its copy when another process writes the key, once the invalidation arrives', async () => {
    const [writer, reader] = [nearStorage(), nearStorage()];
    await subscribed(writer, reader);
    await writer.shared.set('city:1', 'v1', 60_000);
    expect(await reader.get('city:1')).to.equal('v1');
    expect(reader.nearSize, 'the reader holds a copy').to.equal(1);

    await writer.set('city:1', 'v2', 60_000);

    await pollUntil(async () => (await reader.get('city:1')) === 'v2' || 'still the old copy', 'the reader saw v2', 10_000);
  });

  it('drops its copy when another process deletes the key', async () => {
    const [writer, reader] = [nearStorage(), nearStorage()];
    await subscribed(writer, reader);
    await writer.shared.set('gone', 'v1', 60_000);
    expect(await reader.get('gone')).to.equal('v1');
    expect(reader.nearSize, 'the reader holds a copy').to.equal(1);

    await writer.delete('gone');

    await pollUntil(async () => (await reader.get('gone')) === undefined || 'still the old copy', 'the reader saw the delete', 10_000);
  });

  describe('with its invalidation channel cut', () => {
    let proxy: TcpProxy;

    beforeEach(async () => {
      proxy = await startTcpProxy(server().port);
    });

    afterEach(async () => {
      await proxy.close();
    });

    it('serves a copy younger than maxStalenessMs, serves none older, and drops every copy once the channel is back', async () => {
      const writer = nearStorage();
      const reader = nearStorage(proxy.url, 100, 1_000);
      await subscribed(writer, reader);
      // Written past the near caches (no invalidation message on its way that could drop the copy).
      await writer.shared.set('k', 'v1', 60_000);
      await writer.shared.set('k2', 'other', 60_000);
      expect(await reader.getMany(['k', 'k2'])).to.deep.equal(['v1', 'other']);
      expect(reader.nearSize).to.equal(2);

      proxy.cut('reset');
      await pollUntil(async () => !reader.channelHealthy || 'still healthy', 'the reader noticed the lost channel', 10_000);
      await writer.set('k', 'v2', 60_000);

      clock.advance(999);
      expect(await reader.get('k'), 'within the bound, the copy is served').to.equal('v1');
      clock.advance(1);
      const past = await reader.get('k').then(
        () => 'answered',
        (error: unknown) => error,
      );
      expect(past, 'past the bound, the copy is not served: the read goes to Redis, unreachable').to.be.instanceOf(StorageError);

      proxy.restore();
      await subscribed(reader);
      expect(reader.nearSize, 'every copy dropped once the channel is back').to.equal(0);
      expect(await reader.get('k')).to.equal('v2');
    });
  });

  it('serves a copy for at most maxStalenessMs while it has never heard the channel', async () => {
    const writer = nearStorage();
    const silent: InvalidationChannel = {
      publish: async () => 0,
      subscribe: () => new Promise<void>(() => undefined),
      onHealth: () => undefined,
      close: async () => undefined,
    };
    const reader = new NearCacheStorage(writer.shared, silent, { maxEntries: 10, maxStalenessMs: 500, clock });
    await writer.set('early', 'v1', 60_000);
    expect(await reader.get('early')).to.equal('v1');
    await writer.set('early', 'v2', 60_000);

    clock.advance(499);
    expect(await reader.get('early'), 'within the bound').to.equal('v1');
    clock.advance(1);
    expect(await reader.get('early'), 'past the bound, read from Redis').to.equal('v2');
  });

  it('keeps no copy from a read that was on the wire while this process deleted the key', async () => {
    const storage = nearStorage();
    await subscribed(storage);
    await storage.shared.set('raced', 'v1', 60_000);

    const read = storage.get('raced');
    await storage.delete('raced');
    await read;

    expect(await storage.get('raced')).to.equal(undefined);
  });

  it('reads tag versions past the near copy for a write request, so If-Match meets the current version', async () => {
    const storage = nearStorage();
    await subscribed(storage);
    await storage.shared.set('rcx:tag:path:/items/1', 'old', 60_000);
    expect(await readTagVersions(storage, ['path:/items/1'])).to.deep.equal(['old']);
    await storage.shared.set('rcx:tag:path:/items/1', 'new', 60_000);

    expect(await readTagVersions(storage, ['path:/items/1']), 'a GET may use the copy').to.deep.equal(['old']);
    expect(await readTagVersions(storage, ['path:/items/1'], { consistent: true })).to.deep.equal(['new']);
  });

  it('keeps at most maxEntries copies, dropping the least recently used', async () => {
    const storage = nearStorage(server().url, 3);
    await subscribed(storage);
    for (const key of ['a', 'b', 'c', 'd']) await storage.set(key, key, 60_000);
    expect(storage.nearSize).to.equal(3);
    await redisCommand(server().port, ['CONFIG', 'RESETSTAT']);

    expect(await storage.getMany(['b', 'c', 'd'])).to.deep.equal(['b', 'c', 'd']);
    expect(await readsServed(server().port), 'b, c and d are near').to.equal(0);
    expect(await storage.get('a')).to.equal('a');
    expect(await readsServed(server().port), 'a was dropped').to.equal(1);
    expect(storage.nearSize).to.equal(3);
  });

  it('reads and writes consistent calls (idempotency records) in Redis every time, keeping no copy', async () => {
    const storage = nearStorage();
    await subscribed(storage);
    await storage.set('record', { state: 'in_flight' }, 60_000, { consistent: true });
    await redisCommand(server().port, ['CONFIG', 'RESETSTAT']);

    await storage.get('record', { consistent: true });
    await storage.get('record', { consistent: true });
    await storage.get('record');

    expect(await readsServed(server().port)).to.equal(3);
  });

  it('fails when built with a bad nearCache option, naming it', () => {
    const build = (nearCache: unknown) => () =>
      createRedisStorage(server().url, { namespace, nearCache: nearCache as { maxEntries: number; maxStalenessMs: number } });
    expect(build({ maxEntries: 0, maxStalenessMs: 100 })).to.throw(InvalidOptionError, /nearCache\.maxEntries/);
    expect(build({ maxEntries: 10, maxStalenessMs: -1 })).to.throw(InvalidOptionError, /nearCache\.maxStalenessMs/);
    expect(build({ maxEntries: 1.5, maxStalenessMs: 100 })).to.throw(InvalidOptionError, /nearCache\.maxEntries/);
    expect(build('fast')).to.throw(InvalidOptionError, /nearCache/);
  });

  for (const driver of DRIVERS) {
    describe(`idempotency records through a near-cached store (${driver})`, () => {
      let runs = 0;

      @JsonController()
      class PaymentController {
        @Post('/payments')
        @idempotencyKey()
        pay(@Body() body: { amount: number }) {
          runs += 1;
          return { amount: body.amount, run: runs };
        }
      }

      afterEach(() => resetExtensions());

      it('reads and writes every record past the near copy, and replays a retry', async () => {
        const near = nearStorage();
        const calls: Array<{ key: string; consistent: boolean }> = [];
        const record = (key: string, options?: StorageCallOptions) => {
          if (key.startsWith('rcx:idem:')) calls.push({ key, consistent: options?.consistent === true });
        };
        const watched: Storage = {
          scope: near.scope,
          get: (key, options) => (record(key, options), near.get(key, options)),
          getMany: (keys, options) => (keys.forEach((key) => record(key, options)), near.getMany(keys, options)),
          set: (key, value, ttlMs, options) => (record(key, options), near.set(key, value, ttlMs, options)),
          delete: (key, options) => (record(key, options), near.delete(key, options)),
        };
        const lock = new RedisLock(server().url, { prefix: `${namespace}:lock:` });
        configureExtensions({ caches: { default: watched }, locks: { default: lock }, idempotency: { cache: 'default' } });
        const app = await startServer(driver, { controllers: [PaymentController] });
        try {
          const request = { method: 'POST', headers: { 'idempotency-key': `pay-${namespace}` }, body: { amount: 5 } };
          const first = await app.send('/payments', request);
          const retry = await app.send('/payments', request);
          expect(first.status).to.equal(200);
          expect(retry.headers['idempotent-replayed']).to.equal('true');
          expect(retry.json()).to.deep.equal(first.json());
          expect(calls.length).to.be.greaterThan(0);
          expect(calls.filter((call) => !call.consistent)).to.deep.equal([]);
        } finally {
          await app.close();
          lock.close();
        }
      });
    });
  }
});

describeRedis('@invalidates across processes with near caches', (server) => {
  const namespace = `near-procs-${randomBytes(4).toString('hex')}`;
  const children: Child[] = [];
  const urls: string[] = [];
  const nearCache = JSON.stringify({ maxEntries: 1000, maxStalenessMs: 60_000 });

  before(async function () {
    this.timeout(30_000);
    for (const driver of ['express', 'koa']) children.push(spawnChild('cacheApp.ts', [driver, server().url, namespace, nearCache]));
    for (const child of children) urls.push(`http://127.0.0.1:${(await child.nextMessage<{ port: number }>()).port}`);
  });

  after(async () => {
    for (const child of children) child.process.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
  });

  it('a PATCH in the Koa process makes the Express process miss (its near copy dropped), then hit the new entry', async () => {
    const [expressUrl, koaUrl] = urls;
    const get = async (url: string) =>
      (await send(url, '/items/7', { headers: { host: 'shop.example' } })).json<{ run: number; pid: number }>();
    const first = await get(expressUrl);
    expect((await get(expressUrl)).pid, 'a hit from the Express process').to.equal(first.pid);
    expect(await get(koaUrl), 'the Koa process shares the entry').to.deep.equal(first);

    expect((await send(koaUrl, '/items/7', { method: 'PATCH', headers: { host: 'shop.example' } })).status).to.equal(200);

    await pollUntil(
      async () => {
        const now = await get(expressUrl);
        return now.run !== first.run || now.pid !== first.pid || 'still the entry from before the PATCH';
      },
      'the Express process stopped serving the invalidated entry',
      10_000,
    );
  });
});
