import { expect } from 'chai';
import { BadRequestError, Body, HttpCode, JsonController, Post } from 'routing-controllers';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import type { IdempotencyRecord } from '../../src/idempotency/IdempotencyRecord';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import type { Storage } from '../../src/storage/Storage';
import { until } from '../helpers/latch';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { count, EventLog, resetRuns, runs } from './fixtures';

/** How long the slow store takes to write an outcome: it models a store's latency, nothing waits on it. */
const SLOW_WRITE_MS = 100;

// Two apps over one store, as two processes would be: each reaches it through its own Storage
// object, so neither sees the other's in-process flights or completed-record cache.
@JsonController('/held')
class FirstAppController {
  @Post('/orders')
  @HttpCode(201)
  @idempotencyKey({ cache: 'first', inFlight: 'conflict', storeOnStatuses: [201, 400] })
  create(@Body() body: { fail?: boolean }) {
    count('create');
    if (body.fail) throw new BadRequestError('refused');
    return { run: runs.create, body };
  }
}

@JsonController('/held')
class SecondAppController {
  @Post('/orders')
  @HttpCode(201)
  @idempotencyKey({ cache: 'second', inFlight: 'conflict', storeOnStatuses: [201, 400] })
  create(@Body() body: { fail?: boolean }) {
    count('create');
    if (body.fail) throw new BadRequestError('refused');
    return { run: runs.create, body };
  }
}

/** What the shared store has seen of completed outcomes. */
interface OutcomeWrites {
  started: number;
  finished: number;
  failuresLeft: number;
}

/** A view of `inner` whose writes of completed records are slow, and fail while `failuresLeft` > 0. */
function outcomeStorage(inner: Storage, writes: OutcomeWrites): Storage {
  return {
    scope: inner.scope,
    get: (key, options) => inner.get(key, options),
    getMany: (keys, options) => inner.getMany(keys, options),
    set: async (key, value, ttl, options) => {
      if ((value as IdempotencyRecord).state !== 'completed') return inner.set(key, value, ttl, options);
      writes.started += 1;
      await new Promise((resolve) => setTimeout(resolve, SLOW_WRITE_MS));
      if (writes.failuresLeft > 0) {
        writes.failuresLeft -= 1;
        throw new Error('store write failed');
      }
      await inner.set(key, value, ttl, options);
      writes.finished += 1;
    },
    delete: (key, options) => inner.delete(key, options),
  };
}

const keyed = (key: string, body: unknown = { amount: 1 }) => ({ method: 'POST', headers: { 'idempotency-key': key }, body });

for (const driver of DRIVERS) {
  describe(`@idempotencyKey stores the outcome before the body leaves (${driver})`, () => {
    let first: TestServer;
    let second: TestServer;
    let writes: OutcomeWrites;
    let events: EventLog;

    before(async () => {
      // The stores the routes name must exist when the apps are built; each test replaces them.
      configureExtensions({ caches: { first: new MemoryStorage(), second: new MemoryStorage() } });
      first = await startServer(driver, { controllers: [FirstAppController] });
      second = await startServer(driver, { controllers: [SecondAppController] });
    });
    after(async () => {
      await first.close();
      await second.close();
    });
    beforeEach(() => {
      resetExtensions();
      resetRuns();
      writes = { started: 0, finished: 0, failuresLeft: 0 };
      const shared = new MemoryStorage();
      configureExtensions({ caches: { first: outcomeStorage(shared, writes), second: outcomeStorage(shared, writes) } });
      events = new EventLog().start();
    });
    afterEach(() => events.stop());

    it('replays, never 409, a duplicate sent to another app as soon as the first answer arrives', async () => {
      const original = await first.send('/held/orders', keyed('k1'));
      const storedWhenAnswered = writes.finished;
      const duplicate = await second.send('/held/orders', keyed('k1'));

      expect(original.status).to.equal(201);
      expect(storedWhenAnswered).to.equal(1);
      expect(duplicate.status).to.equal(201);
      expect(duplicate.headers['idempotent-replayed']).to.equal('true');
      expect(duplicate.text).to.equal(original.text);
      expect(runs.create).to.equal(1);
    });

    it('delivers the response whole when storing the outcome fails, then stores it after the end', async () => {
      writes.failuresLeft = 1;

      const original = await first.send('/held/orders', keyed('k2'));
      await until(() => writes.finished === 1, 'the outcome is stored on a retry');
      const duplicate = await second.send('/held/orders', keyed('k2'));

      expect(original.status).to.equal(201);
      expect(original.json<{ run: number }>().run).to.equal(1);
      expect(events.count('store-error')).to.equal(1);
      expect(duplicate.status).to.equal(201);
      expect(duplicate.headers['idempotent-replayed']).to.equal('true');
      expect(duplicate.text).to.equal(original.text);
    });

    it('never holds back the body of an error response, and stores it after the end', async () => {
      const refused = await first.send('/held/orders', keyed('k3', { fail: true }));
      const storedWhenAnswered = writes.finished;
      await until(() => writes.finished === 1, 'the error outcome is stored');
      const duplicate = await second.send('/held/orders', keyed('k3', { fail: true }));

      expect(refused.status).to.equal(400);
      expect(refused.json<{ message: string }>().message).to.equal('refused');
      expect(storedWhenAnswered).to.equal(0);
      expect(duplicate.status).to.equal(400);
      expect(duplicate.headers['idempotent-replayed']).to.equal('true');
      expect(runs.create).to.equal(1);
    });
  });
}
