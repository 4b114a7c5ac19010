import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Keyv from 'keyv';
import { InvalidOptionError } from '../../src/errors';
import { FileLock } from '../../src/locks/FileLock';
import { assertStoreLockPairing, resolveLock } from '../../src/locks/Lock';
import { InProcessLock } from '../../src/locks/InProcessLock';
import { RedisLock } from '../../src/locks/RedisLock';
import { configureExtensions, getExtensionsSettings, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { KeyvStorage } from '../../src/storage/KeyvStorage';
import { FaultyStore } from '../storage/FaultyStore';

describe('resolveLock', () => {
  afterEach(() => resetExtensions());

  it('resolves the default InProcessLock when nothing is configured', () => {
    expect(resolveLock(getExtensionsSettings().locks, 'default', '@idempotencyKey')).to.be.instanceOf(InProcessLock);
  });

  it('returns a Lock instance as it is', () => {
    const lock = new InProcessLock();

    expect(resolveLock(getExtensionsSettings().locks, lock, '@idempotencyKey')).to.equal(lock);
  });

  it('merges configured locks by name, keeping the default', () => {
    const files = new FileLock({ directory: join(tmpdir(), 'rcx-never-created') });

    configureExtensions({ locks: { files } });

    expect(Object.keys(getExtensionsSettings().locks)).to.deep.equal(['default', 'files']);
    expect(resolveLock(getExtensionsSettings().locks, 'files', '@idempotencyKey')).to.equal(files);
  });

  it('throws InvalidOptionError naming the owner and the configured locks for an unknown name', () => {
    expect(() => resolveLock(getExtensionsSettings().locks, 'missing', '@idempotencyKey')).to.throw(
      InvalidOptionError,
      /@idempotencyKey: option lock must be a Lock or one of the configured locks \("default"\), got "missing"/,
    );
  });

  it('rejects a configured lock that is no Lock', () => {
    expect(() => configureExtensions({ locks: { bad: {} as never } })).to.throw(
      InvalidOptionError,
      /configureExtensions: option locks\.bad/,
    );
  });
});

describe('assertStoreLockPairing', () => {
  const shared = () => new KeyvStorage(new Keyv({ store: new FaultyStore() }));

  it('rejects an in-memory store paired with a cross-process lock', () => {
    const fileLock = new FileLock({ directory: tmpdir() });
    const redisLock = new RedisLock({
      eval: async () => 0,
      connect: async () => undefined,
      isOpen: false,
      on: () => undefined,
      listenerCount: () => 1,
      destroy: () => undefined,
    });

    expect(() => assertStoreLockPairing(new MemoryStorage(), fileLock, '@idempotencyKey')).to.throw(
      InvalidOptionError,
      /@idempotencyKey: .*in-memory.*FileLock/,
    );
    expect(() => assertStoreLockPairing(new KeyvStorage(new Keyv()), redisLock, '@idempotencyKey')).to.throw(
      InvalidOptionError,
      /RedisLock/,
    );
  });

  it('accepts an in-memory store with an InProcessLock, and a shared store with any lock', () => {
    expect(() => assertStoreLockPairing(new MemoryStorage(), new InProcessLock(), 'x')).not.to.throw();
    expect(() => assertStoreLockPairing(shared(), new FileLock({ directory: tmpdir() }), 'x')).not.to.throw();
    expect(() => assertStoreLockPairing(shared(), new InProcessLock(), 'x')).not.to.throw();
  });
});
