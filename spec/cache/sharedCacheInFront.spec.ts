import { expect } from 'chai';
import express from 'express';
import Negotiator from 'negotiator';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Get, HeaderParam, JsonController, useExpressServer, type Action } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { etag } from '../../src/etag/etag';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { LanguageKeyBit } from '../../src/keys/bits/LanguageKeyBit';
import { UniqueMethodIdKeyBit } from '../../src/keys/bits/UniqueMethodIdKeyBit';
import { UserKeyBit } from '../../src/keys/bits/UserKeyBit';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { send, type TestResponse } from '../helpers/http';
import { describeSharedCache, type SharedCache } from '../helpers/sharedCache';

// A stock Varnish (spec/helpers/sharedCache.ts) in front of a routing-controllers app: what the
// library sends (Vary from the key, private for user-scoped keys, validators) must keep a real
// shared cache from serving one user's or one language's response to another.

class AccountKey extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  user = new UserKeyBit();
}

class GreetingKey extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  language = new LanguageKeyBit({ available: ['en', 'fr'] });
}

const GREETINGS: Record<string, string> = { en: 'Hello', fr: 'Bonjour' };

@JsonController('/vc')
class FrontedController {
  @Get('/account')
  @cacheResponse({ ttl: 60_000, keyFunc: new AccountKey(), cacheControl: { maxAgeSeconds: 60 } })
  account(@HeaderParam('x-api-key') apiKey?: string) {
    return { owner: apiKey ?? 'nobody' };
  }

  @Get('/greeting')
  @cacheResponse({ ttl: 60_000, keyFunc: new GreetingKey(), cacheControl: { public: true, maxAgeSeconds: 60 } })
  greeting(@HeaderParam('accept-language') acceptLanguage?: string) {
    const language = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language(['en', 'fr']) ?? 'en';
    return { greeting: GREETINGS[language] };
  }

  @Get('/versioned')
  @etag(() => 'v1')
  @cacheResponse({ ttl: 60_000, cacheControl: { maxAgeSeconds: 1 } })
  versioned() {
    return { version: 1 };
  }
}

function currentUserChecker(action: Action): string | undefined {
  return (action.request.headers['x-api-key'] as string | undefined) || undefined;
}

/** One xid in `X-Varnish` on a miss or pass, two on a hit. */
function fromVarnish(response: TestResponse): boolean {
  return (
    String(response.headers['x-varnish'] ?? '')
      .trim()
      .split(/\s+/).length === 2
  );
}

describeSharedCache('@cacheResponse behind a real Varnish', (startCache) => {
  const seen: { path: string; status: number; ifNoneMatch?: string }[] = [];
  let backend: Server;
  let cache: SharedCache;

  before(async () => {
    resetExtensions();
    configureExtensions({ caches: { default: new MemoryStorage() } });
    const app = express();
    app.use((req, res, next) => {
      res.on('finish', () => seen.push({ path: req.path, status: res.statusCode, ifNoneMatch: req.headers['if-none-match'] }));
      next();
    });
    useExpressServer(app, { controllers: [FrontedController], currentUserChecker });
    backend = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    cache = await startCache(`http://127.0.0.1:${(backend.address() as AddressInfo).port}`);
  });
  after(async () => {
    backend.closeAllConnections();
    await new Promise((resolve) => backend.close(resolve));
    resetExtensions();
  });

  it("never serves one X-Api-Key user's response to another: user-keyed responses go out private", async () => {
    const owners: string[] = [];
    for (const user of ['alice', 'bob', 'alice', 'bob']) {
      const response = await send(cache.url, '/vc/account', { headers: { 'x-api-key': user } });
      expect(response.headers['cache-control']).to.equal('private, max-age=60');
      expect(fromVarnish(response)).to.equal(false);
      owners.push(response.json<{ owner: string }>().owner);
    }

    expect(owners).to.deep.equal(['alice', 'bob', 'alice', 'bob']);
  });

  it('never serves one language to another, with Vary from the key', async () => {
    const greetings: string[] = [];
    for (const language of ['en', 'fr', 'en', 'fr', 'de, fr;q=0.5', 'de, en;q=0.5']) {
      const response = await send(cache.url, '/vc/greeting', { headers: { 'accept-language': language } });
      expect(response.headers.vary).to.match(/Accept-Language/);
      greetings.push(response.json<{ greeting: string }>().greeting);
    }
    const again = await send(cache.url, '/vc/greeting', { headers: { 'accept-language': 'fr' } });

    expect(greetings).to.deep.equal(['Hello', 'Bonjour', 'Hello', 'Bonjour', 'Bonjour', 'Hello']);
    expect(fromVarnish(again)).to.equal(true);
    expect(again.json()).to.deep.equal({ greeting: 'Bonjour' });
  });

  it('is revalidated by the shared cache with If-None-Match, answered 304 by the app', async () => {
    // max-age=1 is the least freshness HTTP can state; the entry has to go stale once, so this polls.
    const first = await send(cache.url, '/vc/versioned');
    expect(first.headers.etag).to.equal('"v1"');
    const deadline = Date.now() + 10_000;
    let latest = first;
    while (!seen.some((entry) => entry.path === '/vc/versioned' && entry.status === 304)) {
      if (Date.now() > deadline) throw new Error('Varnish never revalidated the stale entry');
      await new Promise((resolve) => setTimeout(resolve, 25));
      latest = await send(cache.url, '/vc/versioned');
    }

    const revalidation = seen.find((entry) => entry.path === '/vc/versioned' && entry.status === 304);
    expect(revalidation?.ifNoneMatch).to.equal('"v1"');
    expect(latest.status).to.equal(200);
    expect(latest.json()).to.deep.equal({ version: 1 });
  });
});
