import { expect } from 'chai';
import Keyv from 'keyv';
import { InvalidOptionError, StorageError } from '../../src/errors';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { KeyvStorage } from '../../src/storage/KeyvStorage';
import { LruStore } from '../../src/storage/LruStore';
import { FaultyStore, type Fault } from './FaultyStore';

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => error,
  );
}

describe('KeyvStorage', () => {
  it('stores, reads, reads many and deletes through keyv', async () => {
    const storage = new KeyvStorage(new Keyv());

    await storage.set('a', { n: 1 }, 60_000);
    await storage.set('b', 'two');

    expect(await storage.get('a')).to.deep.equal({ n: 1 });
    expect(await storage.getMany(['a', 'missing', 'b'])).to.deep.equal([{ n: 1 }, undefined, 'two']);
    expect(await storage.delete('a')).to.equal(true);
    expect(await storage.get('a')).to.equal(undefined);
  });

  for (const fault of ['swallow', 'throw', 'hang'] as Fault[]) {
    for (const listener of [false, true]) {
      it(`turns every call into a StorageError when the store's fault is "${fault}"${listener ? ' and the app listens to error events' : ''}`, async () => {
        const store = new FaultyStore();
        const keyv = new Keyv({ store });
        if (listener) keyv.on('error', () => undefined);
        const storage = new KeyvStorage(keyv, { timeoutMs: 50 });
        await storage.set('k', 'v');
        store.fault = fault;

        const results = await Promise.all([
          outcome(storage.get('k')),
          outcome(storage.getMany(['k', 'other'])),
          outcome(storage.set('k', 'w')),
          outcome(storage.delete('k')),
        ]);

        for (const result of results) expect(result).to.be.instanceOf(StorageError);
        store.fault = 'none';
        expect(await storage.get('k')).to.equal('v');
      });
    }
  }

  it('names the operation and keeps the cause', async () => {
    const store = new FaultyStore();
    const storage = new KeyvStorage(new Keyv({ store }));
    store.fault = 'throw';

    const error = (await outcome(storage.get('k'))) as StorageError;

    expect(error.operation).to.equal('get');
    expect((error.cause as Error).message).to.equal('disk on fire');
  });

  it('fails a write the store answers with false', async () => {
    const store = new FaultyStore();
    store.fault = 'refuse';

    const error = await outcome(new KeyvStorage(new Keyv({ store })).set('k', 'v'));

    expect(error).to.be.instanceOf(StorageError);
  });

  it('fails a read of an undecodable value instead of calling it a miss', async () => {
    const store = new FaultyStore();
    const storage = new KeyvStorage(new Keyv({ store }));
    store.data.set('keyv:k', '{not json');

    expect(await outcome(storage.get('k'))).to.be.instanceOf(StorageError);
  });

  it('honours a per-call timeout over its own', async () => {
    const store = new FaultyStore();
    const storage = new KeyvStorage(new Keyv({ store }), { timeoutMs: 60_000 });
    store.fault = 'hang';

    const error = (await outcome(storage.get('k', { timeoutMs: 20 }))) as StorageError;

    expect(error).to.be.instanceOf(StorageError);
    expect(error.message).to.match(/no answer within 20 ms/);
  });

  it("leaves the app's Keyv as it was", async () => {
    const keyv = new Keyv({ store: new FaultyStore() });

    new KeyvStorage(keyv);

    expect(keyv.throwOnErrors).to.equal(false);
  });

  it("uses the same namespace and prefix as the app's Keyv", async () => {
    const store = new LruStore();
    const keyv = new Keyv({ store, namespace: 'app' });
    await keyv.set('k', 'from the app');

    const storage = new KeyvStorage(keyv);

    expect(await storage.get('k')).to.equal('from the app');
  });

  it('detects process scope for Map and LruStore stores, cluster otherwise, and accepts an explicit scope', () => {
    expect(new KeyvStorage(new Keyv()).scope).to.equal('process');
    expect(new MemoryStorage().scope).to.equal('process');
    expect(new KeyvStorage(new Keyv({ store: new FaultyStore() })).scope).to.equal('cluster');
    expect(new KeyvStorage(new Keyv({ store: new FaultyStore() }), { scope: 'host' }).scope).to.equal('host');
  });

  it('rejects a bad timeout, a bad scope and a non-Keyv with InvalidOptionError', () => {
    expect(() => new KeyvStorage(new Keyv(), { timeoutMs: 0 })).to.throw(InvalidOptionError, /KeyvStorage: option timeoutMs/);
    expect(() => new KeyvStorage(new Keyv(), { scope: 'planet' as never })).to.throw(InvalidOptionError, /scope/);
    expect(() => new KeyvStorage({} as never)).to.throw(InvalidOptionError, /keyv/);
  });
});

describe('MemoryStorage', () => {
  it('round-trips Buffers and expires entries after their ttl', async () => {
    let now = 0;
    const storage = new MemoryStorage({ now: () => now });

    await storage.set('body', Buffer.from('exact bytes'), 1_000);
    const hit = await storage.get<Buffer>('body');
    now = 1_000;
    const miss = await storage.get('body');

    expect(Buffer.isBuffer(hit) && hit.toString()).to.equal('exact bytes');
    expect(miss).to.equal(undefined);
  });

  it('hands out a copy, never the stored object', async () => {
    const storage = new MemoryStorage();
    const value = { list: [1] };
    await storage.set('k', value);

    value.list.push(2);
    const read = await storage.get<{ list: number[] }>('k');
    read!.list.push(3);

    expect(await storage.get('k')).to.deep.equal({ list: [1] });
  });
});
