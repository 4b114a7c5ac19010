import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Get, Header, JsonController, NotFoundError, Param, Patch } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { invalidates, invalidateTags } from '../../src/cache/invalidates';
import { configureExtensions, getExtensionsSettings, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { CACHE_CHANNEL_NAME, type CacheEvent } from '../../src/events';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { UniqueMethodIdKeyBit } from '../../src/keys/bits/UniqueMethodIdKeyBit';
import { UserKeyBit } from '../../src/keys/bits/UserKeyBit';
import { decorate } from '../helpers/decorate';
import { until } from '../helpers/latch';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);

@JsonController('/shops')
class ShopController {
  @Get('/:id')
  @cacheResponse({ ttl: 60_000, tags: ['shop:{id}', 'shops'], cdnCacheControl: { maxAgeSeconds: 300, staleIfErrorSeconds: 600 } })
  one(@Param('id') id: string) {
    count('one');
    return { id };
  }

  @Get('/:id/preview')
  @cacheResponse({ tags: ['shop:{id}'], condition: ({ request }) => request.query.preview === undefined })
  preview() {
    return {};
  }

  @Get('/:id/odd')
  @cacheResponse({ tags: () => ['a b,c', 'café'] })
  odd() {
    return {};
  }

  @Get('/:id/keyed')
  @Header('Surrogate-Key', 'mine')
  @cacheResponse({ tags: ['shop:{id}'] })
  keyed() {
    return {};
  }

  @Get('/:id/no-store')
  @Header('Cache-Control', 'no-store')
  @cacheResponse({ cdnCacheControl: { maxAgeSeconds: 300 } })
  noStore() {
    return {};
  }

  @Get('/:id/own-cdn')
  @Header('CDN-Cache-Control', 'max-age=5')
  @cacheResponse({ cdnCacheControl: { maxAgeSeconds: 300 } })
  ownCdn() {
    return {};
  }

  @Get('/:id/missing')
  @cacheResponse({ cdnCacheControl: { maxAgeSeconds: 300 } })
  missing() {
    throw new NotFoundError('no such shop');
  }

  @Patch('/:id')
  @invalidates(['shop:{id}'])
  update(@Param('id') id: string) {
    if (id === 'none') throw new NotFoundError('no such shop');
    return { updated: id };
  }
}

/** Collects cache events of one kind while `work` runs (it sees them arrive). */
async function eventsDuring<T extends CacheEvent['type']>(
  type: T,
  work: (events: ReadonlyArray<CacheEvent & { type: T }>) => Promise<unknown>,
): Promise<Array<CacheEvent & { type: T }>> {
  const events: Array<CacheEvent & { type: T }> = [];
  const listener = (event: unknown) => {
    if ((event as CacheEvent).type === type) events.push(event as CacheEvent & { type: T });
  };
  subscribe(CACHE_CHANNEL_NAME, listener);
  try {
    await work(events);
  } finally {
    unsubscribe(CACHE_CHANNEL_NAME, listener);
  }
  return events;
}

