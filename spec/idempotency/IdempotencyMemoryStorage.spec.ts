import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError, StorageError } from '../../src/errors';
import { MemoryRecordStorage } from '../../src/idempotency/MemoryRecordStorage';
import { resolveIdempotencyOptions } from '../../src/idempotency/IdempotencyKeyOptions';
import { FileLock } from '../../src/locks/FileLock';
import { InProcessLock } from '../../src/locks/InProcessLock';
import { configureExtensions, getExtensionsSettings, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { FakeClock } from '../locks/FakeClock';

describe('MemoryRecordStorage', () => {
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock();
  });

  it('holds any number of records below its byte cap, and hands back Buffers intact', async () => {
    const storage = new MemoryRecordStorage({ now: () => clock.now() });
    for (let index = 0; index < 20_000; index += 1) await storage.set(`k${index}`, { n: index }, 60_000);
    await storage.set('bytes', { body: Buffer.from([0, 255]) }, 60_000);

    expect(storage.size).to.equal(20_001);
    expect(await storage.get('k0')).to.deep.equal({ n: 0 });
    expect(await storage.get('bytes')).to.deep.equal({ body: Buffer.from([0, 255]) });
  });

  it('refuses a new key once full with a StorageError, keeping every record', async () => {
    const storage = new MemoryRecordStorage({ maxBytes: 300, now: () => clock.now() });
    await storage.set('a', 'x'.repeat(100), 60_000);
    await storage.set('b', 'x'.repeat(50), 60_000);

    let refused: unknown;
    await storage.set('c', 'x'.repeat(100), 60_000).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(StorageError);
    expect(await storage.getMany(['a', 'b', 'c'])).to.deep.equal(['x'.repeat(100), 'x'.repeat(50), undefined]);
  });

  it('still rewrites a key it holds when full, so a running claim can store its outcome', async () => {
    const storage = new MemoryRecordStorage({ maxBytes: 300, now: () => clock.now() });
    await storage.set('a', 'x'.repeat(100), 60_000);
    await storage.set('b', 'x'.repeat(50), 60_000);
    await storage.set('b', 'y'.repeat(150), 60_000);

    expect(await storage.get('b')).to.equal('y'.repeat(150));
  });

  it('makes room by dropping expired records only', async () => {
    const storage = new MemoryRecordStorage({ maxBytes: 300, now: () => clock.now() });
    await storage.set('short', 'x'.repeat(100), 1_000);
    await storage.set('long', 'x'.repeat(50), 60_000);
    clock.advance(1_001);
    await storage.set('new', 'x'.repeat(100), 60_000);

    expect(await storage.getMany(['short', 'long', 'new'])).to.deep.equal([undefined, 'x'.repeat(50), 'x'.repeat(100)]);
  });

  it('refuses new keys past its cap without looking at the records it holds (O(1) per refusal)', async () => {
    let clockReads = 0;
    const storage = new MemoryRecordStorage({ maxBytes: 1_000_000, now: () => ((clockReads += 1), clock.now()) });
    let held = 0;
    for (; ; held += 1) {
      const stored = await storage.set(`live-${held}`, 'x'.repeat(100), 60_000).then(
        () => true,
        () => false,
      );
      if (!stored) break;
    }
    clockReads = 0;
    let refusals = 0;
    for (let attempt = 0; attempt < 100; attempt += 1)
      await storage.set(`new-${attempt}`, 'x'.repeat(100), 60_000).catch(() => (refusals += 1));

    expect(held).to.be.greaterThan(5_000);
    expect(refusals).to.equal(100);
    expect(clockReads).to.be.at.most(100);
  });

  it('frees the room of expired records in expiry order, whatever order they were written or rewritten in', async () => {
    const storage = new MemoryRecordStorage({ maxBytes: 500, now: () => clock.now() });
    await storage.set('late', 'x'.repeat(50), 5_000);
    await storage.set('early', 'x'.repeat(50), 1_000);
    await storage.set('rewritten', 'x'.repeat(50), 500);
    await storage.set('rewritten', 'x'.repeat(50), 9_000);
    clock.advance(1_001);
    await storage.set('first-new', 'x'.repeat(100), 60_000);
    let refused: unknown;
    await storage.set('second-new', 'x'.repeat(100), 60_000).catch((error: unknown) => (refused = error));
    clock.advance(4_000);
    await storage.set('third-new', 'x'.repeat(100), 60_000);

    expect(refused).to.be.instanceOf(StorageError);
    expect(await storage.getMany(['late', 'early', 'rewritten', 'first-new', 'third-new'])).to.deep.equal([
      undefined,
      undefined,
      'x'.repeat(50),
      'x'.repeat(100),
      'x'.repeat(100),
    ]);
  });

  it('deletes a record and reports whether it held one', async () => {
    const storage = new MemoryRecordStorage();
    await storage.set('a', 1, 60_000);

    expect(await storage.delete('a')).to.equal(true);
    expect(await storage.delete('a')).to.equal(false);
    expect(storage.bytes).to.equal(0);
  });

  it('rejects a maxBytes that is not a positive integer', () => {
    expect(() => new MemoryRecordStorage({ maxBytes: 0 })).to.throw(InvalidOptionError, /MemoryRecordStorage: option maxBytes/);
  });
});

describe('idempotency record store resolution', () => {
  beforeEach(() => resetExtensions());
  after(() => resetExtensions());

  it('keeps records in a built-in store apart from the response cache, the same across configure calls', () => {
    const before = resolveIdempotencyOptions({}, getExtensionsSettings(), '@idempotencyKey').persistence.storage;
    configureExtensions({ caches: { default: new MemoryStorage() }, idempotency: { ttl: 1_000 } });
    const after = resolveIdempotencyOptions({}, getExtensionsSettings(), '@idempotencyKey').persistence.storage;

    expect(before).to.be.instanceOf(MemoryRecordStorage);
    expect(after).to.equal(before);
    expect(after).not.to.equal(getExtensionsSettings().caches.default);
  });

  it('starts a new built-in store after resetExtensions', () => {
    const before = resolveIdempotencyOptions({}, getExtensionsSettings(), '@idempotencyKey').persistence.storage;
    resetExtensions();
    const after = resolveIdempotencyOptions({}, getExtensionsSettings(), '@idempotencyKey').persistence.storage;

    expect(after).not.to.equal(before);
  });

  it('uses the named store when cache is given', () => {
    const named = new MemoryStorage();
    configureExtensions({ caches: { shared: named }, locks: { default: new InProcessLock() } });

    expect(resolveIdempotencyOptions({ cache: 'shared' }, getExtensionsSettings(), '@idempotencyKey').persistence.storage).to.equal(named);
  });

  it('fails naming the cache option when the built-in store meets a lock reaching other processes', () => {
    const lock = new FileLock({ directory: mkdtempSync(join(tmpdir(), 'rcx-idem-')) });

    expect(() => resolveIdempotencyOptions({ lock }, getExtensionsSettings(), '@idempotencyKey')).to.throw(
      InvalidOptionError,
      /@idempotencyKey: option cache must be the name of a store shared like the lock \(FileLock/,
    );
  });
});
