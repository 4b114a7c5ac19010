import { expect } from 'chai';
import { createParamDecorator, Get, JsonController, Param } from 'routing-controllers';
import { cacheResponse, cacheResponseExempt } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { etag } from '../../src/etag/etag';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { FakeClock } from '../locks/FakeClock';

/** How often routing-controllers resolved a parameter of the routes below: the early path resolves none. */
let resolved = 0;
let failing = false;
const Counted = () => createParamDecorator({ value: () => ++resolved });

/** Class-level caching, ETags from tag versions, a condition and stale-if-error, all on routes the early path may serve. */
@JsonController('/early-beyond')
@cacheResponse({ ttl: 10_000, staleIfError: 60_000, condition: ({ request }) => request.query.preview === undefined })
class EarlyBeyondController {
  @Get('/plain/:id')
  plain(@Param('id') id: string, @Counted() counted: number) {
    if (failing) throw new Error('upstream down');
    return { id, counted };
  }

  @Get('/tagged/:id')
  @etag({ tags: ['item:{id}'] })
  @cacheResponseExempt()
  tagged(@Param('id') id: string, @Counted() counted: number) {
    return { id, counted };
  }

  @Get('/by-args/:id')
  @etag({ tags: ({ args }) => [`item:${String(args[0])}`] })
  @cacheResponseExempt()
  byArgs(@Param('id') id: string, @Counted() counted: number) {
    return { id, counted };
  }
}

for (const driver of DRIVERS) {
  describe(`the early path with class-level decorators, tag ETags, conditions and stale-if-error (${driver})`, () => {
    let server: TestServer;
    let clock: FakeClock;

    before(async () => {
      resetExtensions();
      server = await startServer(driver, { controllers: [EarlyBeyondController] });
    });
    after(async () => {
      await server.close();
      resetExtensions();
    });
    beforeEach(() => {
      clock = new FakeClock();
      configureExtensions({ clock, caches: { default: new MemoryStorage({ now: () => clock.now() }) } });
      resolved = 0;
      failing = false;
    });

    it('answers a hit of a class-level @cacheResponse before resolving a parameter', async () => {
      await server.send('/early-beyond/plain/1');
      const hit = await server.send('/early-beyond/plain/1');

      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(resolved).to.equal(1);
    });

    it('answers a 304 from tag versions before resolving a parameter', async () => {
      const first = await server.send('/early-beyond/tagged/2');
      const notModified = await server.send('/early-beyond/tagged/2', { headers: { 'if-none-match': String(first.headers.etag) } });

      expect(notModified.status).to.equal(304);
      expect(resolved).to.equal(1);
    });

    it('falls back to the action, still answering 304, when the tags function reads the arguments', async () => {
      const first = await server.send('/early-beyond/by-args/3');
      const notModified = await server.send('/early-beyond/by-args/3', { headers: { 'if-none-match': String(first.headers.etag) } });

      expect(notModified.status).to.equal(304);
      expect(resolved).to.equal(2);
    });

    it('leaves a request its condition keeps from the cache to the action', async () => {
      await server.send('/early-beyond/plain/4');
      const preview = await server.send('/early-beyond/plain/4?preview=1');

      expect(preview.headers['cache-status']).to.match(/fwd=bypass$/);
      expect(resolved).to.equal(2);
    });

    it('serves the stale entry the early lookup found when the action then throws', async () => {
      await server.send('/early-beyond/plain/5');
      clock.advance(15_000);
      failing = true;
      const stale = await server.send('/early-beyond/plain/5');

      expect(stale.status).to.equal(200);
      expect(stale.headers['cache-status']).to.match(/detail=stale-if-error/);
    });
  });
}
