import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { InvalidOptionError, LockError, LockTimeoutError } from '../../src/errors';
import type { Lock, LockHandle } from '../../src/locks/Lock';
import { Latch } from '../helpers/latch';

/** Creates a lock on the backend of the current test; two calls share that backend. */
export type LockFactory = () => Lock;

const LONG = { ttlMs: 20_000, waitMs: 20_000 };

/**
 * The behaviour every `Lock` implementation must show. Call inside a `describe`; `factory` is
 * called per test (and twice where two instances on one backend are needed).
 */
export function lockContract(factory: LockFactory): void {
  const uniqueKey = (label: string) => `${label}:${randomBytes(6).toString('hex')}`;

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a rejection');
  }

  describe('lock contract', () => {
    it('excludes 200 concurrent acquirers from a read-await-write section', async () => {
      const lock = factory();
      const key = uniqueKey('mutex');
      let counter = 0;
      let inside = 0;
      let mostInside = 0;

      await Promise.all(
        Array.from({ length: 200 }, async () => {
          const handle = await lock.acquire(key, LONG);
          inside += 1;
          mostInside = Math.max(mostInside, inside);
          const read = counter;
          await new Promise((resolve) => setImmediate(resolve));
          counter = read + 1;
          inside -= 1;
          await handle.release();
        }),
      );

      expect(counter).to.equal(200);
      expect(mostInside).to.equal(1);
    });

    it('serves the waiters of one instance in the order they asked (FIFO)', async () => {
      const lock = factory();
      const key = uniqueKey('fifo');
      const first = await lock.acquire(key, LONG);
      const order: number[] = [];
      const waiters = Array.from({ length: 20 }, async (_, index) => {
        const handle = await lock.acquire(key, LONG);
        order.push(index);
        await handle.release();
      });

      await first.release();
      await Promise.all(waiters);

      expect(order).to.deep.equal(Array.from({ length: 20 }, (_, index) => index));
    });

    it('rejects with LockTimeoutError when the lock stays held past waitMs, leaving no ghost waiter', async () => {
      const lock = factory();
      const key = uniqueKey('timeout');
      const holder = await lock.acquire(key, LONG);

      const waited = await rejection(lock.acquire(key, { ttlMs: 5_000, waitMs: 50 }));
      const tried = await rejection(lock.acquire(key, { ttlMs: 5_000, waitMs: 0 }));
      await holder.release();
      const next = await lock.acquire(key, { ttlMs: 5_000, waitMs: 0 });

      expect(waited).to.be.instanceOf(LockTimeoutError);
      expect(tried).to.be.instanceOf(LockTimeoutError);
      expect((waited as LockTimeoutError).key).to.equal(key);
      expect(await next.release()).to.equal(true);
    });

    it('frees the lock when its TTL lapses and tells the old holder through its signal', async () => {
      const lock = factory();
      const key = uniqueKey('ttl');
      const expired = await lock.acquire(key, { ttlMs: 250, waitMs: 0 });

      const next = await lock.acquire(key, { ttlMs: 20_000, waitMs: 10_000 });

      expect(expired.signal.aborted).to.equal(true);
      expect(expired.signal.reason).to.be.instanceOf(LockError);
      expect(await expired.renew()).to.equal(false);
      expect(await expired.release()).to.equal(false);
      expect(await rejection(lock.acquire(key, { ttlMs: 1_000, waitMs: 0 }))).to.be.instanceOf(LockTimeoutError);
      expect(next.fence).to.be.greaterThan(expired.fence);
      expect(await next.release()).to.equal(true);
    });

    it('keeps the lock past its first TTL when renewed', async () => {
      const lock = factory();
      const key = uniqueKey('renew');
      const holder = await lock.acquire(key, { ttlMs: 150, waitMs: 0 });

      const renewed = await holder.renew(20_000);
      const contender = await rejection(lock.acquire(key, { ttlMs: 1_000, waitMs: 450 }));

      expect(renewed).to.equal(true);
      expect(contender).to.be.instanceOf(LockTimeoutError);
      expect(holder.signal.aborted).to.equal(false);
      expect(await holder.release()).to.equal(true);
    });

    it('refuses release and renew with a foreign token and keeps the holder', async () => {
      const lock = factory();
      const key = uniqueKey('foreign');
      const holder = await lock.acquire(key, LONG);
      const foreign = randomBytes(16).toString('hex');

      const released = await lock.release(key, foreign);
      const renewed = await lock.renew(key, foreign, 20_000);
      const contender = await rejection(lock.acquire(key, { ttlMs: 1_000, waitMs: 0 }));

      expect(released).to.equal(false);
      expect(renewed).to.equal(false);
      expect(contender).to.be.instanceOf(LockTimeoutError);
      expect(await holder.release()).to.equal(true);
      expect(await holder.release()).to.equal(false);
    });

    it('hands out strictly increasing fences per key, across two instances on one backend', async () => {
      const locks = [factory(), factory()];
      const key = uniqueKey('fence');
      const fences: number[] = [];

      for (let round = 0; round < 10; round += 1) {
        const handle = await locks[round % 2].acquire(key, { ttlMs: 5_000, waitMs: 5_000 });
        fences.push(handle.fence);
        await handle.release();
      }

      for (let index = 1; index < fences.length; index += 1) expect(fences[index]).to.be.greaterThan(fences[index - 1]);
    });

    it('holds 50 different keys at once (no global lock)', async () => {
      const lock = factory();
      const prefix = uniqueKey('independent');
      const allHeld = new Latch();
      let held = 0;

      const handles = await Promise.all(
        Array.from({ length: 50 }, async (_, index) => {
          const handle = await lock.acquire(`${prefix}:${index}`, { ttlMs: 20_000, waitMs: 2_000 });
          held += 1;
          if (held === 50) allHeld.open();
          await allHeld.promise;
          return handle;
        }),
      );

      expect(held).to.equal(50);
      expect(new Set(handles.map((handle: LockHandle) => handle.token)).size).to.equal(50);
      await Promise.all(handles.map((handle) => handle.release()));
    });

    it('rejects a non-positive ttlMs, a negative waitMs and an empty key with InvalidOptionError', async () => {
      const lock = factory();

      const errors = [
        await rejection(Promise.resolve().then(() => lock.acquire('k', { ttlMs: 0 }))),
        await rejection(Promise.resolve().then(() => lock.acquire('k', { ttlMs: 100, waitMs: -1 }))),
        await rejection(Promise.resolve().then(() => lock.acquire('', { ttlMs: 100 }))),
      ];

      for (const error of errors) expect(error).to.be.instanceOf(InvalidOptionError);
    });
  });
}
