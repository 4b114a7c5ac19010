import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Storage } from '../../src/storage/Storage';

/** A store under test, and how its time can be moved (absent: the store keeps real time). */
export interface StorageUnderTest {
  readonly storage: Storage;
  /** Moves the store's clock forward; without it a TTL test waits for real expiry (a few ms). */
  readonly advance?: (ms: number) => void;
}

/**
 * The behaviour every `Storage` must show (the keyv shape: one suite, one line per store). Call
 * inside a `describe`; `factory` is called per test.
 */
export function storageContract(factory: () => StorageUnderTest | Promise<StorageUnderTest>): void {
  const key = (label: string) => `contract:${label}:${randomBytes(6).toString('hex')}`;

  describe('storage contract', () => {
    it('answers undefined for a key never written, never an error', async () => {
      const { storage } = await factory();

      expect(await storage.get(key('missing'))).to.equal(undefined);
    });

    it('reads back strings, numbers, booleans, objects and arrays as written', async () => {
      const { storage } = await factory();
      const values: unknown[] = ['text', '', 42, 0.5, true, false, { a: 1, nested: { b: ['x', 2] } }, [1, 'two', { three: 3 }]];

      const keys = values.map((_, index) => key(`value-${index}`));
      for (const [index, value] of values.entries()) await storage.set(keys[index], value);

      for (const [index, value] of values.entries()) expect(await storage.get(keys[index])).to.deep.equal(value);
    });

    it('keeps Buffer bytes exact', async () => {
      const { storage } = await factory();
      const bytes = Buffer.from([0, 1, 2, 254, 255]);
      const name = key('buffer');

      await storage.set(name, bytes);
      const read = await storage.get<Buffer>(name);

      expect(Buffer.isBuffer(read)).to.equal(true);
      expect(Buffer.compare(read!, bytes)).to.equal(0);
    });

    it('reads many keys in the order asked, undefined for the missing ones', async () => {
      const { storage } = await factory();
      const [a, missing, b] = [key('a'), key('missing'), key('b')];
      await storage.set(a, 'A');
      await storage.set(b, 'B');

      expect(await storage.getMany([a, missing, b])).to.deep.equal(['A', undefined, 'B']);
      expect(await storage.getMany([])).to.deep.equal([]);
    });

    it('replaces a value written again under the same key', async () => {
      const { storage } = await factory();
      const name = key('replaced');

      await storage.set(name, 'first');
      await storage.set(name, 'second');

      expect(await storage.get(name)).to.equal('second');
    });

    it('deletes a key: true the first time, false once it is gone', async () => {
      const { storage } = await factory();
      const name = key('deleted');
      await storage.set(name, 'v');

      expect(await storage.delete(name)).to.equal(true);
      expect(await storage.get(name)).to.equal(undefined);
      expect(await storage.delete(name)).to.equal(false);
    });

    it('hands out a copy: changing what was read does not change what is stored', async () => {
      const { storage } = await factory();
      const name = key('copy');
      await storage.set(name, { list: [1] });

      const read = await storage.get<{ list: number[] }>(name);
      read!.list.push(2);

      expect(await storage.get(name)).to.deep.equal({ list: [1] });
    });

    it('forgets a value once its ttl has passed, and keeps one without a ttl', async () => {
      const { storage, advance } = await factory();
      const [brief, lasting] = [key('brief'), key('lasting')];
      await storage.set(brief, 'v', advance ? 1_000 : 5);
      await storage.set(lasting, 'v');

      if (advance) {
        advance(999);
        expect(await storage.get(brief)).to.equal('v');
        advance(2);
      } else {
        // Real time (Redis, keyv's own expiry): read until the store forgets it, bounded.
        const deadline = Date.now() + 10_000;
        while ((await storage.get(brief)) !== undefined) {
          if (Date.now() > deadline) throw new Error('gave up waiting until the entry expires');
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
      expect(await storage.get(brief)).to.equal(undefined);
      expect(await storage.get(lasting)).to.equal('v');
    });

    it('says which processes see its data', async () => {
      const { storage } = await factory();

      expect(['process', 'host', 'cluster']).to.include(storage.scope);
    });
  });
}
