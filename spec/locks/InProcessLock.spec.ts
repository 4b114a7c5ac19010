import { expect } from 'chai';
import { InvalidOptionError, LockError, LockTimeoutError } from '../../src/errors';
import { InProcessLock } from '../../src/locks/InProcessLock';
import { FakeClock } from './FakeClock';
import { lockContract } from './lock.contract';

describe('InProcessLock', () => {
  lockContract(() => new InProcessLock());

  describe('with an injected clock', () => {
    it('expires the holder after ttlMs of clock time and hands the lock to the next waiter', async () => {
      const clock = new FakeClock();
      const lock = new InProcessLock({ clock });
      const first = await lock.acquire('k', { ttlMs: 1_000 });
      const second = lock.acquire('k', { ttlMs: 1_000, waitMs: 5_000 });

      clock.advance(999);
      const abortedEarly = first.signal.aborted;
      clock.advance(1);

      expect(abortedEarly).to.equal(false);
      expect(first.signal.reason).to.be.instanceOf(LockError);
      expect((await second).fence).to.be.greaterThan(first.fence);
    });

    it('rejects a waiter with LockTimeoutError once waitMs of clock time passed', async () => {
      const clock = new FakeClock();
      const lock = new InProcessLock({ clock });
      await lock.acquire('k', { ttlMs: 60_000 });
      const waiter = lock.acquire('k', { ttlMs: 1_000, waitMs: 500 });

      clock.advance(500);

      const error = await waiter.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).to.be.instanceOf(LockTimeoutError);
    });

    it('pushes expiry back by the renewed ttl', async () => {
      const clock = new FakeClock();
      const lock = new InProcessLock({ clock });
      const holder = await lock.acquire('k', { ttlMs: 1_000 });

      clock.advance(900);
      await holder.renew(1_000);
      clock.advance(900);

      expect(holder.signal.aborted).to.equal(false);
      clock.advance(100);
      expect(holder.signal.aborted).to.equal(true);
    });
  });

  it('keeps no state for a key once it is released, expired or given up on', async () => {
    const clock = new FakeClock();
    const lock = new InProcessLock({ clock });
    const handles = await Promise.all(Array.from({ length: 1_000 }, (_, index) => lock.acquire(`k${index}`, { ttlMs: 1_000 })));
    const expiring = await lock.acquire('expiring', { ttlMs: 1_000 });
    const waiter = lock.acquire('expiring', { ttlMs: 1_000, waitMs: 10 }).catch((error: unknown) => error);

    await Promise.all(handles.map((handle) => handle.release()));
    clock.advance(10);
    await waiter;
    clock.advance(1_000);

    expect(expiring.signal.aborted).to.equal(true);
    expect(lock.size).to.equal(0);
    expect(clock.pending).to.equal(0);
  });

  it('rejects a clock without timers with InvalidOptionError', () => {
    expect(() => new InProcessLock({ clock: { now: () => 0 } as never })).to.throw(InvalidOptionError, /InProcessLock: option clock/);
  });

  it('has process scope', () => {
    expect(new InProcessLock().scope).to.equal('process');
  });
});
