import { expect } from 'chai';
import { Get, Header, HeaderParam, JsonController, Param, Req, type Action } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { etag } from '../../src/etag/etag';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { ParamsKeyBit } from '../../src/keys/bits/ParamsKeyBit';
import { UniqueMethodIdKeyBit } from '../../src/keys/bits/UniqueMethodIdKeyBit';
import { UserKeyBit } from '../../src/keys/bits/UserKeyBit';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

class PerUserKey extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  params = new ParamsKeyBit();
  user = new UserKeyBit();
}

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);

/** An app that authenticates with X-Api-Key: neither Authorization nor Cookie. */
function currentUserChecker(action: Action): string | undefined {
  const key: string | undefined = action.context ? action.context.get('x-api-key') : action.request.headers['x-api-key'];
  return key ? `user-of-${key}` : undefined;
}

@JsonController('/uh')
class AccountController {
  @Get('/feed')
  @cacheResponse({ ttl: 60_000, cacheControl: { public: true, maxAgeSeconds: 30 } })
  feed(@HeaderParam('x-api-key') apiKey?: string) {
    count('feed');
    return { for: apiKey ? `user-of-${apiKey}` : 'anonymous', run: runs.feed };
  }

  @Get('/me/:id')
  @etag(() => 'me-v1')
  @cacheResponse({ ttl: 60_000, keyFunc: new PerUserKey(), cacheControl: { maxAgeSeconds: 30 }, vary: ['X-Region'] })
  me(@Param('id') id: string, @HeaderParam('x-api-key') apiKey?: string) {
    count('me');
    return { id, for: apiKey ? `user-of-${apiKey}` : 'anonymous', run: runs.me };
  }

  @Get('/static')
  @Header('ETag', '"s1"')
  @cacheResponse({ ttl: 60_000, vary: ['X-Region'] })
  staticPage() {
    count('static');
    return { run: runs.static };
  }

  @Get('/news')
  @cacheResponse({ ttl: 60_000, public: true })
  news() {
    count('news');
    return { run: runs.news };
  }

  @Get('/site')
  @cacheResponse(60_000)
  site(@Req() req: { hostname?: string }) {
    count('site');
    // Express req.hostname and Koa ctx.request.hostname both follow trust proxy / app.proxy.
    return { links: `https://${req.hostname}/next`, run: runs.site };
  }

  @Get('/tenant')
  @cacheResponse(60_000)
  tenant(@HeaderParam('host') host: string) {
    count('tenant');
    return { tenant: host.split('.')[0], run: runs.tenant };
  }
}

