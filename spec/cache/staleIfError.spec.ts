import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Get, HttpError, JsonController, NotFoundError, OnUndefined, Param, Patch } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { invalidates } from '../../src/cache/invalidates';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { CACHE_CHANNEL_NAME, type CacheEvent } from '../../src/events';
import { decorate } from '../helpers/decorate';
import { Latch, until } from '../helpers/latch';
import { RecordingStorage } from '../helpers/recordingStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { FakeClock } from '../locks/FakeClock';

type Failure = 'none' | 'throw' | 'http-503' | 'answer-503' | 'not-found';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
let failure: Failure = 'none';
let gate: Promise<void> | undefined;

@JsonController()
class WeatherController {
  @Get('/weather/:city')
  @OnUndefined(503)
  @cacheResponse({ ttl: 10_000, staleIfError: 60_000, tags: ['weather:{city}'] })
  async forecast(@Param('city') city: string) {
    const run = count('forecast');
    await gate;
    if (failure === 'throw') throw new Error('the weather service is down');
    if (failure === 'http-503') throw new HttpError(503, 'the weather service is overloaded');
    if (failure === 'not-found') throw new NotFoundError(`no city ${city}`);
    if (failure === 'answer-503') return undefined;
    return { city, run };
  }

  @Get('/weather-swr/:city')
  @cacheResponse({ ttl: 10_000, staleWhileRevalidate: 20_000, staleIfError: 60_000 })
  swr(@Param('city') city: string) {
    return { city, run: count('swr') };
  }

  @Patch('/weather/:city')
  @invalidates(['weather:{city}'])
  report(@Param('city') city: string) {
    return { city };
  }
}

