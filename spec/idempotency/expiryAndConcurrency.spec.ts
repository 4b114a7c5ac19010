import { expect } from 'chai';
import { Body, HttpCode, JsonController, Param, Post } from 'routing-controllers';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { FakeClock } from '../locks/FakeClock';
import { Latch, until } from '../helpers/latch';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { count, EventLog, resetRuns, runs } from './fixtures';

const TTL = 60_000;
let latch = new Latch();
let entered = 0;

@JsonController('/x')
class TimedController {
  @Post('/default-ttl')
  @idempotencyKey()
  defaultTtl() {
    return { run: count('defaultTtl') };
  }

  @Post('/short-ttl')
  @idempotencyKey({ ttl: 1_000 })
  shortTtl() {
    return { run: count('shortTtl') };
  }

  @Post('/long-running')
  @idempotencyKey({ inFlight: 'conflict', leaseMs: 300 })
  async longRunning() {
    const run = count('longRunning');
    await latch.promise;
    return { run };
  }

  @Post('/held/:name')
  @HttpCode(201)
  @idempotencyKey({ maxWaitMs: 15_000 })
  async held(@Param('name') name: string, @Body() body: unknown) {
    const run = count(name);
    entered += 1;
    await latch.promise;
    return { run, body };
  }

  @Post('/held-conflict')
  @HttpCode(201)
  @idempotencyKey({ inFlight: 'conflict' })
  async heldConflict() {
    const run = count('heldConflict');
    await latch.promise;
    return { run };
  }

  @Post('/short-wait')
  @idempotencyKey({ maxWaitMs: 50 })
  async shortWait() {
    const run = count('shortWait');
    await latch.promise;
    return { run };
  }

  @Post('/flaky')
  @idempotencyKey()
  async flaky() {
    const run = count('flaky');
    await latch.promise;
    if (run === 1) throw new Error('first attempt fails');
    return { run };
  }

  @Post('/held-locked')
  @idempotencyKey({ inFlight: 'locked', lockTimeoutMs: 50 })
  async heldLocked() {
    const run = count('heldLocked');
    await latch.promise;
    return { run };
  }

  @Post('/held-locked-long')
  @idempotencyKey({ inFlight: 'locked', lockTimeoutMs: 15_000 })
  async heldLockedLong() {
    const run = count('heldLockedLong');
    await latch.promise;
    return { run };
  }
}

const keyed = (key: string, body: unknown = { amount: 1 }) => ({ method: 'POST', headers: { 'idempotency-key': key }, body });

