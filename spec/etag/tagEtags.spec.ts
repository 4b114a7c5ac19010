import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Body, createExpressServer, createKoaServer, Get, JsonController, Param, Patch, Put } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { invalidates, invalidateTags } from '../../src/cache/invalidates';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { etag } from '../../src/etag/etag';
import { CACHE_CHANNEL_NAME, type CacheEvent } from '../../src/events';
import { decorate } from '../helpers/decorate';
import { RecordingStorage } from '../helpers/recordingStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
const towns: Record<string, string> = {};

@JsonController('/towns')
class TownController {
  @Get('/:id')
  @etag({ tags: ['town:{id}'] })
  @cacheResponse({ ttl: 60_000, tags: ['town:{id}'] })
  one(@Param('id') id: string) {
    count('one');
    return { id, name: towns[id] ?? 'unnamed' };
  }

  @Get('/:id/summary')
  @etag({ tags: (context) => [`town:${String(context.args[0])}`] })
  summary(@Param('id') id: string) {
    count('summary');
    return { id, summary: `${towns[id] ?? 'unnamed'} is a town` };
  }

  @Get('/:id/weak')
  @etag({ tags: ['town:{id}'], weak: true })
  weak(@Param('id') id: string) {
    return { id };
  }

  @Patch('/:id')
  @invalidates(['town:{id}'])
  rename(@Param('id') id: string, @Body() body: { name: string }) {
    count('rename');
    towns[id] = body.name;
    return { id, name: body.name };
  }

  @Put('/:id')
  @etag({ tags: ['town:{id}'], rebuildAfterMethodEvaluation: true, requirePrecondition: true })
  @invalidates(['town:{id}'])
  replace(@Param('id') id: string, @Body() body: { name: string }) {
    count('replace');
    towns[id] = body.name;
    return { id, name: body.name };
  }
}

const isStrongTag = (value: unknown) => typeof value === 'string' && /^"[A-Za-z0-9_-]{27}"$/.test(value);

for (const driver of DRIVERS) {
  describe(`@etag({ tags }): ETags from tag versions (${driver})`, () => {
    let server: TestServer;
    let storage: RecordingStorage;

    before(async () => {
      resetExtensions();
      storage = new RecordingStorage();
      configureExtensions({ caches: { default: storage } });
      server = await startServer(driver, { controllers: [TownController] });
    });
    after(async () => {
      await server.close();
      resetExtensions();
    });
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
      storage.failing = false;
    });

    it('sends the same strong ETag on every read until the data changes', async () => {
      const first = await server.send(`/towns/${driver}-a`);
      const second = await server.send(`/towns/${driver}-a/summary`);
      const again = await server.send(`/towns/${driver}-a/summary`);

      expect(isStrongTag(first.headers.etag), String(first.headers.etag)).to.equal(true);
      expect(again.headers.etag).to.equal(second.headers.etag);
    });

    it('answers If-None-Match with 304 without running the action or reading a cache entry', async () => {
      const first = await server.send(`/towns/${driver}-b`);
      const entryReads = storage.readsOf('rcx:response:').length;
      const revalidated = await server.send(`/towns/${driver}-b`, { headers: { 'if-none-match': String(first.headers.etag) } });

      expect(revalidated.status).to.equal(304);
      expect(revalidated.headers.etag).to.equal(first.headers.etag);
      expect(runs.one).to.equal(1);
      expect(storage.readsOf('rcx:response:').length).to.equal(entryReads);
    });

    it("changes the ETag of the written id after @invalidates(['town:{id}']), not of another id", async () => {
      const before = await server.send(`/towns/${driver}-c`);
      const other = await server.send(`/towns/${driver}-d`);
      const patched = await server.send(`/towns/${driver}-c`, { method: 'PATCH', body: { name: 'Carcassonne' } });
      const after = await server.send(`/towns/${driver}-c`, { headers: { 'if-none-match': String(before.headers.etag) } });
      const otherAgain = await server.send(`/towns/${driver}-d`, { headers: { 'if-none-match': String(other.headers.etag) } });

      expect(patched.status).to.equal(200);
      expect(after.status).to.equal(200);
      expect(after.json()).to.deep.equal({ id: `${driver}-c`, name: 'Carcassonne' });
      expect(after.headers.etag).not.to.equal(before.headers.etag);
      expect(isStrongTag(after.headers.etag)).to.equal(true);
      expect(otherAgain.status).to.equal(304);
    });

    it('changes the ETag of every route whose tags the write names, tags from a function included', async () => {
      const summary = await server.send(`/towns/${driver}-e/summary`);
      await server.send(`/towns/${driver}-e`, { method: 'PATCH', body: { name: 'Eze' } });
      const after = await server.send(`/towns/${driver}-e/summary`, { headers: { 'if-none-match': String(summary.headers.etag) } });

      expect(after.status).to.equal(200);
      expect(after.json()).to.deep.equal({ id: `${driver}-e`, summary: 'Eze is a town' });
    });

    it('changes the ETag after invalidateTags', async () => {
      const before = await server.send(`/towns/${driver}-f/summary`);
      await invalidateTags([`town:${driver}-f`]);
      const after = await server.send(`/towns/${driver}-f/summary`, { headers: { 'if-none-match': String(before.headers.etag) } });

      expect(after.status).to.equal(200);
      expect(after.headers.etag).not.to.equal(before.headers.etag);
    });

    it('sends the ETag of the new state after a write, so the next read with it is a 304 that runs nothing', async () => {
      const current = String((await server.send(`/towns/${driver}-g`)).headers.etag);
      const written = await server.send(`/towns/${driver}-g`, { method: 'PUT', headers: { 'if-match': current }, body: { name: 'Gap' } });
      const read = await server.send(`/towns/${driver}-g`, { headers: { 'if-none-match': String(written.headers.etag) } });

      expect(written.status).to.equal(200);
      expect(written.headers.etag).not.to.equal(current);
      expect(read.status).to.equal(304);
      expect(runs.one).to.equal(1);
    });

    it('answers 412 to a write whose If-Match names the tag before another write, without running it', async () => {
      const current = String((await server.send(`/towns/${driver}-h`)).headers.etag);
      await server.send(`/towns/${driver}-h`, { method: 'PATCH', body: { name: 'Hyères' } });
      const stale = await server.send(`/towns/${driver}-h`, { method: 'PUT', headers: { 'if-match': current }, body: { name: 'Lost' } });

      expect(stale.status).to.equal(412);
      expect(runs.replace).to.equal(undefined);
    });

    it('sends a weak tag with weak: true', async () => {
      const response = await server.send(`/towns/${driver}-i/weak`);

      expect(response.headers.etag).to.match(/^W\/"[A-Za-z0-9_-]{27}"$/);
    });

    it('serves a read without a tag-version ETag while the store fails, and reports it', async () => {
      const events: CacheEvent[] = [];
      const listener = (event: unknown) => events.push(event as CacheEvent);
      subscribe(CACHE_CHANNEL_NAME, listener);
      storage.failing = true;
      const response = await server.send(`/towns/${driver}-j/summary`).finally(() => unsubscribe(CACHE_CHANNEL_NAME, listener));

      // (Express may still add its own weak tag of the body: a validator of the bytes, never of stale versions.)
      expect(response.status).to.equal(200);
      expect(isStrongTag(response.headers.etag)).to.equal(false);
      expect(events.some((event) => event.type === 'store-error')).to.equal(true);
    });

    it('answers 503 to a conditional write while the store fails: its precondition cannot be checked', async () => {
      storage.failing = true;
      const response = await server.send(`/towns/${driver}-k`, { method: 'PUT', headers: { 'if-match': '"any"' }, body: { name: 'K' } });

      expect(response.status).to.equal(503);
      expect(runs.replace).to.equal(undefined);
    });
  });
}

