import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  ContentType,
  Delete,
  Get,
  Header,
  HttpCode,
  JsonController,
  NotFoundError,
  OnUndefined,
  Param,
  Patch,
  Put,
  QueryParam,
  Res,
  type Action,
} from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { invalidates, invalidateTags } from '../../src/cache/invalidates';
import { CACHE_CHANNEL_NAME, type CacheEvent } from '../../src/events';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { UniqueMethodIdKeyBit } from '../../src/keys/bits/UniqueMethodIdKeyBit';
import { ParamsKeyBit } from '../../src/keys/bits/ParamsKeyBit';
import { UserKeyBit } from '../../src/keys/bits/UserKeyBit';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import type { Storage } from '../../src/storage/Storage';
import { StorageError } from '../../src/errors';
import { Latch, until } from '../helpers/latch';
import { FakeClock } from '../locks/FakeClock';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

class UserScopedKey extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  params = new ParamsKeyBit();
  user = new UserKeyBit();
}

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
let latch = new Latch();
let bigBody = 'x';

@JsonController('/c')
class CachedController {
  @Get('/plain/:id')
  @cacheResponse(60_000)
  plain(@Param('id') id: string, @QueryParam('q') q?: string) {
    count('plain');
    return { id, q: q ?? null, run: runs.plain };
  }

  @Get('/created')
  @HttpCode(201)
  @cacheResponse({ statuses: [201] })
  created() {
    count('created');
    return { run: runs.created };
  }

  @Get('/empty')
  @OnUndefined(204)
  @cacheResponse()
  empty() {
    count('empty');
    return undefined;
  }

  @Get('/text')
  @Header('X-Custom', 'kept')
  @ContentType('text/plain')
  @cacheResponse()
  text() {
    count('text');
    return `text run ${runs.text}`;
  }

  @Get('/bytes')
  @ContentType('application/octet-stream')
  @cacheResponse()
  bytes() {
    count('bytes');
    return Buffer.from([0, 255, 1, 254, runs.bytes]);
  }

  @Get('/missing')
  @cacheResponse()
  missing() {
    count('missing');
    throw new NotFoundError('nothing here');
  }

  @Get('/missing-cached')
  @cacheResponse({ cacheErrors: true })
  missingCached() {
    count('missingCached');
    throw new NotFoundError('nothing here either');
  }

  @Get('/cookie')
  @cacheResponse()
  cookie(@Res() res: { set(name: string, value: string): void }) {
    count('cookie');
    res.set('Set-Cookie', 'session=abc');
    return { run: runs.cookie };
  }

  @Get('/no-store')
  @Header('Cache-Control', 'no-store')
  @cacheResponse()
  noStore() {
    count('noStore');
    return { run: runs.noStore };
  }

  @Get('/private')
  @Header('Cache-Control', 'private, max-age=60')
  @cacheResponse()
  privateResponse() {
    count('private');
    return { run: runs.private };
  }

  @Get('/big')
  @cacheResponse({ maxBodyBytes: 64 })
  big() {
    count('big');
    return { body: bigBody };
  }

  @Get('/me/:id')
  @cacheResponse({ keyFunc: new UserScopedKey() })
  me(@Param('id') id: string) {
    count('me');
    return { id, run: runs.me };
  }

  @Get('/lang')
  @cacheResponse({ vary: ['X-Lang'] })
  lang() {
    count('lang');
    return { run: runs.lang };
  }

  @Get('/client-policy')
  @cacheResponse({ cacheControl: { public: true, maxAgeSeconds: 30 } })
  clientPolicy() {
    count('clientPolicy');
    return { run: runs.clientPolicy };
  }

  @Get('/slow')
  @cacheResponse()
  async slow() {
    count('slow');
    await latch.promise;
    return { run: runs.slow };
  }

  @Get('/client-private')
  @cacheResponse({ cacheControl: { private: true, maxAge: 60 } })
  clientPrivate() {
    count('clientPrivate');
    return { run: runs.clientPrivate };
  }

  @Get('/slow-cookie')
  @cacheResponse()
  async slowCookie(@Res() res: { set(name: string, value: string): void }) {
    count('slowCookie');
    await latch.promise;
    res.set('Set-Cookie', `session=${runs.slowCookie}`);
    return { run: runs.slowCookie };
  }

  @Get('/tagged/:id')
  @cacheResponse({ tags: () => ['things'] })
  tagged(@Param('id') id: string) {
    count('tagged');
    return { id, run: runs.tagged };
  }

  @Put('/plain/:id')
  @invalidates()
  put(@Param('id') id: string) {
    return { updated: id };
  }