for (const driver of DRIVERS) {
  describe(`@cacheResponse, credentials and hosts (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, { controllers: [AccountController], currentUserChecker });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { default: new MemoryStorage() } });
      for (const name of Object.keys(runs)) delete runs[name];
    });

    it('treats an X-Api-Key caller the currentUserChecker knows as credentialed: never served or stored', async () => {
      const alice = await server.send('/uh/feed', { headers: { 'x-api-key': 'alice' } });
      const bob = await server.send('/uh/feed', { headers: { 'x-api-key': 'bob' } });
      const aliceAgain = await server.send('/uh/feed', { headers: { 'x-api-key': 'alice' } });
      const anonymous = await server.send('/uh/feed');
      const anonymousAgain = await server.send('/uh/feed');

      expect([alice, bob, aliceAgain].map((response) => response.json<{ for: string }>().for)).to.deep.equal([
        'user-of-alice',
        'user-of-bob',
        'user-of-alice',
      ]);
      expect(aliceAgain.json()).to.include({ run: 3 });
      // The route's client policy, made private: alice's own browser may keep her response, no shared cache may.
      expect(alice.headers['cache-control']).to.equal('private, max-age=30');
      expect(alice.headers['cache-status']).to.match(/fwd=bypass/);
      expect(anonymous.headers['cache-control']).to.equal('public, max-age=30');
      expect(anonymousAgain.headers['cache-status']).to.match(/; hit/);
      expect(runs.feed).to.equal(4);
    });

    it('caches per user with a UserKeyBit and sends it private, on 200, hit, 304 and HEAD, with the Vary of key and option', async () => {
      const alice = { 'x-api-key': 'alice' };
      const miss = await server.send('/uh/me/1', { headers: alice });
      const bob = await server.send('/uh/me/1', { headers: { 'x-api-key': 'bob' } });
      const hit = await server.send('/uh/me/1', { headers: alice });
      const hitNotModified = await server.send('/uh/me/1', { headers: { ...alice, 'if-none-match': '"other"' } });
      const notModified = await server.send('/uh/me/1', { headers: { ...alice, 'if-none-match': '"me-v1"' } });
      const headHit = await server.send('/uh/me/1', { method: 'HEAD', headers: alice });
      const headMiss = await server.send('/uh/me/2', { method: 'HEAD', headers: alice });

      expect(bob.json()).to.include({ for: 'user-of-bob' });
      expect(hit.body.equals(miss.body)).to.equal(true);
      expect(hitNotModified.status).to.equal(200);
      expect(notModified.status).to.equal(304);
      expect(runs.me).to.equal(3);
      for (const [name, response] of Object.entries({ miss, hit, notModified, headHit, headMiss })) {
        expect(response.headers.vary, name).to.equal('X-Region');
        expect(response.headers['cache-control'], name).to.equal('private, max-age=30');
      }
      expect(headMiss.headers['cache-status']).to.match(/fwd=uri-miss/);
      expect(headHit.headers['cache-status']).to.match(/; hit/);
    });

    it('sends the Vary of key and option on a 304 the cache answers from a stored entry', async () => {
      const miss = await server.send('/uh/static');
      const notModified = await server.send('/uh/static', { headers: { 'if-none-match': '"s1"' } });

      expect(notModified.status).to.equal(304);
      expect(notModified.headers['cache-status']).to.match(/; hit/);
      expect(miss.headers.vary).to.equal('Accept, Accept-Language, X-Forwarded-Host, X-Region');
      expect(notModified.headers.vary).to.equal(miss.headers.vary);
      expect(runs.static).to.equal(1);
    });

    it('shares a public: true route between users, as declared', async () => {
      await server.send('/uh/news', { headers: { 'x-api-key': 'alice' } });
      const bob = await server.send('/uh/news', { headers: { 'x-api-key': 'bob' } });

      expect(bob.headers['cache-status']).to.match(/; hit/);
      expect(runs.news).to.equal(1);
    });

    it('keeps the tenants of a multi-tenant app apart by Host', async () => {
      const a = await server.send('/uh/tenant', { headers: { host: 'tenant-a.example' } });
      const b = await server.send('/uh/tenant', { headers: { host: 'tenant-b.example' } });
      const aAgain = await server.send('/uh/tenant', { headers: { host: 'TENANT-A.example' } });

      expect(a.json()).to.include({ tenant: 'tenant-a' });
      expect(b.json()).to.include({ tenant: 'tenant-b' });
      expect(aAgain.headers['cache-status']).to.match(/; hit/);
      expect(runs.tenant).to.equal(2);
    });

    it('ignores X-Forwarded-Host without trust proxy: a poisoning attempt stores the real host', async () => {
      const attack = await server.send('/uh/site', { headers: { host: 'shop.example', 'x-forwarded-host': 'evil.example' } });
      const victim = await server.send('/uh/site', { headers: { host: 'shop.example' } });

      expect(attack.json()).to.include({ links: 'https://shop.example/next' });
      expect(victim.json()).to.include({ links: 'https://shop.example/next' });
      expect(victim.headers.vary).to.match(/X-Forwarded-Host/);
    });
  });

  describe(`@cacheResponse behind a trusted proxy (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, { controllers: [AccountController] }, (app) => {
        if (driver === 'express') app.set?.('trust proxy', true);
        else app.proxy = true;
      });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { default: new MemoryStorage() } });
      for (const name of Object.keys(runs)) delete runs[name];
    });

    it('keys on the forwarded host the framework trusts, so X-Forwarded-Host: evil.example poisons nobody', async () => {
      const attack = await server.send('/uh/site', { headers: { host: 'shop.example', 'x-forwarded-host': 'evil.example' } });
      const victim = await server.send('/uh/site', { headers: { host: 'shop.example' } });
      const proxied = await server.send('/uh/site', { headers: { host: 'backend:8080', 'x-forwarded-host': 'shop.example' } });

      expect(attack.json()).to.include({ links: 'https://evil.example/next' });
      expect(victim.json()).to.include({ links: 'https://shop.example/next' });
      expect(proxied.json()).to.include({ links: 'https://shop.example/next' });
      expect(proxied.headers['cache-status']).to.match(/; hit/);
      expect(runs.site).to.equal(2);
    });
  });
}

describe('@cacheResponse with a key that identifies the user', () => {
  afterEach(() => resetExtensions());

  it("refuses cacheControl: 'public' at decoration, naming the route", () => {
    expect(() => {
      class PublicUserController {
        @cacheResponse({ keyFunc: new PerUserKey(), cacheControl: 'public' })
        mine() {}
      }
      return PublicUserController;
    }).to.throw(
      InvalidOptionError,
      /@cacheResponse on PublicUserController\.mine: option cacheControl must be free of public and s-maxage/,
    );
  });

  it('refuses public: true and s-maxage too', () => {
    expect(() => {
      class SharedUserController {
        @cacheResponse({ keyFunc: new PerUserKey(), public: true })
        mine() {}
      }
      return SharedUserController;
    }).to.throw(InvalidOptionError, /@cacheResponse on SharedUserController\.mine: option public must be false/);
    expect(() => {
      class ProxyUserController {
        @cacheResponse({ keyFunc: new PerUserKey(), cacheControl: { sMaxAgeSeconds: 60 } })
        mine() {}
      }
      return ProxyUserController;
    }).to.throw(InvalidOptionError, /ProxyUserController\.mine: option cacheControl/);
  });

  it('refuses a public route when the settings default key identifies the user, when the app is built', async () => {
    @JsonController('/default-user')
    class DefaultUserController {
      @Get('/')
      @cacheResponse({ cacheControl: 'public' })
      list() {
        return [];
      }
    }
    configureExtensions({ defaultKeyFunc: new PerUserKey() });

    await startServer('express', { controllers: [DefaultUserController] }).then(
      (server) => server.close().then(() => expect.fail('the app was built')),
      (error: unknown) => {
        expect(error).to.be.instanceOf(InvalidOptionError);
        expect((error as Error).message).to.match(/@cacheResponse on DefaultUserController\.list: option cacheControl/);
      },
    );
  });
});