describe('@etag({ tags }) and tag placeholders: mistakes', () => {
  afterEach(() => resetExtensions());

  it('fails at decoration on braces that are no {param} placeholder', () => {
    expect(() => decorate(etag({ tags: ['town:{id'] }))).to.throw(InvalidOptionError, /^@etag on Probe\.method: option tags .*"town:\{id"/);
    expect(() => decorate(invalidates(['{}']))).to.throw(InvalidOptionError, /^@invalidates on Probe\.method: option tags/);
    expect(() => decorate(cacheResponse({ tags: ['a}b'] }))).to.throw(InvalidOptionError, /^@cacheResponse on Probe\.method: option tags/);
  });

  it('fails at decoration for tags with content, or a cache without tags', () => {
    expect(() => decorate(etag({ tags: ['x'], content: true }))).to.throw(InvalidOptionError, /option content/);
    expect(() => decorate(etag({ cache: 'default' }))).to.throw(InvalidOptionError, /option cache must be given only with tags/);
  });

  it('refuses placeholders in invalidateTags, which has no route', async () => {
    let error: unknown;
    await invalidateTags(['town:{id}']).catch((thrown: unknown) => (error = thrown));

    expect(error).to.be.instanceOf(InvalidOptionError);
  });

  for (const [builder, build] of [
    ['createExpressServer', createExpressServer],
    ['createKoaServer', createKoaServer],
  ] as const) {
    it(`fails ${builder}, naming the route, when a placeholder names no route parameter`, () => {
      @JsonController('/villages')
      class VillageController {
        @Get('/:id')
        @etag({ tags: ['village:{slug}'] })
        one() {
          return {};
        }
      }
      @JsonController('/hamlets')
      class HamletController {
        @Patch('/:id')
        @invalidates(['hamlet:{name}'])
        rename() {
          return {};
        }
      }
      @JsonController('/farms')
      class FarmController {
        @Get('/:farm')
        @cacheResponse({ tags: ['farm:{id}'] })
        one() {
          return {};
        }
      }

      expect(() => build({ controllers: [VillageController] })).to.throw(
        InvalidOptionError,
        /^@etag on VillageController\.one: option tags must be placeholders naming route parameters \(\{id\}\), got "\{slug\}"/,
      );
      expect(() => build({ controllers: [HamletController] })).to.throw(InvalidOptionError, /^@invalidates on HamletController\.rename/);
      expect(() => build({ controllers: [FarmController] })).to.throw(InvalidOptionError, /^@cacheResponse on FarmController\.one/);
    });
  }
});
