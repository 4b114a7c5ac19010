import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Get, JsonController, Param } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { CACHE_CHANNEL_NAME, type CacheEvent } from '../../src/events';
import { decorate } from '../helpers/decorate';
import { Latch, until } from '../helpers/latch';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { FakeClock } from '../locks/FakeClock';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
/** What the next run of /rules/ttl answers as its ttl (ms), or makes the ttl function throw. */
let nextTtl: unknown = 10_000;
let conditionAnswer: () => unknown = () => true;
let items: string[] = [];
let gate: Promise<void> | undefined;

@JsonController('/rules')
class RulesController {
  @Get('/ttl/:id')
  @cacheResponse({
    ttl: (_context, response) => {
      const { ttl } = JSON.parse(response.body.toString('utf8')) as { ttl: unknown };
      if (ttl === 'throw') throw new Error('no ttl for you');
      return ttl as number;
    },
  })
  ttl(@Param('id') id: string) {
    return { id, ttl: nextTtl, run: count('ttl') };
  }

  @Get('/condition/:id')
  @cacheResponse({ ttl: 60_000, condition: (context) => context.request.headers['x-preview'] === undefined })
  preview(@Param('id') id: string) {
    return { id, run: count('condition') };
  }

  @Get('/odd-condition/:id')
  @cacheResponse({ ttl: 60_000, condition: async () => conditionAnswer() as boolean })
  oddCondition(@Param('id') id: string) {
    return { id, run: count('odd-condition') };
  }

  @Get('/unless/:id')
  @cacheResponse({
    ttl: 60_000,
    unless: (_context, response) => {
      const body = JSON.parse(response.body.toString('utf8')) as { items: string[] };
      if (body.items.includes('explode')) throw new Error('unless failed');
      return body.items.length === 0;
    },
  })
  async unless(@Param('id') id: string) {
    count('unless');
    await gate;
    return { id, items };
  }
}

/** Collects cache events of the given types while `work` runs (it sees them arrive). */
async function eventsDuring(
  types: readonly CacheEvent['type'][],
  work: (seen: readonly CacheEvent[]) => Promise<unknown>,
): Promise<CacheEvent[]> {
  const events: CacheEvent[] = [];
  const listener = (event: unknown) => {
    if (types.includes((event as CacheEvent).type)) events.push(event as CacheEvent);
  };
  subscribe(CACHE_CHANNEL_NAME, listener);
  try {
    await work(events);
  } finally {
    unsubscribe(CACHE_CHANNEL_NAME, listener);
  }
  return events;
}

const notStored = (events: CacheEvent[]) =>
  events.filter((event) => event.type === 'not-stored') as Array<CacheEvent & { type: 'not-stored' }>;

