import { expect } from 'chai';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { Body, HttpCode, JsonController, Post } from 'routing-controllers';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { IDEMPOTENCY_PROBLEM_BASE } from '../../src/idempotency/idempotencyProblems';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import type { Storage } from '../../src/storage/Storage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { describeRedis } from '../helpers/redisServer';
import { count, resetRuns, runs } from './fixtures';

@JsonController('/f')
class FaultController {
  @Post('/orders')
  @HttpCode(201)
  @idempotencyKey()
  create(@Body() body: unknown) {
    return { run: count('create'), body };
  }
}

const keyed = (key: string) => ({ method: 'POST', headers: { 'idempotency-key': key }, body: { amount: 1 } });

/** A store whose values cannot be decoded as records. */
function garbageStorage(): Storage {
  return {
    scope: 'process',
    get: async () => ({ v: 99 }) as never,
    getMany: async () => [],
    set: async () => undefined,
    delete: async () => false,
  };
}

describeRedis('@idempotencyKey with its store down', (redis) => {
  for (const driver of DRIVERS) {
    describe(driver, () => {
      let server: TestServer;

      before(async () => {
        server = await startServer(driver, { controllers: [FaultController] });
      });
      after(() => server.close());
      beforeEach(() => {
        resetExtensions();
        resetRuns();
      });

      it('answers 503 + Retry-After and runs nothing while Redis is stopped', async function () {
        this.timeout(20_000);
        configureExtensions({
          caches: { default: createRedisStorage(redis().url, { namespace: `f1-${driver}`, timeoutMs: 500 }) },
          idempotency: { cache: 'default' },
        });
        const before = await server.send('/f/orders', keyed('k0'));
        await redis().stop();
        let down;
        try {
          down = await server.send('/f/orders', keyed('k1'));
        } finally {
          await redis().restart();
        }

        expect(before.status).to.equal(201);
        expect(down.status).to.equal(503);
        expect(down.headers['retry-after']).to.equal('1');
        expect(down.json<{ type: string }>().type).to.equal(`${IDEMPOTENCY_PROBLEM_BASE}unavailable`);
        expect(runs.create).to.equal(1);
      });

      it('still answers 503 when the app attached an error listener to its Keyv', async function () {
        this.timeout(20_000);
        const store = new KeyvRedis(redis().url);
        const keyv = new Keyv({ store, namespace: `f2-${driver}` });
        const logged: unknown[] = [];
        keyv.on('error', (error: unknown) => logged.push(error));
        configureExtensions({ caches: { default: keyv }, idempotency: { cache: 'default' } });
        const before = await server.send('/f/orders', keyed('k0'));
        await redis().stop();
        let down;
        try {
          down = await server.send('/f/orders', keyed('k1'));
        } finally {
          await redis().restart();
        }
        // keyv.disconnect() does not settle once the client has been through an outage.
        (store.client as { destroy(): void }).destroy();

        expect(before.status).to.equal(201);
        expect(down.status).to.equal(503);
        expect(logged.length).to.be.greaterThan(0);
        expect(runs.create).to.equal(1);
      });

      it('answers 503 to an undecodable record instead of running the action again', async () => {
        configureExtensions({ caches: { default: garbageStorage() }, idempotency: { cache: 'default' } });
        const response = await server.send('/f/orders', keyed('k1'));

        expect(response.status).to.equal(503);
        expect(runs.create).to.equal(undefined);
      });
    });
  }
});