for (const driver of DRIVERS) {
  describe(`CDN integration (${driver})`, () => {
    let server: TestServer;
    let purges: Array<readonly string[]>;
    let purge: (tags: readonly string[]) => void | Promise<void>;

    before(async () => {
      resetExtensions();
      server = await startServer(driver, { controllers: [ShopController] });
    });
    after(async () => {
      await server.close();
      resetExtensions();
    });
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
      purges = [];
      purge = (tags) => void purges.push(tags);
      configureExtensions({ cdn: { surrogateKeyHeader: 'Surrogate-Key', purge: (tags) => purge(tags) } });
    });

    it('sends the path and the tags as space-separated Surrogate-Key on a miss and on a hit', async () => {
      const miss = await server.send(`/shops/${driver}-1`);
      const hit = await server.send(`/shops/${driver}-1`);

      expect(miss.headers['surrogate-key']).to.equal(`/shops/${driver}-1 shop:${driver}-1 shops`);
      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(hit.headers['surrogate-key']).to.equal(miss.headers['surrogate-key']);
    });

    it('sends comma-separated Cache-Tag when the setting names it', async () => {
      configureExtensions({ cdn: { surrogateKeyHeader: 'Cache-Tag' } });
      const response = await server.send(`/shops/${driver}-2`);

      expect(response.headers['cache-tag']).to.equal(`/shops/${driver}-2,shop:${driver}-2,shops`);
      expect(response.headers['surrogate-key']).to.equal(undefined);
    });

    it('percent-encodes a separator, a space or a non-ASCII character inside a key', async () => {
      const spaced = await server.send(`/shops/${driver}-3/odd`);
      configureExtensions({ cdn: { surrogateKeyHeader: 'Cache-Tag' } });
      const commas = await server.send(`/shops/${driver}-4/odd`);

      expect(spaced.headers['surrogate-key']).to.equal(`/shops/${driver}-3/odd a%20b,c caf%C3%A9`);
      expect(commas.headers['cache-tag']).to.equal(`/shops/${driver}-4/odd,a%20b%2Cc,caf%C3%A9`);
    });

    it('keeps the keys the action set itself in the same header', async () => {
      const response = await server.send(`/shops/${driver}-5/keyed`);

      expect(String(response.headers['surrogate-key']).split(' ').sort()).to.deep.equal(
        ['mine', `/shops/${driver}-5/keyed`, `shop:${driver}-5`].sort(),
      );
    });

    it('sends the surrogate keys on a request its condition keeps from the cache, which a CDN may still keep', async () => {
      const response = await server.send(`/shops/${driver}-6/preview?preview=1`);

      expect(response.headers['cache-status']).to.match(/fwd=bypass$/);
      expect(response.headers['surrogate-key']).to.equal(`/shops/${driver}-6/preview shop:${driver}-6`);
    });

    it('sends no surrogate keys on a credentialed request, which bypasses the cache', async () => {
      const response = await server.send(`/shops/${driver}-6`, { headers: { authorization: 'Bearer x' } });

      expect(response.headers['cache-status']).to.match(/fwd=bypass/);
      expect(response.headers['surrogate-key']).to.equal(undefined);
      expect(response.headers['cdn-cache-control']).to.equal(undefined);
    });

    it('calls purge with the keys of a successful write once the local entries are invalidated', async () => {
      let readInPurge: string | undefined;
      purge = async (tags) => {
        readInPurge = String((await server.send(`/shops/${driver}-7`)).headers['cache-status']);
        purges.push(tags);
      };
      await server.send(`/shops/${driver}-7`);
      const written = await server.send(`/shops/${driver}-7`, { method: 'PATCH' });
      await until(() => purges.length === 1, 'purge was called');

      expect(written.status).to.equal(200);
      expect(purges[0]).to.deep.equal([`/shops/${driver}-7`, `shop:${driver}-7`]);
      expect(readInPurge).to.match(/fwd=uri-miss/);
    });

    it('never purges after a failed write', async () => {
      const failed = await server.send('/shops/none', { method: 'PATCH' });
      const later = await server.send(`/shops/${driver}-8`, { method: 'PATCH' });
      await until(() => purges.length === 1, 'the later write purged');

      expect(failed.status).to.equal(404);
      expect(later.status).to.equal(200);
      expect(purges).to.deep.equal([[`/shops/${driver}-8`, `shop:${driver}-8`]]);
    });

    for (const [how, failing] of [
      ['rejects', async () => Promise.reject(new Error('CDN API down'))],
      [
        'throws',
        () => {
          throw new Error('CDN API down');
        },
      ],
    ] as const) {
      it(`answers the write and reports a purge-error event when purge ${how}`, async () => {
        purge = failing;
        let written: { status: number } | undefined;
        const events = await eventsDuring('purge-error', async (seen) => {
          written = await server.send(`/shops/${driver}-9`, { method: 'PATCH' });
          await until(() => seen.length === 1, 'the purge failed');
        });

        expect(written?.status).to.equal(200);
        expect(events[0].tags).to.deep.equal([`/shops/${driver}-9`, `shop:${driver}-9`]);
        expect((events[0].error as Error).message).to.equal('CDN API down');
      });
    }

    it('purges the tags and paths invalidateTags invalidates, and resolves once the purge settled', async () => {
      let settled = false;
      purge = async (tags) => {
        await new Promise((resolve) => setImmediate(resolve));
        purges.push(tags);
        settled = true;
      };
      await invalidateTags(['shops'], { paths: ['/shops/10'] });

      expect(settled).to.equal(true);
      expect(purges).to.deep.equal([['shops', '/shops/10']]);
    });

    it('resolves invalidateTags when purge fails, and reports it', async () => {
      purge = () => Promise.reject(new Error('CDN API down'));
      const events = await eventsDuring('purge-error', () => invalidateTags(['shops']));

      expect(events.map((event) => event.tags)).to.deep.equal([['shops']]);
    });

    it('sends CDN-Cache-Control on a miss and on a hit', async () => {
      const miss = await server.send(`/shops/${driver}-11`);
      const hit = await server.send(`/shops/${driver}-11`);

      expect(miss.headers['cdn-cache-control']).to.equal('max-age=300, stale-if-error=600');
      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(hit.headers['cdn-cache-control']).to.equal('max-age=300, stale-if-error=600');
    });

    it("sends no CDN-Cache-Control on a no-store response, on an error, or over the action's own", async () => {
      const noStore = await server.send(`/shops/${driver}-12/no-store`);
      const missing = await server.send(`/shops/${driver}-12/missing`);
      const own = await server.send(`/shops/${driver}-12/own-cdn`);

      expect(noStore.headers['cdn-cache-control']).to.equal(undefined);
      expect(missing.status).to.equal(404);
      expect(missing.headers['cdn-cache-control']).to.equal(undefined);
      expect(own.headers['cdn-cache-control']).to.equal('max-age=5');
    });
  });
}