for (const driver of DRIVERS) {
  describe(`@cacheResponse rules as functions (${driver})`, () => {
    let server: TestServer;
    let clock: FakeClock;

    before(async () => {
      resetExtensions();
      clock = new FakeClock();
      configureExtensions({ clock });
      server = await startServer(driver, { controllers: [RulesController] });
    });
    after(async () => {
      await server.close();
      resetExtensions();
    });
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
      nextTtl = 10_000;
      conditionAnswer = () => true;
      items = ['a'];
      gate = undefined;
    });

    it('keeps a response fresh for the ttl its function computed from it', async () => {
      nextTtl = 10_000;
      await server.send(`/rules/ttl/${driver}-a`);
      const fresh = await server.send(`/rules/ttl/${driver}-a`);
      clock.advance(9_000);
      const stillFresh = await server.send(`/rules/ttl/${driver}-a`);
      clock.advance(2_000);
      const expired = await server.send(`/rules/ttl/${driver}-a`);

      expect(fresh.headers['cache-status']).to.match(/; hit; ttl=10$/);
      expect(stillFresh.headers['cache-status']).to.match(/; hit; ttl=1$/);
      expect(expired.headers['cache-status']).to.match(/fwd=uri-miss/);
      expect(runs.ttl).to.equal(2);
    });

    for (const [answer, what] of [
      [-5, 'returned -5, expected a positive number of milliseconds'],
      ['soon', 'returned "soon", expected a positive number of milliseconds'],
    ] as const) {
      it(`sends but stores nothing when the ttl function answers ${JSON.stringify(answer)}, and says so in an event`, async () => {
        nextTtl = answer;
        let first: { status: number } | undefined;
        const events = await eventsDuring(['not-stored'], async (seen) => {
          first = await server.send(`/rules/ttl/${driver}-${String(answer)}`);
          await until(() => seen.length === 1, 'the store was refused');
        });
        await server.send(`/rules/ttl/${driver}-${String(answer)}`);

        expect(first?.status).to.equal(200);
        expect(runs.ttl).to.equal(2);
        expect(notStored(events).map(({ reason, detail }) => ({ reason, detail }))).to.deep.equal([{ reason: 'ttl', detail: what }]);
      });
    }

    it('sends but stores nothing when the ttl function throws, with the error in the event', async () => {
      nextTtl = 'throw';
      let first: { status: number } | undefined;
      const events = await eventsDuring(['not-stored'], async (seen) => {
        first = await server.send(`/rules/ttl/${driver}-throws`);
        await until(() => seen.length === 1, 'the store was refused');
      });
      await server.send(`/rules/ttl/${driver}-throws`);

      expect(first?.status).to.equal(200);
      expect(runs.ttl).to.equal(2);
      expect(notStored(events)[0].reason).to.equal('ttl');
      expect((notStored(events)[0].error as Error).message).to.equal('no ttl for you');
    });

    it('bypasses the cache for a request whose condition is false: no read, no store', async () => {
      await server.send(`/rules/condition/${driver}-a`);
      const preview = await server.send(`/rules/condition/${driver}-a`, { headers: { 'x-preview': '1' } });
      const previewAgain = await server.send(`/rules/condition/${driver}-b`, { headers: { 'x-preview': '1' } });
      const plain = await server.send(`/rules/condition/${driver}-b`);

      expect(preview.json()).to.deep.equal({ id: `${driver}-a`, run: 2 });
      expect(preview.headers['cache-status']).to.match(/fwd=bypass$/);
      expect(previewAgain.json()).to.deep.equal({ id: `${driver}-b`, run: 3 });
      expect(plain.headers['cache-status']).to.match(/fwd=uri-miss/);
    });

    it('uses the cache while an asynchronous condition answers true', async () => {
      await server.send(`/rules/odd-condition/${driver}-true`);
      const hit = await server.send(`/rules/odd-condition/${driver}-true`);

      expect(hit.headers['cache-status']).to.match(/; hit/);
    });

    it('bypasses the cache, and says why, when the condition throws or answers a non-boolean', async () => {
      conditionAnswer = () => {
        throw new Error('condition failed');
      };
      let thrown: { status: number } | undefined;
      const thrownEvents = await eventsDuring(['bypass'], async () => {
        thrown = await server.send(`/rules/odd-condition/${driver}-throws`);
      });
      conditionAnswer = () => 'yes';
      const oddEvents = await eventsDuring(['bypass'], () => server.send(`/rules/odd-condition/${driver}-odd`));

      expect(thrown?.status).to.equal(200);
      expect(thrownEvents).to.have.length(1);
      expect((thrownEvents[0] as { error?: Error }).error?.message).to.equal('condition failed');
      expect(oddEvents.map((event) => (event as { detail?: string }).detail)).to.deep.equal(['returned "yes", expected a boolean']);
    });

    it('sends but never stores a response unless refuses', async () => {
      items = [];
      let first: { status: number } | undefined;
      const events = await eventsDuring(['not-stored'], async (seen) => {
        first = await server.send(`/rules/unless/${driver}-empty`);
        await until(() => seen.length === 1, 'the store was refused');
      });
      await server.send(`/rules/unless/${driver}-empty`);
      items = ['a'];
      await server.send(`/rules/unless/${driver}-full`);
      const hit = await server.send(`/rules/unless/${driver}-full`);

      expect(first?.status).to.equal(200);
      expect(notStored(events).map((event) => event.reason)).to.deep.equal(['unless']);
      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(runs.unless).to.equal(3);
    });

    it("lets a concurrent request on the key run the action itself when unless refuses the leader's response", async () => {
      items = [];
      const latch = new Latch();
      gate = latch.promise;
      let followed: { status: number } | undefined;
      await eventsDuring(['coalesced'], async (seen) => {
        const leader = server.send(`/rules/unless/${driver}-flight`);
        await until(() => runs.unless === 1, 'the leader runs');
        const follower = server.send(`/rules/unless/${driver}-flight`);
        await until(() => seen.length === 1, 'the second request joined the first');
        latch.open();
        [, followed] = await Promise.all([leader, follower]);
      });

      expect(followed?.status).to.equal(200);
      expect(runs.unless).to.equal(2);
    });

    it('stores nothing, and sends the response, when unless throws', async () => {
      items = ['explode'];
      let first: { status: number } | undefined;
      const events = await eventsDuring(['not-stored'], async (seen) => {
        first = await server.send(`/rules/unless/${driver}-explode`);
        await until(() => seen.length === 1, 'the store was refused');
      });

      expect(first?.status).to.equal(200);
      expect((notStored(events)[0].error as Error).message).to.equal('unless failed');
    });
  });
}

describe('@cacheResponse rules as functions: mistakes', () => {
  it('names the option when condition, unless or ttl is of the wrong kind', () => {
    expect(() => decorate(cacheResponse({ condition: true as never }))).to.throw(InvalidOptionError, /option condition must be a function/);
    expect(() => decorate(cacheResponse({ unless: 'empty' as never }))).to.throw(InvalidOptionError, /option unless must be a function/);
    expect(() => decorate(cacheResponse({ ttl: '5m' as never }))).to.throw(
      InvalidOptionError,
      /option ttl must be a positive number of milliseconds or a function/,
    );
  });
});