  @Patch('/plain/:id')
  @invalidates()
  patch(@Param('id') id: string) {
    return { patched: id };
  }

  @Delete('/plain/:id')
  @OnUndefined(204)
  @invalidates()
  remove() {
    return undefined;
  }

  @Patch('/failing/:id')
  @invalidates(['things'])
  failing() {
    throw new NotFoundError('no such thing');
  }

  @Delete('/things')
  @OnUndefined(204)
  @invalidates(['things'])
  removeThings() {
    return undefined;
  }
}

function currentUserChecker(action: Action): string | undefined {
  const header: string | undefined = action.context ? action.context.get('authorization') : action.request.headers.authorization;
  return header?.replace(/^Bearer /, '') || undefined;
}

/** A store that always fails, as a stopped Redis does once the timeout hits. */
function failingStorage(): Storage {
  const fail = () => Promise.reject(new StorageError('get', 'store down'));
  return { scope: 'cluster', get: fail, getMany: fail, set: fail, delete: fail };
}

for (const driver of DRIVERS) {
  describe(`@cacheResponse (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, { controllers: [CachedController], currentUserChecker });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { default: new MemoryStorage() } });
      for (const name of Object.keys(runs)) delete runs[name];
    });

    it('replays status, headers and exact bytes on a hit without running the action', async () => {
      const first = await server.send('/c/plain/1?q=a');
      const second = await server.send('/c/plain/1?q=a');

      expect(runs.plain).to.equal(1);
      expect(second.status).to.equal(first.status);
      expect(second.body.equals(first.body)).to.equal(true);
      expect(second.headers['content-type']).to.equal(first.headers['content-type']);
      expect(first.headers['cache-status']).to.match(/fwd=uri-miss/);
      expect(second.headers['cache-status']).to.match(/; hit; ttl=\d+/);
      expect(second.headers.age).to.match(/^\d+$/);
    });

    it('keys /plain/1 and /plain/2, ?q=a and ?q=b apart', async () => {
      await server.send('/c/plain/1?q=a');
      const other = await server.send('/c/plain/2?q=a');
      const otherQuery = await server.send('/c/plain/1?q=b');

      expect(runs.plain).to.equal(3);
      expect(other.json()).to.include({ id: '2' });
      expect(otherQuery.json()).to.include({ q: 'b' });
    });

    for (const [path, name] of [
      ['/c/created', 'created'],
      ['/c/empty', 'empty'],
      ['/c/text', 'text'],
      ['/c/bytes', 'bytes'],
    ] as const) {
      it(`keeps the status, headers and body of ${path} through a round trip`, async () => {
        const first = await server.send(path);
        const second = await server.send(path);

        expect(runs[name]).to.equal(1);
        expect(second.status).to.equal(first.status);
        expect(second.body.equals(first.body)).to.equal(true);
        for (const header of ['content-type', 'x-custom']) expect(second.headers[header], header).to.equal(first.headers[header]);
      });
    }

    it('does not store an error by default', async () => {
      const first = await server.send('/c/missing');
      const second = await server.send('/c/missing');

      expect([first.status, second.status]).to.deep.equal([404, 404]);
      expect(runs.missing).to.equal(2);
    });

    it('stores an error with cacheErrors', async () => {
      await server.send('/c/missing-cached');
      const second = await server.send('/c/missing-cached');

      expect(second.status).to.equal(404);
      expect(runs.missingCached).to.equal(1);
    });

    for (const [path, name] of [
      ['/c/cookie', 'cookie'],
      ['/c/no-store', 'noStore'],
      ['/c/private', 'private'],
    ] as const) {
      it(`never stores ${path}`, async () => {
        await server.send(path);
        await server.send(path);

        expect(runs[name]).to.equal(2);
      });
    }

    it('never stores a body over maxBodyBytes', async () => {
      bigBody = 'y'.repeat(200);
      await server.send('/c/big');
      const second = await server.send('/c/big');

      expect(runs.big).to.equal(2);
      expect(second.json()).to.deep.equal({ body: bigBody });
    });

    it('never uses the cache for a request with Authorization when the key has no user bit', async () => {
      await server.send('/c/plain/1', { headers: { authorization: 'Bearer alice' } });
      const bob = await server.send('/c/plain/1', { headers: { authorization: 'Bearer bob' } });
      await server.send('/c/plain/1', { headers: { cookie: 'session=1' } });

      expect(runs.plain).to.equal(3);
      expect(bob.json()).to.include({ run: 2 });
    });

    it('keeps users apart with a UserKeyBit and serves each user their own entry', async () => {
      const alice = await server.send('/c/me/1', { headers: { authorization: 'Bearer alice' } });
      const bob = await server.send('/c/me/1', { headers: { authorization: 'Bearer bob' } });
      const aliceAgain = await server.send('/c/me/1', { headers: { authorization: 'Bearer alice' } });

      expect(runs.me).to.equal(2);
      expect(aliceAgain.body.equals(alice.body)).to.equal(true);
      expect(bob.json()).to.include({ run: 2 });
    });

    it('stores one variant per value of a vary header, absent apart from empty', async () => {
      for (const headers of [{ 'x-lang': 'en' }, { 'x-lang': 'de' }, {}, { 'x-lang': '' }, { 'x-lang': 'en' }, {}]) {
        const response = await server.send('/c/lang', { headers });
        expect(response.headers.vary).to.match(/x-lang/i);
      }

      expect(runs.lang).to.equal(4);
    });

    it('sends the cacheControl option to clients on misses and hits', async () => {
      const miss = await server.send('/c/client-policy');
      const hit = await server.send('/c/client-policy');

      expect(miss.headers['cache-control']).to.equal('public, max-age=30');
      expect(hit.headers['cache-control']).to.equal('public, max-age=30');
      expect(runs.clientPolicy).to.equal(1);
    });

    it('answers HEAD from the GET entry and never stores a HEAD response', async () => {
      const coldHead = await server.send('/c/plain/5', { method: 'HEAD' });
      const get = await server.send('/c/plain/5');
      const warmHead = await server.send('/c/plain/5', { method: 'HEAD' });

      expect(coldHead.body.length).to.equal(0);
      expect(get.json()).to.include({ id: '5' });
      expect(runs.plain).to.equal(2);
      expect(warmHead.status).to.equal(200);
      expect(warmHead.body.length).to.equal(0);
      expect(warmHead.headers['content-length']).to.equal(String(get.body.length));
    });

    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      it(`drops every variant of a path after a successful ${method}`, async () => {
        await server.send('/c/plain/7?q=a');
        await server.send('/c/plain/7?q=b');
        await server.send('/c/plain/8');
        const write = await server.send('/c/plain/7', { method });
        await server.send('/c/plain/7?q=a');
        await server.send('/c/plain/7?q=b');
        await server.send('/c/plain/8');

        expect(write.status).to.equal(method === 'DELETE' ? 204 : 200);
        expect(runs.plain).to.equal(5);
      });
    }

    it('drops tagged entries through @invalidates(tags) and invalidateTags(), not after an error', async () => {
      await server.send('/c/tagged/1');
      await server.send('/c/tagged/2');
      await server.send('/c/failing/1', { method: 'PATCH' });
      await server.send('/c/tagged/1');
      expect(runs.tagged).to.equal(2);

      await server.send('/c/things', { method: 'DELETE' });
      await server.send('/c/tagged/1');
      await server.send('/c/tagged/2');
      expect(runs.tagged).to.equal(4);

      await invalidateTags(['things']);
      await server.send('/c/tagged/1');
      expect(runs.tagged).to.equal(5);
    });

    it('runs the action once for 200 concurrent misses on one key and answers all alike', async () => {
      latch = new Latch();
      const responses = Array.from({ length: 200 }, () => server.send('/c/slow'));
      await until(() => runs.slow === 1, 'the first request reached the action');
      latch.open();
      const all = await Promise.all(responses);

      expect(runs.slow).to.equal(1);
      expect(new Set(all.map((response) => `${response.status} ${response.text}`)).size).to.equal(1);
    });

    it('stores a response whose Cache-Control came from its own cacheControl option, private included', async () => {
      const miss = await server.send('/c/client-private');
      const hit = await server.send('/c/client-private');

      expect(miss.headers['cache-control']).to.equal('private, max-age=60');
      expect(hit.headers['cache-control']).to.equal('private, max-age=60');
      expect(runs.clientPrivate).to.equal(1);
    });

    it('never hands a waiter a response it could not store (Set-Cookie): each waiter runs the action', async () => {
      latch = new Latch();
      const responses = Array.from({ length: 3 }, () => server.send('/c/slow-cookie'));
      await until(() => runs.slowCookie === 1, 'the leader reached the action');
      latch.open();
      const all = await Promise.all(responses);

      expect(runs.slowCookie).to.equal(3);
      expect(new Set(all.map((response) => String(response.headers['set-cookie']))).size).to.equal(3);
    });

    it('does not let a HEAD lead a flight that a GET joins: the GET gets its body', async () => {
      latch = new Latch();
      const head = server.send('/c/slow', { method: 'HEAD' });
      await until(() => runs.slow === 1, 'the HEAD reached the action');
      const get = server.send('/c/slow');
      await until(() => runs.slow === 2, 'the GET ran the action itself');
      latch.open();
      const [headResponse, getResponse] = await Promise.all([head, get]);

      expect(headResponse.body.length).to.equal(0);
      expect(getResponse.json()).to.have.property('run');
    });

    it('serves uncached when the store fails, without hanging', async () => {
      configureExtensions({ caches: { default: failingStorage() } });
      const first = await server.send('/c/plain/1');
      const second = await server.send('/c/plain/1');

      expect([first.status, second.status]).to.deep.equal([200, 200]);
      expect(runs.plain).to.equal(2);
    });

    it('still runs the action once for concurrent misses on one key while the store fails', async () => {
      configureExtensions({ caches: { default: failingStorage() } });
      latch = new Latch();
      const seen: string[] = [];
      const listener = (message: unknown) => seen.push((message as CacheEvent).type);
      subscribe(CACHE_CHANNEL_NAME, listener);
      const responses = Array.from({ length: 20 }, () => server.send('/c/slow'));
      const arrived = () => seen.filter((type) => type === 'miss' || type === 'coalesced').length;
      await until(() => arrived() === 20, 'all 20 requests led or joined').finally(() => unsubscribe(CACHE_CHANNEL_NAME, listener));
      expect(seen.filter((type) => type === 'store-error').length).to.be.greaterThan(0);
      latch.open();
      const all = await Promise.all(responses);
      const again = await server.send('/c/slow');

      expect(runs.slow).to.equal(2);
      expect(all.every((response) => response.status === 200 && response.text === all[0].text)).to.equal(true);
      expect(again.json()).to.deep.equal({ run: 2 });
    });
  });
}

const NEWS_TTL_MS = 10_000;

@JsonController('/swr')
class StaleController {
  @Get('/news')
  @cacheResponse({ ttl: NEWS_TTL_MS, staleWhileRevalidate: 60_000 })
  news() {
    count('news');
    return { run: runs.news };
  }

  @Get('/validated')
  @Header('ETag', '"v1"')
  @Header('Last-Modified', 'Sun, 01 Nov 2026 10:00:00 GMT')
  @cacheResponse()
  validated() {
    count('validated');
    return { run: runs.validated };
  }
}

for (const driver of DRIVERS) {
  describe(`@cacheResponse staleWhileRevalidate and revalidation (${driver})`, () => {
    let server: TestServer;
    const events: CacheEvent[] = [];
    const listener = (message: unknown) => events.push(message as CacheEvent);

    before(async () => {
      subscribe(CACHE_CHANNEL_NAME, listener);
      server = await startServer(driver, { controllers: [StaleController] });
    });
    after(async () => {
      unsubscribe(CACHE_CHANNEL_NAME, listener);
      await server.close();
    });
    let clock: FakeClock;

    beforeEach(() => {
      resetExtensions();
      clock = new FakeClock();
      configureExtensions({ caches: { default: new MemoryStorage({ now: () => clock.now() }) }, clock });
      for (const name of Object.keys(runs)) delete runs[name];
      events.length = 0;
    });

    it('serves a stale entry at once and refreshes it once in the background', async () => {
      const first = await server.send('/swr/news');
      await until(() => events.some((event) => event.type === 'stored'), 'the first response was stored');
      clock.advance(NEWS_TTL_MS + 1);
      events.length = 0;
      const stale = await server.send('/swr/news');
      await until(() => events.some((event) => event.type === 'stored'), 'the background refresh stored its response');
      const refreshed = await server.send('/swr/news');

      expect(stale.body.equals(first.body)).to.equal(true);
      expect(stale.headers['cache-status']).to.match(/fwd=stale/);
      expect(runs.news).to.equal(2);
      expect(refreshed.json()).to.deep.equal({ run: 2 });
    });

    it('answers 304 from the stored validators without running the action', async () => {
      await server.send('/swr/validated');
      const byEtag = await server.send('/swr/validated', { headers: { 'if-none-match': 'W/"v1"' } });
      const byDate = await server.send('/swr/validated', { headers: { 'if-modified-since': 'Sun, 01 Nov 2026 10:00:00 GMT' } });
      const changed = await server.send('/swr/validated', { headers: { 'if-none-match': '"v0"' } });

      expect(runs.validated).to.equal(1);
      expect([byEtag.status, byDate.status, changed.status]).to.deep.equal([304, 304, 200]);
      expect(byEtag.headers.etag).to.equal('"v1"');
      expect(byEtag.body.length).to.equal(0);
    });
  });
}