for (const driver of DRIVERS) {
  describe(`@idempotencyKey expiry and concurrency (${driver})`, () => {
    let server: TestServer;
    let clock: FakeClock;
    let log: EventLog;

    before(async () => {
      server = await startServer(driver, { controllers: [TimedController] });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      clock = new FakeClock();
      configureExtensions({ caches: { default: new MemoryStorage() }, clock, idempotency: { ttl: TTL } });
      resetRuns();
      latch = new Latch();
      entered = 0;
      log = new EventLog().start();
    });
    afterEach(() => {
      latch.open();
      log.stop();
    });

    it('replays one millisecond before the ttl runs out', async () => {
      await server.send('/x/default-ttl', keyed('k1'));
      clock.advance(TTL - 1);
      const second = await server.send('/x/default-ttl', keyed('k1'));

      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(runs.defaultTtl).to.equal(1);
    });

    it('executes again one millisecond after the ttl ran out', async () => {
      await server.send('/x/default-ttl', keyed('k1'));
      clock.advance(TTL + 1);
      const second = await server.send('/x/default-ttl', keyed('k1'));

      expect(second.headers['idempotent-replayed']).to.equal(undefined);
      expect(second.json()).to.deep.equal({ run: 2 });
    });

    it('does not extend the ttl on replays', async () => {
      await server.send('/x/default-ttl', keyed('k1'));
      clock.advance(TTL / 2);
      const replay = await server.send('/x/default-ttl', keyed('k1'));
      clock.advance(TTL / 2 + 1);
      const after = await server.send('/x/default-ttl', keyed('k1'));

      expect(replay.headers['idempotent-replayed']).to.equal('true');
      expect(after.json()).to.deep.equal({ run: 2 });
    });

    it('honours a per-route ttl independently of the settings', async () => {
      await server.send('/x/short-ttl', keyed('k1'));
      await server.send('/x/default-ttl', keyed('k2'));
      clock.advance(1_001);
      const short = await server.send('/x/short-ttl', keyed('k1'));
      const long = await server.send('/x/default-ttl', keyed('k2'));

      expect(short.json()).to.deep.equal({ run: 2 });
      expect(long.headers['idempotent-replayed']).to.equal('true');
    });

    it('renews the lease of an action running 3× its lease; duplicates get 409 throughout, no takeover', async () => {
      const owner = server.send('/x/long-running', keyed('k1'));
      await until(() => runs.longRunning === 1, 'the action runs');
      const statuses: number[] = [];
      for (let renewal = 1; renewal <= 9; renewal += 1) {
        clock.advance(100);
        await until(() => log.count('renewed') === renewal, `renewal ${renewal}`);
        statuses.push((await server.send('/x/long-running', keyed('k1'))).status);
      }
      latch.open();
      const response = await owner;

      expect(statuses).to.deep.equal(Array(9).fill(409));
      expect(response.status).to.equal(200);
      expect(runs.longRunning).to.equal(1);
      expect(log.count('takeover')).to.equal(0);
    });

    it('runs 50 identical concurrent requests once; in wait mode all get the same status and body, 49 replayed', async () => {
      const responses = Array.from({ length: 50 }, () => server.send('/x/held/same', keyed('k1')));
      await until(() => runs.same === 1 && log.count('waited') >= 49, 'the owner runs and 49 duplicates wait');
      latch.open();
      const all = await Promise.all(responses);

      expect(runs.same).to.equal(1);
      expect(new Set(all.map((response) => response.status))).to.deep.equal(new Set([201]));
      expect(new Set(all.map((response) => response.text)).size).to.equal(1);
      expect(all.filter((response) => response.headers['idempotent-replayed'] === 'true')).to.have.length(49);
    });

    it("answers 49 of 50 identical concurrent requests 409 + Retry-After in 'conflict' mode", async () => {
      const responses = Array.from({ length: 50 }, () => server.send('/x/held-conflict', keyed('k1')));
      await until(() => log.count('conflict') === 49, '49 conflicts');
      latch.open();
      const all = await Promise.all(responses);

      expect(runs.heldConflict).to.equal(1);
      expect(all.filter((response) => response.status === 201)).to.have.length(1);
      const conflicts = all.filter((response) => response.status === 409);
      expect(conflicts).to.have.length(49);
      expect(conflicts.every((response) => response.headers['retry-after'] === '1')).to.equal(true);
      expect(conflicts.every((response) => !response.text.includes('k1'))).to.equal(true);
    });

    it("answers a duplicate in flight 423 + Retry-After in 'locked' mode once it waited lockTimeoutMs", async () => {
      const owner = server.send('/x/held-locked', keyed('k1'));
      await until(() => runs.heldLocked === 1, 'the owner runs');
      const duplicate = await server.send('/x/held-locked', keyed('k1'));
      latch.open();
      await owner;

      expect(log.count('waited')).to.be.greaterThan(0);
      expect(duplicate.status).to.equal(423);
      expect(duplicate.headers['retry-after']).to.equal('1');
      expect(duplicate.headers['content-type']).to.equal('application/problem+json; charset=utf-8');
      expect(duplicate.text).not.to.include('k1');
      expect(runs.heldLocked).to.equal(1);
    });

    it("replays the outcome to a duplicate in 'locked' mode whose wait outlasts the first request", async () => {
      const owner = server.send('/x/held-locked-long', keyed('k1'));
      await until(() => runs.heldLockedLong === 1, 'the owner runs');
      const pending = server.send('/x/held-locked-long', keyed('k1'));
      await until(() => log.count('waited') > 0 || log.count('conflict') > 0, 'the duplicate waits or is answered');
      latch.open();
      const [duplicate, original] = await Promise.all([pending, owner]);

      expect(duplicate.status).to.equal(200);
      expect(duplicate.headers['idempotent-replayed']).to.equal('true');
      expect(duplicate.text).to.equal(original.text);
      expect(runs.heldLockedLong).to.equal(1);
    });

    it('does not serialise 50 different keys: all 50 reach the action together', async () => {
      const responses = Array.from({ length: 50 }, (_, index) => server.send('/x/held/distinct', keyed(`k${index}`)));
      await until(() => entered === 50, 'all 50 actions entered while none finished');
      latch.open();
      const all = await Promise.all(responses);

      expect(runs.distinct).to.equal(50);
      expect(all.every((response) => response.status === 201)).to.equal(true);
    });

    it('answers 422, not 409, to the same key with another body while the first is in flight', async () => {
      const owner = server.send('/x/held/flight', keyed('k1', { amount: 1 }));
      await until(() => runs.flight === 1, 'the owner runs');
      const other = await server.send('/x/held/flight', keyed('k1', { amount: 2 }));
      latch.open();
      await owner;

      expect(other.status).to.equal(422);
      expect(runs.flight).to.equal(1);
    });

    it('answers 409 + Retry-After to a waiter once maxWaitMs passed, the owner unaffected', async () => {
      const owner = server.send('/x/short-wait', keyed('k1'));
      await until(() => runs.shortWait === 1, 'the owner runs');
      const waiter = await server.send('/x/short-wait', keyed('k1'));
      latch.open();
      const response = await owner;

      expect(waiter.status).to.equal(409);
      expect(waiter.headers['retry-after']).to.equal('1');
      expect(log.count('waited')).to.be.greaterThan(0);
      expect(response.status).to.equal(200);
      expect(runs.shortWait).to.equal(1);
    });

    it('lets exactly one waiter run again after the owner failed with 500; the others replay its outcome', async () => {
      const responses = Array.from({ length: 10 }, () => server.send('/x/flaky', keyed('k1')));
      await until(() => runs.flaky === 1 && log.count('waited') >= 9, 'the owner runs and 9 duplicates wait');
      latch.open();
      const all = await Promise.all(responses);

      expect(runs.flaky).to.equal(2);
      expect(all.filter((response) => response.status === 500)).to.have.length(1);
      const successes = all.filter((response) => response.status === 200);
      expect(successes).to.have.length(9);
      expect(new Set(successes.map((response) => response.text))).to.deep.equal(new Set(['{"run":2}']));
    });
  });
}
