import { expect } from 'chai';
import { StorageError } from '../../src/errors';
import { IdempotencyRecords, type Claim } from '../../src/idempotency/IdempotencyRecords';
import { encodeResponse } from '../../src/idempotency/IdempotencyRecord';
import { MemoryRecordStorage } from '../../src/idempotency/MemoryRecordStorage';
import { InProcessLock } from '../../src/locks/InProcessLock';
import { FakeClock } from '../locks/FakeClock';

const LEASE_MS = 60_000;
const TTL = 24 * 60 * 60_000;
const outcome = encodeResponse(201, { 'content-type': 'application/json' }, Buffer.from('{"id":1}'));

describe('IdempotencyRecords (the record state machine)', () => {
  let clock: FakeClock;
  let storage: MemoryRecordStorage;
  let records: IdempotencyRecords;

  beforeEach(() => {
    clock = new FakeClock();
    storage = new MemoryRecordStorage({ now: () => clock.now() });
    records = new IdempotencyRecords(storage, new InProcessLock({ clock }), clock, { leaseMs: LEASE_MS, lockTimeoutMs: 2_000, ttl: TTL });
  });

  async function claimed(key = 'k', fp: string | null = 'fp'): Promise<Claim> {
    const result = await records.claim(key, fp);
    if (!('claim' in result)) throw new Error(`expected a claim, got ${result.view.state}`);
    return result.claim;
  }

  it('claims an absent key and shows it in flight', async () => {
    const claim = await claimed();

    expect(claim.takeover).to.equal(false);
    expect((await records.read('k')).state).to.equal('in-flight');
  });

  it('refuses a second claim while the first is in flight, answering with its record', async () => {
    await claimed();
    const second = await records.claim('k', 'fp');

    expect('view' in second && second.view.state).to.equal('in-flight');
  });

  it('keeps a renewed claim in flight past its first lease', async () => {
    const claim = await claimed();
    clock.advance(LEASE_MS - 1);

    expect(await records.renew(claim)).to.equal(true);
    clock.advance(LEASE_MS - 1);

    expect((await records.read('k')).state).to.equal('in-flight');
  });

  it('lets a retry take over a claim whose lease ran out, with a larger fence, once', async () => {
    const first = await claimed();
    clock.advance(LEASE_MS + 1);

    expect((await records.read('k')).state).to.equal('orphan');
    const second = await claimed();
    const third = await records.claim('k', 'fp');

    expect(second.takeover).to.equal(true);
    expect(second.fence).to.be.greaterThan(first.fence);
    expect('view' in third && third.view.state).to.equal('in-flight');
  });

  it('rejects the late write of an owner that was taken over (fencing)', async () => {
    const stale = await claimed();
    clock.advance(LEASE_MS + 1);
    const current = await claimed();

    expect(await records.complete(stale, outcome)).to.equal(false);
    expect(await records.release(stale)).to.equal(false);
    expect(await records.complete(current, outcome)).to.equal(true);
  });

  it('stores an outcome that is replayed until its ttl, then forgotten', async () => {
    const claim = await claimed();
    await records.complete(claim, outcome);

    const completed = await records.read('k');
    expect(completed.state).to.equal('completed');
    expect(records.cachedCompleted('k')?.response).to.deep.equal(outcome);
    clock.advance(TTL + 1);

    expect((await records.read('k')).state).to.equal('absent');
    expect(records.cachedCompleted('k')).to.equal(undefined);
  });

  it('drops a released claim so a retry runs again', async () => {
    const claim = await claimed();

    expect(await records.release(claim)).to.equal(true);
    expect((await records.read('k')).state).to.equal('absent');
  });

  it('fails a read of a malformed record instead of calling it absent', async () => {
    await storage.set('rcx:idem:k', { v: 1, state: 'completed' });

    const error = await records.read('k').catch((caught: unknown) => caught);

    expect(error).to.be.instanceOf(StorageError);
  });
});
