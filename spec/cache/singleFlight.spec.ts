import { expect } from 'chai';
import { SingleFlight } from '../../src/cache/singleFlight';

/** A promise with its resolve and reject, for holding a flight open. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((settle, fail) => ((resolve = settle), (reject = fail)));
  return { promise, resolve, reject };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('SingleFlight', () => {
  it('has no flight to join for a key nobody leads', () => {
    expect(new SingleFlight<string>().join('k')).to.equal(undefined);
  });

  it("gives every follower the leader's outcome", async () => {
    const flights = new SingleFlight<string>();
    const outcome = deferred<string>();
    flights.lead('k', outcome.promise);

    const followers = [flights.join('k'), flights.join('k')];
    outcome.resolve('answer');

    expect(await Promise.all(followers)).to.deep.equal(['answer', 'answer']);
  });

  it('keeps a flight joinable until `until` settles, then forgets it', async () => {
    const flights = new SingleFlight<string>();
    const outcome = deferred<string>();
    const stored = deferred<void>();
    flights.lead('k', outcome.promise, stored.promise);

    outcome.resolve('answer');
    await settled();
    expect(flights.join('k')).to.not.equal(undefined);
    stored.resolve();
    await settled();

    expect(flights.join('k')).to.equal(undefined);
    expect(flights.size).to.equal(0);
  });

  it('forgets a flight whose outcome rejects', async () => {
    const flights = new SingleFlight<string>();
    const outcome = deferred<string>();
    flights.lead('k', outcome.promise);

    outcome.reject(new Error('failed'));
    await flights.join('k')!.catch(() => undefined);
    await settled();

    expect(flights.join('k')).to.equal(undefined);
  });

  it('does not let a finished flight forget the newer one that replaced it', async () => {
    const flights = new SingleFlight<string>();
    const older = deferred<string>();
    const newer = deferred<string>();
    flights.lead('k', older.promise);
    flights.lead('k', newer.promise);

    older.resolve('old');
    await settled();

    expect(flights.join('k')).to.equal(newer.promise);
  });

  it('keeps keys apart', async () => {
    const flights = new SingleFlight<string>();
    const a = deferred<string>();
    flights.lead('a', a.promise);

    expect(flights.join('b')).to.equal(undefined);
    a.resolve('A');
    expect(await flights.join('a')).to.equal('A');
  });
});
