import { expect } from 'chai';
import { StorageError } from '../../src/errors';
import { IdempotencyPersistence, type Claim } from '../../src/idempotency/IdempotencyPersistence';
import { type IdempotencyRecord, outcomeOf } from '../../src/idempotency/IdempotencyRecord';
import { MemoryRecordStorage } from '../../src/idempotency/MemoryRecordStorage';
import { InProcessLock } from '../../src/locks/InProcessLock';
import type { Storage } from '../../src/storage/Storage';
import { until } from '../helpers/latch';
import { FakeClock } from '../locks/FakeClock';
import { EventLog } from './fixtures';

const LEASE_MS = 60_000;
const TTL = 24 * 60 * 60_000;
const outcome = outcomeOf(
  { complete: true, response: { status: 201, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"id":1}') } },
  () => true,
)!;

/** `inner`, whose writes of completed records fail while `down.outcomes` is set, and deletes while `down.deletes` is. */
function flakyStorage(inner: Storage, down: { outcomes: boolean; deletes?: boolean }): Storage {
  return {
    scope: inner.scope,
    get: (key, options) => inner.get(key, options),
    getMany: (keys, options) => inner.getMany(keys, options),
    set: async (key, value, ttl, options) => {
      if (down.outcomes && (value as IdempotencyRecord).state === 'completed') throw new StorageError('set', 'the store is down');
      return inner.set(key, value, ttl, options);
    },
    delete: async (key, options) => {
      if (down.deletes) throw new StorageError('delete', 'the store is down');
      return inner.delete(key, options);
    },
  };
}

describe('IdempotencyPersistence (records and the claim protocol)', () => {
  let clock: FakeClock;
  let storage: MemoryRecordStorage;
  let persistence: IdempotencyPersistence;

  beforeEach(() => {
    clock = new FakeClock();
    storage = new MemoryRecordStorage({ now: () => clock.now() });
    persistence = new IdempotencyPersistence(storage, new InProcessLock({ clock }), clock, {
      leaseMs: LEASE_MS,
      lockTimeoutMs: 2_000,
      ttl: TTL,
    });
  });

  async function claimed(key = 'k', fp: string | null = 'fp', on = persistence): Promise<Claim> {
    const result = await on.claim(key, fp);
    if (!('claim' in result)) throw new Error(`expected a claim, got ${result.view.state}`);
    return result.claim;
  }

  const running = () => true;

  it('claims an absent key and shows it in flight', async () => {
    const claim = await claimed();

    expect(claim.takeover).to.equal(false);
    expect((await persistence.read('k')).state).to.equal('in-flight');
  });

  it('refuses a second claim while the first is in flight, answering with its record', async () => {
    await claimed();
    const second = await persistence.claim('k', 'fp');

    expect('view' in second && second.view.state).to.equal('in-flight');
  });

  it('keeps a renewed claim in flight past its first lease', async () => {
    const claim = await claimed();
    clock.advance(LEASE_MS - 1);

    expect(await persistence.renew(claim, running)).to.equal('renewed');
    clock.advance(LEASE_MS - 1);

    expect((await persistence.read('k')).state).to.equal('in-flight');
  });

  it('lets a retry take over a claim whose lease ran out, with a larger fence, once', async () => {
    const first = await claimed();
    clock.advance(LEASE_MS + 1);

    expect((await persistence.read('k')).state).to.equal('orphan');
    const second = await claimed();
    const third = await persistence.claim('k', 'fp');

    expect(second.takeover).to.equal(true);
    expect(second.fence).to.be.greaterThan(first.fence);
    expect('view' in third && third.view.state).to.equal('in-flight');
  });

  it('rejects the late writes of an owner that was taken over (fencing)', async () => {
    const stale = await claimed();
    clock.advance(LEASE_MS + 1);
    const current = await claimed();

    expect(await persistence.renew(stale, running)).to.equal('lost');
    expect(await persistence.complete(stale, outcome)).to.equal(false);
    expect(await persistence.release(stale)).to.equal(false);
    expect(await persistence.complete(current, outcome)).to.equal(true);
  });

  it('stores an outcome that is replayed until its ttl, then forgotten', async () => {
    const claim = await claimed();
    await persistence.complete(claim, outcome);

    const completed = await persistence.read('k');
    expect(completed.state).to.equal('completed');
    expect(persistence.cached('k')?.response).to.deep.equal(outcome);
    clock.advance(TTL + 1);

    expect((await persistence.read('k')).state).to.equal('absent');
    expect(persistence.cached('k')).to.equal(undefined);
  });

  it('counts a second write of an outcome already stored as done, not as fenced', async () => {
    const claim = await claimed();
    await persistence.complete(claim, outcome);

    expect(await persistence.complete(claim, outcome)).to.equal(true);
    expect(await persistence.renew(claim, running)).to.equal('done');
  });

  it('writes the outcome again when the store lost the record of a claim (a restart without data)', async () => {
    const claim = await claimed();
    await storage.delete('rcx:idem:k');

    expect(await persistence.complete(claim, outcome)).to.equal(true);
    const view = await new IdempotencyPersistence(storage, new InProcessLock({ clock }), clock, {
      leaseMs: LEASE_MS,
      lockTimeoutMs: 2_000,
      ttl: TTL,
    }).read('k');
    expect(view.state).to.equal('completed');
  });

  it('writes the in-flight record again on renewal when the store lost it while the action runs, not once it finished', async () => {
    const claim = await claimed();
    await storage.delete('rcx:idem:k');

    expect(await persistence.renew(claim, () => false)).to.equal('done');
    expect((await persistence.read('k')).state).to.equal('absent');
    expect(await persistence.renew(claim, running)).to.equal('renewed');
    expect((await persistence.read('k')).state).to.equal('in-flight');
  });

  it('drops a released claim so a retry runs again', async () => {
    const claim = await claimed();

    expect(await persistence.release(claim)).to.equal(true);
    expect((await persistence.read('k')).state).to.equal('absent');
  });

  it('fails a read of a malformed record instead of calling it absent', async () => {
    await storage.set('rcx:idem:k', { v: 1, state: 'completed' });

    const error = await persistence.read('k').catch((caught: unknown) => caught);

    expect(error).to.be.instanceOf(StorageError);
  });

  describe('a held claim', () => {
    let events: EventLog;

    beforeEach(() => {
      events = new EventLog().start();
    });
    afterEach(() => events.stop());

    it('renews its lease while the action runs and until its outcome is stored, then stops', async () => {
      const down = { outcomes: true };
      const flaky = new IdempotencyPersistence(flakyStorage(storage, down), new InProcessLock({ clock }), clock, {
        leaseMs: LEASE_MS,
        lockTimeoutMs: 2_000,
        ttl: TTL,
      });
      const claimedAt = clock.now();
      const claim = await claimed('k', 'fp', flaky);
      const held = flaky.hold(claim, 'test');
      clock.advance(LEASE_MS / 3);
      await until(() => events.count('renewed') === 1, 'the lease was renewed while the action runs');

      await held.settle(outcome);
      await until(() => events.count('store-error') >= 2, 'the outcome write failed and was retried');
      for (let round = 1; round <= 3; round += 1) {
        clock.advance(LEASE_MS / 3);
        await until(() => events.count('renewed') === 1 + round, 'the lease was renewed while the outcome waits for the store');
      }
      const leaseWhileDown = (await storage.get<IdempotencyRecord>('rcx:idem:k'))!.leaseUntil;
      down.outcomes = false;
      await held.done;
      clock.advance(LEASE_MS);

      expect(leaseWhileDown).to.equal(claimedAt + 4 * (LEASE_MS / 3) + LEASE_MS);
      expect(events.count('completed')).to.equal(1);
      expect(events.count('renewed')).to.equal(4);
      expect((await flaky.read('k')).state).to.equal('completed');
      expect(clock.pending).to.equal(0);
    });

    it('stops renewing the lease of a claim it is releasing, so a retry can take over if the release cannot be written', async () => {
      const down = { outcomes: false, deletes: true };
      const flaky = new IdempotencyPersistence(flakyStorage(storage, down), new InProcessLock({ clock }), clock, {
        leaseMs: LEASE_MS,
        lockTimeoutMs: 2_000,
        ttl: TTL,
      });
      const claim = await claimed('k', 'fp', flaky);
      const held = flaky.hold(claim, 'test');
      await held.settle(undefined);
      await until(() => events.count('store-error') >= 2, 'the release failed and was retried');
      clock.advance(LEASE_MS + 1);
      const view = await flaky.read('k');
      down.deletes = false;
      await held.done;

      expect(events.count('renewed')).to.equal(0);
      expect(view.state).to.equal('orphan');
      expect(events.count('released')).to.equal(1);
    });

    it('lets duplicates in this process wait on it until its outcome is settled', async () => {
      const claim = await claimed();
      const held = persistence.hold(claim, 'test');

      expect(persistence.localFlight('k')).to.equal(held);
      await held.settle(undefined);
      await held.done;

      expect(persistence.localFlight('k')).to.equal(undefined);
      expect(events.count('released')).to.equal(1);
      expect((await persistence.read('k')).state).to.equal('absent');
    });
  });
});