describe('CDN integration: mistakes', () => {
  afterEach(() => resetExtensions());

  it('refuses a cdn setting with an unknown header, a purge that is no function, or an unknown field', () => {
    expect(() => configureExtensions({ cdn: { surrogateKeyHeader: 'X-Tags' as never } })).to.throw(
      InvalidOptionError,
      /^configureExtensions: option cdn\.surrogateKeyHeader/,
    );
    expect(() => configureExtensions({ cdn: { purge: 'https://cdn' as never } })).to.throw(InvalidOptionError, /option cdn\.purge/);
    expect(() => configureExtensions({ cdn: { purgeUrl: 'x' } as never })).to.throw(InvalidOptionError, /option cdn\.purgeUrl/);
    expect(getExtensionsSettings().cdn).to.equal(null);
  });

  it('accepts the header name in any case and stores it in its canonical spelling', () => {
    configureExtensions({ cdn: { surrogateKeyHeader: 'cache-tag' as never } });

    expect(getExtensionsSettings().cdn?.surrogateKeyHeader).to.equal('Cache-Tag');
  });

  it('names cdnCacheControl for a bad directive, and refuses it with a key that identifies the user', () => {
    class UserKey extends KeyConstructor {
      method = new UniqueMethodIdKeyBit();
      user = new UserKeyBit();
    }
    expect(() => decorate(cacheResponse({ cdnCacheControl: { maxAgeSeconds: -1 } }))).to.throw(
      InvalidOptionError,
      /option cdnCacheControl\.maxAgeSeconds/,
    );
    expect(() => decorate(cacheResponse({ keyFunc: new UserKey(), cdnCacheControl: { maxAgeSeconds: 60 } }))).to.throw(
      InvalidOptionError,
      /option cdnCacheControl must be unset with keyFunc, which identifies the user/,
    );
  });
});
