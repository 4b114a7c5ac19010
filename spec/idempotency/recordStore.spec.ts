import { expect } from 'chai';
import { Body, Get, HttpCode, JsonController, Param, Post } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { MemoryRecordStorage } from '../../src/idempotency/MemoryRecordStorage';
import { IDEMPOTENCY_PROBLEM_BASE } from '../../src/idempotency/idempotencyProblems';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { Latch, until } from '../helpers/latch';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { count, EventLog, resetRuns, runs } from './fixtures';

/** More cached responses than the response cache below can hold. */
const CACHE_TRAFFIC = 20;
let latch = new Latch();

@JsonController('/store')
class StoreController {
  @Get('/items/:id')
  @cacheResponse(60_000)
  item(@Param('id') id: string) {
    return { id, padding: 'x'.repeat(200) };
  }

  @Post('/orders')
  @HttpCode(201)
  @idempotencyKey()
  create(@Body() body: unknown) {
    return { run: count('create'), body };
  }

  @Post('/held')
  @HttpCode(201)
  @idempotencyKey({ inFlight: 'conflict' })
  async held() {
    const run = count('held');
    await latch.promise;
    return { run };
  }

  @Post('/small')
  @HttpCode(201)
  @idempotencyKey({ cache: 'records' })
  small(@Body() body: unknown) {
    return { run: count('small'), body };
  }
}

const keyed = (key: string) => ({ method: 'POST', headers: { 'idempotency-key': key }, body: { amount: 1 } });

for (const driver of DRIVERS) {
  describe(`@idempotencyKey record store (${driver})`, () => {
    let server: TestServer;
    let log: EventLog;

    before(async () => {
      // The store '/small' names must exist when the app is built; tests replace it.
      configureExtensions({ caches: { records: new MemoryRecordStorage() } });
      server = await startServer(driver, { controllers: [StoreController] });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      // A response cache far smaller than the traffic below: it must evict.
      configureExtensions({ caches: { default: new MemoryStorage({ maxEntries: 5 }) } });
      resetRuns();
      latch = new Latch();
      log = new EventLog().start();
    });
    afterEach(() => {
      latch.open();
      log.stop();
    });

    async function flushResponseCache(): Promise<void> {
      for (let id = 0; id < CACHE_TRAFFIC; id += 1) expect((await server.send(`/store/items/${id}`)).status).to.equal(200);
    }

    it('keeps a completed record when cached responses overflow the response cache', async () => {
      await server.send('/store/orders', keyed('k1'));
      await flushResponseCache();
      const replay = await server.send('/store/orders', keyed('k1'));

      expect(replay.headers['idempotent-replayed']).to.equal('true');
      expect(runs.create).to.equal(1);
    });

    it('keeps an in-flight record when cached responses overflow the response cache', async () => {
      const owner = server.send('/store/held', keyed('k1'));
      await until(() => runs.held === 1, 'the owner runs');
      await flushResponseCache();
      const pending = server.send('/store/held', keyed('k1'));
      await until(() => log.count('conflict') === 1 || runs.held === 2, 'the duplicate is answered or runs');
      latch.open();
      const [duplicate] = await Promise.all([pending, owner]);

      expect(runs.held).to.equal(1);
      expect(duplicate.status).to.equal(409);
    });

    it('answers 503 to a new key once the record store is full, evicting no record', async () => {
      configureExtensions({ caches: { records: new MemoryRecordStorage({ maxBytes: 1_500 }) } });
      const first = await server.send('/store/small', keyed('k1'));
      const statuses: number[] = [];
      for (let index = 2; index <= 6; index += 1) statuses.push((await server.send('/store/small', keyed(`k${index}`))).status);
      const replay = await server.send('/store/small', keyed('k1'));

      expect(first.status).to.equal(201);
      const refused = statuses.indexOf(503);
      expect(refused).to.be.greaterThan(-1);
      expect(statuses.slice(refused)).to.deep.equal(Array(statuses.length - refused).fill(503));
      expect(replay.headers['idempotent-replayed']).to.equal('true');
      expect(replay.json()).to.deep.equal(first.json());
      expect(runs.small).to.equal(refused + 1);
    });

    it('answers 503 problem details with Retry-After when the record store refuses a claim', async () => {
      configureExtensions({ caches: { records: new MemoryRecordStorage({ maxBytes: 1 }) } });
      const response = await server.send('/store/small', keyed('k1'));

      expect(response.status).to.equal(503);
      expect(response.headers['retry-after']).to.equal('1');
      expect(response.json<{ type: string }>().type).to.equal(`${IDEMPOTENCY_PROBLEM_BASE}unavailable`);
      expect(runs.small).to.equal(undefined);
    });
  });
}
