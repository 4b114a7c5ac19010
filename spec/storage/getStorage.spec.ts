import { expect } from 'chai';
import Keyv from 'keyv';
import { InvalidOptionError } from '../../src/errors';
import { configureExtensions, getExtensionsSettings, resetExtensions } from '../../src/settings';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage';
import { getStorage, toStorage } from '../../src/storage/getStorage';
import { KeyvStorage } from '../../src/storage/KeyvStorage';

describe('getStorage', () => {
  afterEach(() => resetExtensions());

  it('resolves the default bounded in-memory store when nothing is configured', async () => {
    const storage = getStorage('default', '@cacheResponse');

    await storage.set('k', 'v');

    expect(storage.scope).to.equal('process');
    expect(await storage.get('k')).to.equal('v');
  });

  it('merges configured caches by name, keeping the default', () => {
    const special = new Keyv();

    configureExtensions({ caches: { special } });

    expect(Object.keys(getExtensionsSettings().caches)).to.deep.equal(['default', 'special']);
    expect((getStorage('special', '@cacheResponse') as KeyvStorage).keyv).to.equal(special);
  });

  it('wraps one Keyv once, so every lookup gets the same Storage', () => {
    const keyv = new Keyv();
    configureExtensions({ caches: { special: keyv } });

    expect(getStorage('special', 'x')).to.equal(getStorage('special', 'y'));
    expect(toStorage(keyv, 'z')).to.equal(getStorage('special', 'x'));
  });

  it('returns a configured Storage as it is', () => {
    const storage = createMemoryStorage();
    configureExtensions({ caches: { default: storage } });

    expect(getStorage('default', '@cacheResponse')).to.equal(storage);
  });

  it('throws InvalidOptionError naming the owner and the configured caches for an unknown name', () => {
    expect(() => getStorage('missing', '@cacheResponse')).to.throw(InvalidOptionError, /@cacheResponse: option cache must be one of the configured caches \("default"\), got "missing"/);
  });

  it('rejects a cache that is neither a Keyv nor a Storage, and a caches value that is no plain object', () => {
    expect(() => configureExtensions({ caches: { bad: 42 as never } })).to.throw(InvalidOptionError, /configureExtensions: option caches\.bad/);
    expect(() => configureExtensions({ caches: new Keyv() as never })).to.throw(InvalidOptionError, /option caches must be a plain object/);
  });

  it('rejects a defaultUseCache that names no configured cache', () => {
    expect(() => configureExtensions({ defaultUseCache: 'nowhere' })).to.throw(InvalidOptionError, /defaultUseCache/);
  });
});
