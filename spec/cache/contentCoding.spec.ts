import { expect } from 'chai';
import compression from 'compression';
import express from 'express';
import Koa from 'koa';
import compress from 'koa-compress';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Get, JsonController, Param, Post, useExpressServer, useKoaServer, type RoutingControllersOptions } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { etag } from '../../src/etag/etag';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { send, type SendOptions, type TestResponse } from '../helpers/http';
import { DRIVERS, type Driver } from '../helpers/servers';

// The cache behind the compression middlewares users run: Express `compression()` (which encodes
// below the route, so the library sees identity bytes) and `koa-compress` (which encodes before
// the library's capture, so it stores gzip bytes with `Vary: Accept-Encoding`).

const ITEMS = Array.from({ length: 60 }, (_, id) => ({ id, name: `item number ${id}`, note: 'compressible text' }));
const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);

@JsonController('/cc')
class CodingController {
  @Get('/items/:id')
  @cacheResponse(60_000)
  items(@Param('id') id: string) {
    count('items');
    return { id, items: ITEMS };
  }

  @Get('/tagged/:id')
  @etag(() => 'v1')
  @cacheResponse(60_000)
  tagged(@Param('id') id: string) {
    count('tagged');
    return { id, items: ITEMS };
  }

  @Post('/orders')
  @idempotencyKey()
  order() {
    count('order');
    return { placed: runs.order, items: ITEMS };
  }
}

const JSON_OF = (id: string) => JSON.stringify({ id, items: ITEMS });

/** A routing-controllers app behind the driver's compression middleware, on a free loopback port. */
async function startCompressed(driver: Driver, options: RoutingControllersOptions): Promise<{ url: string; close(): Promise<void> }> {
  let app: { listen(port: number, host: string, cb: () => void): Server };
  if (driver === 'express') {
    const server = express();
    server.use(compression());
    app = useExpressServer(server, options);
  } else {
    const server = new Koa();
    server.use(compress());
    app = useKoaServer(server, options);
  }
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The body as the client reads it, whatever content coding it came in. */
function decoded(response: TestResponse): string {
  const coding = response.headers['content-encoding'];
  if (coding === 'gzip') return gunzipSync(response.body).toString();
  if (coding === 'br') return brotliDecompressSync(response.body).toString();
  expect(coding, 'content coding').to.equal(undefined);
  return response.text;
}

const GZIP: SendOptions = { headers: { 'accept-encoding': 'gzip' } };
const BR: SendOptions = { headers: { 'accept-encoding': 'br' } };

for (const driver of DRIVERS) {
  describe(`@cacheResponse behind ${driver === 'express' ? 'compression()' : 'koa-compress'} (${driver})`, () => {
    let app: { url: string; close(): Promise<void> };

    before(async () => {
      app = await startCompressed(driver, { controllers: [CodingController] });
    });
    after(() => app.close());
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { default: new MemoryStorage() } });
      for (const name of Object.keys(runs)) delete runs[name];
    });

    it('serves a gzip client gzip and then a client without Accept-Encoding identity bytes', async () => {
      const gzip = await send(app.url, '/cc/items/1', GZIP);
      const identity = await send(app.url, '/cc/items/1');
      const gzipAgain = await send(app.url, '/cc/items/1', GZIP);

      expect(gzip.headers['content-encoding']).to.equal('gzip');
      expect(identity.headers['content-encoding']).to.equal(undefined);
      expect(identity.text).to.equal(JSON_OF('1'));
      expect(gzipAgain.headers['content-encoding']).to.equal('gzip');
      expect(decoded(gzipAgain)).to.equal(JSON_OF('1'));
      expect(gzipAgain.headers['cache-status']).to.match(/; hit/);
      // Express stores one identity entry that compression() encodes per client; Koa one entry per variant.
      expect(runs.items).to.equal(driver === 'express' ? 1 : 2);
    });

    it('serves identity first and gzip after, each from its own representation', async () => {
      const identity = await send(app.url, '/cc/items/2');
      const gzip = await send(app.url, '/cc/items/2', GZIP);
      const identityAgain = await send(app.url, '/cc/items/2');

      expect(identity.text).to.equal(JSON_OF('2'));
      expect(gzip.headers['content-encoding']).to.equal('gzip');
      expect(decoded(gzip)).to.equal(JSON_OF('2'));
      expect(identityAgain.headers['content-encoding']).to.equal(undefined);
      expect(identityAgain.text).to.equal(JSON_OF('2'));
      expect(identityAgain.headers['cache-status']).to.match(/; hit/);
    });

    it('never sends gzip to a client that accepts only br', async () => {
      await send(app.url, '/cc/items/3', GZIP);
      const brOnly = await send(app.url, '/cc/items/3', BR);
      const brAgain = await send(app.url, '/cc/items/3', BR);

      for (const response of [brOnly, brAgain]) {
        expect(response.headers['content-encoding']).to.be.oneOf(['br', undefined]);
        expect(decoded(response)).to.equal(JSON_OF('3'));
      }
    });

    it('answers HEAD without Accept-Encoding with no gzip coding after a gzip GET', async () => {
      const get = await send(app.url, '/cc/items/4', GZIP);
      const head = await send(app.url, '/cc/items/4', { method: 'HEAD' });
      const headGzip = await send(app.url, '/cc/items/4', { method: 'HEAD', ...GZIP });

      expect(get.headers['content-encoding']).to.equal('gzip');
      expect(head.status).to.equal(200);
      expect(head.body.length).to.equal(0);
      expect(head.headers['content-encoding']).to.equal(undefined);
      expect(head.headers.vary).to.match(/Accept-Encoding/i);
      expect(headGzip.body.length).to.equal(0);
    });

    it('gives gzip bytes a weak ETag and keeps the strong one for identity bytes', async () => {
      const identity = await send(app.url, '/cc/tagged/1');
      const gzip = await send(app.url, '/cc/tagged/1', GZIP);
      const gzipHit = await send(app.url, '/cc/tagged/1', GZIP);
      const revalidated = await send(app.url, '/cc/tagged/1', {
        headers: { 'accept-encoding': 'gzip', 'if-none-match': String(gzip.headers.etag) },
      });

      expect(identity.headers.etag).to.equal('"v1"');
      expect(gzip.headers['content-encoding']).to.equal('gzip');
      expect(gzip.headers.etag).to.equal('W/"v1"');
      expect(gzipHit.headers.etag).to.equal('W/"v1"');
      expect(revalidated.status).to.equal(304);
    });

    it('replays an idempotent outcome stored in gzip as identity to a client without Accept-Encoding', async () => {
      const headers = { 'idempotency-key': `order-${driver}`, 'content-type': 'application/json' };
      const first = await send(app.url, '/cc/orders', { method: 'POST', body: '{}', headers: { ...headers, 'accept-encoding': 'gzip' } });
      const plainReplay = await send(app.url, '/cc/orders', { method: 'POST', body: '{}', headers });
      const gzipReplay = await send(app.url, '/cc/orders', {
        method: 'POST',
        body: '{}',
        headers: { ...headers, 'accept-encoding': 'gzip' },
      });

      const expected = JSON.stringify({ placed: 1, items: ITEMS });
      expect(first.headers['content-encoding']).to.equal('gzip');
      expect(plainReplay.headers['idempotent-replayed']).to.equal('true');
      expect(plainReplay.headers['content-encoding']).to.equal(undefined);
      expect(plainReplay.text).to.equal(expected);
      expect(decoded(gzipReplay)).to.equal(expected);
      expect(runs.order).to.equal(1);
    });
  });
}
