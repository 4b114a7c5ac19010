import { expect } from 'chai';
import Keyv from 'keyv';
import { InvalidOptionError } from '../../src/errors';
import { configureExtensions, getExtensionsSettings, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { resolveStorage, toStorage } from '../../src/storage/Storage';
import { type KeyvStorage } from '../../src/storage/KeyvStorage';

describe('resolveStorage', () => {
  afterEach(() => resetExtensions());

  it('resolves the default bounded in-memory store when nothing is configured', async () => {
    const storage = resolveStorage(getExtensionsSettings().caches, 'default', '@cacheResponse');

    await storage.set('k', 'v');

    expect(storage.scope).to.equal('process');
    expect(await storage.get('k')).to.equal('v');
  });

  it('merges configured caches by name, keeping the default', () => {
    const special = new Keyv();

    configureExtensions({ caches: { special } });

    expect(Object.keys(getExtensionsSettings().caches)).to.deep.equal(['default', 'special']);
    expect((resolveStorage(getExtensionsSettings().caches, 'special', '@cacheResponse') as KeyvStorage).keyv).to.equal(special);
  });

  it('wraps one Keyv once, so every lookup gets the same Storage', () => {
    const keyv = new Keyv();
    configureExtensions({ caches: { special: keyv } });

    expect(resolveStorage(getExtensionsSettings().caches, 'special', 'x')).to.equal(
      resolveStorage(getExtensionsSettings().caches, 'special', 'y'),
    );
    expect(toStorage(keyv, 'z')).to.equal(resolveStorage(getExtensionsSettings().caches, 'special', 'x'));
  });

  it('returns a configured Storage as it is', () => {
    const storage = new MemoryStorage();
    configureExtensions({ caches: { default: storage } });

    expect(resolveStorage(getExtensionsSettings().caches, 'default', '@cacheResponse')).to.equal(storage);
  });

  it('throws InvalidOptionError naming the owner and the configured caches for an unknown name', () => {
    expect(() => resolveStorage(getExtensionsSettings().caches, 'missing', '@cacheResponse')).to.throw(
      InvalidOptionError,
      /@cacheResponse: option cache must be one of the configured caches \("default"\), got "missing"/,
    );
  });

  it('rejects a cache that is neither a Keyv nor a Storage, and a caches value that is no plain object', () => {
    expect(() => configureExtensions({ caches: { bad: 42 as never } })).to.throw(
      InvalidOptionError,
      /configureExtensions: option caches\.bad/,
    );
    expect(() => configureExtensions({ caches: new Keyv() as never })).to.throw(InvalidOptionError, /option caches must be a plain object/);
  });

  it('rejects a defaultUseCache that names no configured cache', () => {
    expect(() => configureExtensions({ defaultUseCache: 'nowhere' })).to.throw(InvalidOptionError, /defaultUseCache/);
  });
});
