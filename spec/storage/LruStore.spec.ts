import { expect } from 'chai';
import Keyv from 'keyv';
import { InvalidOptionError } from '../../src/errors';
import { LruStore } from '../../src/storage/LruStore';

describe('LruStore', () => {
  it('never holds more bytes or entries than its caps while many large entries are written', async () => {
    const store = new LruStore({ maxEntries: 50, maxBytes: 100_000 });
    let mostBytes = 0;
    let mostEntries = 0;

    for (let index = 0; index < 500; index += 1) {
      await store.set(`k${index}`, 'x'.repeat(1_000 + (index % 7) * 3_000));
      mostBytes = Math.max(mostBytes, store.bytes);
      mostEntries = Math.max(mostEntries, store.size);
    }

    expect(mostBytes).to.be.at.most(100_000);
    expect(mostEntries).to.be.at.most(50);
    expect(await store.get('k499')).to.have.length(1_000 + (499 % 7) * 3_000);
  });

  it('evicts the least recently used entry, a read counting as a use', async () => {
    const store = new LruStore({ maxEntries: 3 });
    await store.set('a', '1');
    await store.set('b', '2');
    await store.set('c', '3');

    await store.get('a');
    await store.set('d', '4');

    expect(await store.get('b')).to.equal(undefined);
    expect(await store.getMany(['a', 'c', 'd'])).to.deep.equal(['1', '3', '4']);
  });

  it('counts multi-byte characters as their UTF-8 size', async () => {
    const store = new LruStore();

    await store.set('k', 'é'.repeat(100));

    expect(store.bytes).to.equal(64 + 1 + 200);
  });

  it('expires an entry once its ttl has passed on the injected clock', async () => {
    let now = 1_000;
    const store = new LruStore({ now: () => now });
    await store.set('k', 'v', 500);

    now = 1_499;
    const before = await store.get('k');
    now = 1_500;
    const after = await store.get('k');

    expect(before).to.equal('v');
    expect(after).to.equal(undefined);
    expect(store.bytes).to.equal(0);
  });

  it('refuses an entry larger than maxBytes and keeps the others', async () => {
    const store = new LruStore({ maxBytes: 1_000 });
    await store.set('small', 'ok');

    const stored = await store.set('huge', 'x'.repeat(2_000));

    expect(stored).to.equal(false);
    expect(await store.get('small')).to.equal('ok');
  });

  it('replaces an entry without counting it twice', async () => {
    const store = new LruStore();
    await store.set('k', 'x'.repeat(100));

    await store.set('k', 'x'.repeat(10));

    expect(store.size).to.equal(1);
    expect(store.bytes).to.equal(64 + 1 + 10);
  });

  it('works as a keyv store, clearing only its namespace', async () => {
    const store = new LruStore();
    const keyv = new Keyv({ store, namespace: 'a' });
    await keyv.set('k', { n: 1 }, 60_000);
    await store.set('b:other', 'kept');

    const value = await keyv.get('k');
    await keyv.clear();

    expect(value).to.deep.equal({ n: 1 });
    expect(await keyv.get('k')).to.equal(undefined);
    expect(await store.get('b:other')).to.equal('kept');
  });

  it('rejects a non-positive cap with InvalidOptionError', () => {
    expect(() => new LruStore({ maxEntries: 0 })).to.throw(InvalidOptionError, /LruStore: option maxEntries/);
    expect(() => new LruStore({ maxBytes: -1 })).to.throw(InvalidOptionError, /maxBytes/);
  });
});
