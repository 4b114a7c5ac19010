import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { send, type TestResponse } from './http';
import { describeSharedCache, type SharedCache } from './sharedCache';

/** What the backend saw of one request, and whether it answered 304. */
interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  status: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A plain node:http backend: routes by path, records every request that reached it. */
class Backend {
  readonly seen: Seen[] = [];
  private readonly routes = new Map<string, Handler>();
  private server?: Server;
  url = '';

  route(path: string, handler: Handler): string {
    this.routes.set(path, handler);
    return path;
  }

  hits(path: string): Seen[] {
    return this.seen.filter((seen) => seen.path === path);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://backend').pathname;
      const handler = this.routes.get(path);
      res.on('finish', () => this.seen.push({ path, headers: req.headers, status: res.statusCode }));
      if (handler) handler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

/** Xids in `X-Varnish`: one on a miss or pass, two (this request's and the object's) on a hit. */
function servedFromCache(response: TestResponse): boolean {
  return (
    String(response.headers['x-varnish'] ?? '')
      .trim()
      .split(/\s+/).length === 2
  );
}

describeSharedCache('a Varnish shared cache in front of a plain node:http backend', (startCache) => {
  const backend = new Backend();
  let cache: SharedCache;

  before(async () => {
    await backend.start();
    cache = await startCache(backend.url);
  });
  after(() => backend.close());

  it('serves a cacheable response from the cache the second time', async () => {
    const path = backend.route('/fresh', (_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.end('fresh body');
    });
    const first = await send(cache.url, path);
    const second = await send(cache.url, path);
    expect(backend.hits(path)).to.have.length(1);
    expect([first.text, second.text]).to.deep.equal(['fresh body', 'fresh body']);
    expect(servedFromCache(first)).to.equal(false);
    expect(servedFromCache(second)).to.equal(true);
    expect(second.headers.age).to.match(/^\d+$/);
  });

  it('keeps the variants of Vary: Accept-Language apart', async () => {
    const path = backend.route('/greeting', (req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.setHeader('vary', 'Accept-Language');
      res.end(req.headers['accept-language'] === 'de' ? 'Hallo' : 'Hello');
    });
    const bodies: string[] = [];
    for (const language of ['en', 'de', 'en', 'de']) {
      bodies.push((await send(cache.url, path, { headers: { 'accept-language': language } })).text);
    }
    expect(bodies).to.deep.equal(['Hello', 'Hallo', 'Hello', 'Hallo']);
    expect(backend.hits(path).map((seen) => seen.headers['accept-language'])).to.deep.equal(['en', 'de']);
  });

  it('never serves a Cache-Control: private response to another client', async () => {
    const path = backend.route('/mine', (req, res) => {
      res.setHeader('cache-control', 'private, max-age=60');
      res.end(`account of ${req.headers['x-user']}`);
    });
    const alice = await send(cache.url, path, { headers: { 'x-user': 'alice' } });
    const bob = await send(cache.url, path, { headers: { 'x-user': 'bob' } });
    expect([alice.text, bob.text]).to.deep.equal(['account of alice', 'account of bob']);
    expect(backend.hits(path)).to.have.length(2);
  });

  it('neither stores nor serves responses to requests with Authorization or Cookie, even public ones', async () => {
    const path = backend.route('/credentials', (req, res) => {
      res.setHeader('cache-control', 'public, max-age=60');
      res.end(`for ${req.headers.authorization ?? req.headers.cookie ?? 'anyone'}`);
    });
    const withAuthorization = await send(cache.url, path, { headers: { authorization: 'Bearer alice' } });
    const withCookie = await send(cache.url, path, { headers: { cookie: 'session=bob' } });
    const anonymous = await send(cache.url, path);
    const authorizedAfterStore = await send(cache.url, path, { headers: { authorization: 'Bearer carol' } });
    expect([withAuthorization.text, withCookie.text, anonymous.text, authorizedAfterStore.text]).to.deep.equal([
      'for Bearer alice',
      'for session=bob',
      'for anyone',
      'for Bearer carol',
    ]);
    expect(backend.hits(path)).to.have.length(4);
  });

  it('does not store responses whose shared freshness is zero or that forbid storing', async () => {
    const directives = ['max-age=0', 's-maxage=0, max-age=60', 'no-cache', 'no-store, max-age=60'];
    for (const [index, cacheControl] of directives.entries()) {
      const path = backend.route(`/unstored-${index}`, (_req, res) => {
        res.setHeader('cache-control', cacheControl);
        res.setHeader('etag', '"unstored"');
        res.end(cacheControl);
      });
      await send(cache.url, path);
      await send(cache.url, path);
      const hits = backend.hits(path);
      expect(hits, cacheControl).to.have.length(2);
      // Nothing was stored, so the cache has no validator to send: every refetch is unconditional.
      expect(
        hits.map((seen) => seen.headers['if-none-match']),
        cacheControl,
      ).to.deep.equal([undefined, undefined]);
    }
  });

  it('lets s-maxage outrank max-age for the shared cache', async () => {
    const path = backend.route('/s-maxage', (_req, res) => {
      res.setHeader('cache-control', 's-maxage=60, max-age=0');
      res.end('shared only');
    });
    await send(cache.url, path);
    const second = await send(cache.url, path);
    expect(servedFromCache(second)).to.equal(true);
    expect(backend.hits(path)).to.have.length(1);
  });

  it("adds the backend's Age to the Age it reports", async () => {
    const path = backend.route('/aged', (_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.setHeader('age', '30');
      res.end('aged');
    });
    const first = await send(cache.url, path);
    const second = await send(cache.url, path);
    expect(Number(first.headers.age)).to.be.at.least(30);
    expect(Number(second.headers.age)).to.be.at.least(30);
    expect(backend.hits(path)).to.have.length(1);
  });

  it("answers a client's matching If-None-Match with 304 from a fresh entry without asking the backend", async () => {
    const path = backend.route('/tagged', (_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.setHeader('etag', '"tag-1"');
      res.end('tagged body');
    });
    await send(cache.url, path);
    const conditional = await send(cache.url, path, { headers: { 'if-none-match': '"tag-1"' } });
    expect(conditional.status).to.equal(304);
    expect(conditional.body).to.have.length(0);
    expect(backend.hits(path)).to.have.length(1);
  });

  it('revalidates a stale entry with If-None-Match, and the client gets the stored 200 after the backend answers 304', async function () {
    // Varnish stores nothing whose freshness is <= 0 (see the test above), so an entry can only go
    // stale by having been fresh: max-age=1 is the least freshness HTTP can state (whole seconds),
    // and that one second has to pass. We poll through the cache until the revalidation happens.
    const path = backend.route('/revalidated', (req, res) => {
      res.setHeader('cache-control', 'max-age=1');
      res.setHeader('etag', '"rev-1"');
      if (req.headers['if-none-match'] === '"rev-1"') {
        res.writeHead(304).end();
        return;
      }
      res.end('revalidated body');
    });
    const first = await send(cache.url, path);
    expect(first.status).to.equal(200);
    const deadline = Date.now() + 10_000;
    let latest = first;
    while (!backend.hits(path).some((seen) => seen.status === 304)) {
      if (Date.now() > deadline) throw new Error('the cache never revalidated the stale entry');
      await new Promise((resolve) => setTimeout(resolve, 25));
      latest = await send(cache.url, path);
    }
    expect(latest.status).to.equal(200);
    expect(latest.text).to.equal('revalidated body');
    expect(latest.headers.etag).to.equal('"rev-1"');
    const hits = backend.hits(path);
    expect(hits.map((seen) => seen.status)).to.deep.equal([200, 304]);
    expect(hits[1].headers['if-none-match']).to.equal('"rev-1"');
  });

  it('forgets every stored response on purge', async () => {
    const path = backend.route('/purged', (_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.end('purgeable');
    });
    await send(cache.url, path);
    await cache.purge();
    await send(cache.url, path);
    expect(backend.hits(path)).to.have.length(2);
  });
});
