import { randomBytes } from 'node:crypto';
import KeyvRedis, { createClient } from '@keyv/redis';
import { expect } from 'chai';
import Keyv from 'keyv';
import { InvalidOptionError, StorageError } from '../../src/errors';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import { KeyvStorage } from '../../src/storage/KeyvStorage';
import type { Storage } from '../../src/storage/Storage';
import { until } from '../helpers/latch';
import { describeRedis } from '../helpers/redisServer';
import { startTcpProxy } from '../helpers/tcpProxy';

type Client = ReturnType<typeof createClient>;

async function everyCall(storage: Storage): Promise<unknown[]> {
  return Promise.all([
    storage.get('k').then(
      (value) => ({ value }),
      (error: unknown) => error,
    ),
    storage.getMany(['k', 'j']).then(
      (value) => ({ value }),
      (error: unknown) => error,
    ),
    storage.set('k', 'v', 10_000).then(
      () => 'written',
      (error: unknown) => error,
    ),
    storage.delete('k').then(
      (value) => ({ value }),
      (error: unknown) => error,
    ),
  ]);
}

describeRedis('createRedisStorage', (server) => {
  let raw: Client;
  const namespace = `rcx-test-${randomBytes(4).toString('hex')}`;

  before(async () => {
    raw = createClient({ url: server().url });
    raw.on('error', () => undefined);
    await raw.connect();
  });

  after(() => raw.destroy());

  it('applies the namespace once: <namespace>::<key>', async () => {
    const storage = createRedisStorage(server().url, { namespace });

    await storage.set('k1', { n: 1 }, 60_000);

    expect(await raw.keys(`${namespace}*`)).to.deep.equal([`${namespace}::k1`]);
    expect(await storage.get('k1')).to.deep.equal({ n: 1 });
    expect(await raw.pTTL(`${namespace}::k1`)).to.be.within(1, 60_000);
    await storage.keyv.disconnect();
  });

  it('builds on an existing node-redis client and on an @keyv/redis store', async () => {
    const viaClient = createRedisStorage(raw, { namespace: `${namespace}-c` });
    const viaStore = createRedisStorage(new KeyvRedis(raw, { namespace: `${namespace}-s` }));

    await viaClient.set('k', 'c');
    await viaStore.set('k', 's');

    expect(await raw.get(`${namespace}-c::k`)).to.be.a('string');
    expect(await raw.get(`${namespace}-s::k`)).to.be.a('string');
    expect([await viaClient.get('k'), await viaStore.get('k')]).to.deep.equal(['c', 's']);
    expect(viaClient.scope).to.equal('cluster');
  });

  it('answers a burst of calls made before the first connection from a URL is ready, none failing', async () => {
    const proxy = await startTcpProxy(server().port);
    proxy.cut();
    const storage = createRedisStorage(proxy.url, { namespace: `${namespace}-cold`, timeoutMs: 20_000 });
    const client = (storage.keyv.store as KeyvRedis<unknown>).client as Client;
    await until(() => proxy.accepted >= 1, 'the store opened its socket');
    const burst = Array.from({ length: 30 }, (_, index) =>
      index % 2 === 0 ? storage.set(`k${index}`, index, 60_000) : storage.get(`k${index - 1}`),
    );
    const openButNotReady = client.isOpen && !client.isReady;
    proxy.restore();
    const results = await Promise.allSettled(burst);

    expect(openButNotReady).to.equal(true);
    expect(results.filter((result) => result.status === 'rejected')).to.deep.equal([]);
    client.destroy();
    await proxy.close();
  });

  it('fails calls within timeoutMs while Redis never answers the first connection', async () => {
    const proxy = await startTcpProxy(server().port);
    proxy.cut();
    const storage = createRedisStorage(proxy.url, { namespace: `${namespace}-never`, timeoutMs: 300 });

    const outcomes = await everyCall(storage);

    for (const outcome of outcomes) expect(outcome).to.be.instanceOf(StorageError);
    ((storage.keyv.store as KeyvRedis<unknown>).client as Client).destroy();
    await proxy.close();
  });

  describe('with Redis stopped mid-test', () => {
    it('answers every call with a StorageError within its timeout, for each way of building the store, and works again after a restart', async function () {
      if (!server().owned) this.skip();
      const listening = new Keyv(new KeyvRedis(server().url), { namespace, useKeyPrefix: false });
      listening.on('error', () => undefined);
      const storages: Storage[] = [
        createRedisStorage(server().url, { namespace, timeoutMs: 500 }),
        new KeyvStorage(new Keyv(new KeyvRedis(server().url), { namespace, useKeyPrefix: false }), { timeoutMs: 500 }),
        new KeyvStorage(listening, { timeoutMs: 500 }),
      ];
      for (const storage of storages) await storage.set('k', 'before', 60_000);

      await server().stop();
      const outcomes = await Promise.all(storages.map(everyCall));
      await server().restart();
      const clients = storages.map((storage) => ((storage as KeyvStorage).keyv.store as KeyvRedis<unknown>).client as Client);
      await until(() => clients.every((client) => client.isReady), 'every store reconnected');
      await storages[0].set('k', 'after', 60_000);
      const after = await Promise.all(storages.map((storage) => storage.get('k')));

      for (const results of outcomes) for (const result of results) expect(result).to.be.instanceOf(StorageError);
      expect(after).to.deep.equal(['after', 'after', 'after']);
      await Promise.all(storages.map((storage) => (storage as KeyvStorage).keyv.disconnect()));
    });
  });

  it('rejects a missing target and an empty namespace with InvalidOptionError', () => {
    expect(() => createRedisStorage(42 as never)).to.throw(InvalidOptionError, /createRedisStorage: option target/);
    expect(() => createRedisStorage(server().url, { namespace: '' })).to.throw(InvalidOptionError, /namespace/);
  });
});
