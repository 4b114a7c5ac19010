import { expect } from 'chai';
import { Get, JsonController, NotFoundError, Param, Put } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { computeContentEtag } from '../../src/etag/entityTags';
import { etag } from '../../src/etag/etag';
import { KeyBit } from '../../src/keys/KeyBit';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { ParamsKeyBit } from '../../src/keys/bits/ParamsKeyBit';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
let bitCalls = 0;
const versions = new Map<string, number>();

/** A bit that counts its calls, to show a memoized constructor computes once per request. */
class CountingKeyBit extends KeyBit {
  getData(): unknown {
    bitCalls += 1;
    return 'counted';
  }
}

/** The stored version of the item, read from the "database" at each call. */
class VersionKeyBit extends KeyBit {
  getData({ request }: { request: { params: Readonly<Record<string, string>> } }): unknown {
    return versions.get(request.params.id) ?? null;
  }
}

class SharedKey extends KeyConstructor {
  params = new ParamsKeyBit(['id']);
  counted = new CountingKeyBit();
}

class VersionKey extends KeyConstructor {
  params = new ParamsKeyBit(['id']);
  version = new VersionKeyBit();
}

const sharedKey = new SharedKey({ memoizeForRequest: true });
const versionKey = new VersionKey({ memoizeForRequest: true });

@JsonController('/ec')
class ContentController {
  @Get('/content/:id')
  @etag({ content: true })
  content(@Param('id') id: string) {
    count('content');
    return { id, text: 'same bytes every time' };
  }

  @Get('/content-missing')
  @etag({ content: true })
  contentMissing() {
    count('contentMissing');
    throw new NotFoundError('none');
  }

  @Get('/above/:id')
  @etag(sharedKey)
  @cacheResponse({ keyFunc: sharedKey })
  above(@Param('id') id: string) {
    count('above');
    return { id };
  }

  @Get('/below/:id')
  @cacheResponse({ keyFunc: sharedKey })
  @etag(sharedKey)
  below(@Param('id') id: string) {
    count('below');
    return { id };
  }

  @Get('/varied/:id')
  @etag(() => 'v1')
  @cacheResponse({ vary: ['accept-language'] })
  varied(@Param('id') id: string) {
    count('varied');
    return { id };
  }

  @Get('/content-cached/:id')
  @cacheResponse()
  @etag({ content: true })
  contentCached(@Param('id') id: string) {
    count('contentCached');
    return { id };
  }

  @Get('/versioned/:id')
  @etag(versionKey)
  versioned(@Param('id') id: string) {
    count('versioned');
    return { id, version: versions.get(id) };
  }

  @Put('/versioned/:id')
  @etag(versionKey, { rebuildAfterMethodEvaluation: true })
  bump(@Param('id') id: string) {
    count('bump');
    versions.set(id, (versions.get(id) ?? 0) + 1);
    return { id, version: versions.get(id) };
  }
}

for (const driver of DRIVERS) {
  describe(`@etag content mode and with @cacheResponse (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, { controllers: [ContentController] });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { default: new MemoryStorage() } });
      for (const name of Object.keys(runs)) delete runs[name];
      bitCalls = 0;
      versions.clear();
      versions.set('1', 1);
    });

    it('sends the strong content tag of the exact body bytes and answers it with 304 and no body', async () => {
      const first = await server.send('/ec/content/1');
      const second = await server.send('/ec/content/1', { headers: { 'if-none-match': first.headers.etag } });

      expect(first.headers.etag).to.equal(computeContentEtag(first.body));
      expect(second.status).to.equal(304);
      expect(second.body.length).to.equal(0);
      expect(second.headers.etag).to.equal(first.headers.etag);
      expect(second.headers['content-type']).to.equal(undefined);
      expect(runs.content).to.equal(2);
    });

    it('sends no tag on a HEAD in content mode, whose body is never serialized', async () => {
      const response = await server.send('/ec/content/1', { method: 'HEAD' });

      expect(response.status).to.equal(200);
      expect(response.headers.etag).to.equal(undefined);
    });

    it('sends the full body when the content tag does not match', async () => {
      const response = await server.send('/ec/content/1', { headers: { 'if-none-match': '"other"' } });

      expect(response.status).to.equal(200);
      expect(response.json()).to.deep.equal({ id: '1', text: 'same bytes every time' });
    });

    it('answers a GET whose If-Match misses the content tag with 412', async () => {
      const response = await server.send('/ec/content/1', { headers: { 'if-match': '"other"' } });

      expect(response.status).to.equal(412);
      expect(response.json()).to.include({ status: 412 });
    });

    it('tags no error response in content mode and never answers it with 304', async () => {
      const response = await server.send('/ec/content-missing', { headers: { 'if-none-match': '*' } });

      expect(response.status).to.equal(404);
      expect(response.headers.etag ?? '').to.not.equal(computeContentEtag(response.body));
    });

    for (const path of ['/ec/above/1', '/ec/below/1']) {
      it(`shares one memoized key per request and answers 304 without the action (${path})`, async () => {
        const miss = await server.send(path);
        const missBitCalls = bitCalls;
        const hit = await server.send(path);
        const revalidated = await server.send(path, { headers: { 'if-none-match': miss.headers.etag } });

        expect(missBitCalls).to.equal(1);
        expect(bitCalls).to.equal(3);
        expect(miss.headers.etag).to.match(/^"[0-9a-f]{64}"$/);
        expect(hit.headers['cache-status']).to.match(/hit/);
        expect(hit.headers.etag).to.equal(miss.headers.etag);
        expect(revalidated.status).to.equal(304);
        expect(revalidated.headers.etag).to.equal(miss.headers.etag);
        expect(runs[path.split('/')[2]]).to.equal(1);
      });
    }

    it('stores the content tag with the cache entry and answers 304 from it without the action', async () => {
      const miss = await server.send('/ec/content-cached/1');
      const revalidated = await server.send('/ec/content-cached/1', { headers: { 'if-none-match': miss.headers.etag } });
      const hit = await server.send('/ec/content-cached/1');

      expect(miss.headers.etag).to.equal(computeContentEtag(miss.body));
      expect(revalidated.status).to.equal(304);
      expect(hit.headers.etag).to.equal(miss.headers.etag);
      expect(hit.body.equals(miss.body)).to.equal(true);
      expect(runs.contentCached).to.equal(1);
    });

    it('rebuilds the tag after a PUT past the per-request memo', async () => {
      const before = await server.send('/ec/versioned/1');
      const put = await server.send('/ec/versioned/1', { method: 'PUT', headers: { 'if-match': before.headers.etag } });
      const after = await server.send('/ec/versioned/1');

      expect(put.status).to.equal(200);
      expect(put.headers.etag).to.not.equal(before.headers.etag);
      expect(put.headers.etag).to.equal(after.headers.etag);
    });

    it('repeats the Vary of @cacheResponse on a 304 answered before the action (RFC 9110 §15.4.5)', async () => {
      const full = await server.send('/ec/varied/1');
      const notModified = await server.send('/ec/varied/1', { headers: { 'if-none-match': '"v1"' } });

      // The key's own headers (DefaultKeyConstructor: Accept, Accept-Language, X-Forwarded-Host) and the vary option's.
      expect(full.headers.vary).to.equal('Accept, Accept-Language, X-Forwarded-Host');
      expect(notModified.status).to.equal(304);
      expect(notModified.headers.vary).to.equal(full.headers.vary);
    });
  });
}