for (const driver of DRIVERS) {
  describe(`@cacheResponse({ staleIfError }) (${driver})`, () => {
    let server: TestServer;
    let clock: FakeClock;
    let storage: RecordingStorage;
    let events: CacheEvent[];
    const listener = (event: unknown) => {
      if ((event as CacheEvent).type === 'stale-if-error' || (event as CacheEvent).type === 'coalesced') events.push(event as CacheEvent);
    };

    before(async () => {
      resetExtensions();
      clock = new FakeClock();
      storage = new RecordingStorage();
      configureExtensions({ clock, caches: { default: storage } });
      server = await startServer(driver, { controllers: [WeatherController] });
      subscribe(CACHE_CHANNEL_NAME, listener);
    });
    after(async () => {
      unsubscribe(CACHE_CHANNEL_NAME, listener);
      await server.close();
      resetExtensions();
    });
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
      failure = 'none';
      gate = undefined;
      events = [];
    });

    /** Stores `/weather/<city>`, then lets `ms` pass. */
    async function storedAndAged(city: string, ms: number): Promise<void> {
      const before = storage.writesOf('rcx:response:').length;
      const stored = await server.send(`/weather/${city}`);
      expect(stored.status).to.equal(200);
      await until(() => storage.writesOf('rcx:response:').length > before, 'the entry was stored');
      clock.advance(ms);
    }

    it('serves the stale entry, marked in Cache-Status, when the action throws past freshness; the error reaches the events', async () => {
      await storedAndAged(`${driver}-lyon`, 15_000);
      failure = 'throw';
      const stale = await server.send(`/weather/${driver}-lyon`);

      expect(stale.status).to.equal(200);
      expect(stale.json()).to.deep.equal({ city: `${driver}-lyon`, run: 1 });
      expect(stale.headers['cache-status']).to.equal('default; fwd=stale; fwd-status=500; detail=stale-if-error');
      expect(stale.headers.age).to.equal('15');
      expect(runs.forecast).to.equal(2);
      const reported = events.filter((event) => event.type === 'stale-if-error') as Array<CacheEvent & { type: 'stale-if-error' }>;
      expect(reported.map(({ status }) => status)).to.deep.equal([500]);
      expect((reported[0].error as Error).message).to.equal('the weather service is down');
    });

    it('answers a HEAD with the stale entry too while the action throws', async () => {
      await storedAndAged(`${driver}-agen`, 11_000);
      failure = 'throw';
      const head = await server.send(`/weather/${driver}-agen`, { method: 'HEAD' });

      expect(head.status).to.equal(200);
      expect(head.body.length).to.equal(0);
      expect(head.headers['cache-status']).to.match(/detail=stale-if-error/);
    });

    it('serves the stale entry when the action throws an HttpError of status 503', async () => {
      await storedAndAged(`${driver}-nice`, 11_000);
      failure = 'http-503';
      const stale = await server.send(`/weather/${driver}-nice`);

      expect(stale.status).to.equal(200);
      expect(stale.headers['cache-status']).to.match(/fwd-status=503/);
    });

    it('serves the stale entry when the action answers 503 without throwing', async () => {
      await storedAndAged(`${driver}-pau`, 11_000);
      failure = 'answer-503';
      const stale = await server.send(`/weather/${driver}-pau`);

      expect(stale.status).to.equal(200);
      expect(stale.json()).to.deep.equal({ city: `${driver}-pau`, run: 1 });
      expect(stale.headers['cache-status']).to.equal('default; fwd=stale; fwd-status=503; detail=stale-if-error');
      expect(events.filter((event) => event.type === 'stale-if-error')).to.have.length(1);
    });

    it('lets a 4xx through: an answer, not an outage', async () => {
      await storedAndAged(`${driver}-metz`, 11_000);
      failure = 'not-found';
      const response = await server.send(`/weather/${driver}-metz`);

      expect(response.status).to.equal(404);
    });

    it('lets the error through once the window past freshness is over', async () => {
      await storedAndAged(`${driver}-brest`, 10_000 + 60_000);
      failure = 'throw';
      const response = await server.send(`/weather/${driver}-brest`);

      expect(response.status).to.equal(500);
    });

    it('never serves an invalidated entry in place of an error', async () => {
      await storedAndAged(`${driver}-caen`, 11_000);
      await server.send(`/weather/${driver}-caen`, { method: 'PATCH' });
      failure = 'throw';
      const response = await server.send(`/weather/${driver}-caen`);

      expect(response.status).to.equal(500);
    });

    it('answers from the fresh entry within the ttl without running the action', async () => {
      await storedAndAged(`${driver}-dax`, 5_000);
      failure = 'throw';
      const hit = await server.send(`/weather/${driver}-dax`);

      expect(hit.headers['cache-status']).to.match(/; hit; ttl=5$/);
      expect(runs.forecast).to.equal(1);
    });

    it('keeps the stale entry stale: once the action recovers, the next request runs it and stores anew', async () => {
      await storedAndAged(`${driver}-albi`, 11_000);
      failure = 'throw';
      await server.send(`/weather/${driver}-albi`);
      failure = 'none';
      const recovered = await server.send(`/weather/${driver}-albi`);

      expect(recovered.headers['cache-status']).to.match(/fwd=uri-miss/);
      expect(recovered.json()).to.deep.equal({ city: `${driver}-albi`, run: 3 });
    });

    it('gives a request that joined the failing one the stale entry too', async () => {
      await storedAndAged(`${driver}-sete`, 11_000);
      failure = 'throw';
      const latch = new Latch();
      gate = latch.promise;
      const first = server.send(`/weather/${driver}-sete`);
      await until(() => runs.forecast === 2, 'the failing run started');
      const second = server.send(`/weather/${driver}-sete`);
      await until(() => events.some((event) => event.type === 'coalesced'), 'the second request joined the first');
      latch.open();
      const answers = await Promise.all([first, second]);

      expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200]);
      expect(answers.map((answer) => answer.json())).to.deep.equal([
        { city: `${driver}-sete`, run: 1 },
        { city: `${driver}-sete`, run: 1 },
      ]);
      expect(runs.forecast).to.equal(2);
    });

    it('keeps entries in the store for ttl + staleWhileRevalidate + staleIfError', async () => {
      const before = storage.writesOf('rcx:response:').length;
      await server.send(`/weather-swr/${driver}-rodez`);
      await until(() => storage.writesOf('rcx:response:').length > before, 'the entry was stored');

      expect(storage.writesOf('rcx:response:').slice(before)[0].ttlMs).to.equal(10_000 + 20_000 + 60_000);
    });
  });
}

describe('@cacheResponse({ staleIfError }): mistakes', () => {
  it('names the option for a negative or non-numeric window', () => {
    expect(() => decorate(cacheResponse({ staleIfError: -1 }))).to.throw(
      InvalidOptionError,
      /option staleIfError must be a non-negative number/,
    );
    expect(() => decorate(cacheResponse({ staleIfError: '1m' as never }))).to.throw(InvalidOptionError, /option staleIfError/);
  });
});
