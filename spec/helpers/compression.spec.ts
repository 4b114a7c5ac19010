import { expect } from 'chai';
import compression from 'compression';
import express, { type RequestHandler } from 'express';
import Koa from 'koa';
import compress from 'koa-compress';
import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { send, type TestResponse } from './http';

// Smoke tests of the two compression middlewares users put in front of routing-controllers, on
// plain apps (no library code): which headers each sets, and what a body capture that patches
// res.write/res.end (as the library does) sees depending on where it is installed.

const PAYLOAD = {
  items: Array.from({ length: 40 }, (_, id) => ({ id, name: `item number ${id}`, note: 'compressible text' })),
};
const JSON_TEXT = JSON.stringify(PAYLOAD);

/**
 * What a patch of res.write/res.end saw: the bytes passed through it, the headers when `end` was
 * called (before calling through: what the library's capture snapshots) and once it returned.
 */
interface Capture {
  bytes(): Buffer;
  writes: number;
  headersAtEnd?: Record<string, unknown>;
  headersAfterEnd?: Record<string, unknown>;
}

/** Patches `res.write`/`res.end` the way a body capture does, recording what passes through. */
function captureOn(res: ServerResponse): Capture {
  const chunks: Buffer[] = [];
  const capture: Capture = { bytes: () => Buffer.concat(chunks), writes: 0 };
  const record = (chunk: unknown, encoding: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
    );
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    capture.writes += 1;
    record(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    record(chunk, rest[0]);
    capture.headersAtEnd = { ...this.getHeaders() };
    const result = (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    capture.headersAfterEnd = { ...this.getHeaders() };
    return result;
  } as ServerResponse['end'];
  return capture;
}

/** Serves `listener` on a free loopback port. */
async function listen(listener: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const GZIP = { headers: { 'accept-encoding': 'gzip' } };

function expectGzippedJson(response: TestResponse): void {
  expect(response.headers['content-encoding']).to.equal('gzip');
  expect(response.headers['content-length']).to.equal(undefined);
  expect(response.headers['transfer-encoding']).to.equal('chunked');
  expect(response.headers.vary).to.equal('Accept-Encoding');
  expect(gunzipSync(response.body).toString()).to.equal(JSON_TEXT);
}

function expectIdentityJson(response: TestResponse): void {
  expect(response.headers['content-encoding']).to.equal(undefined);
  expect(response.headers['content-length']).to.equal(String(JSON_TEXT.length));
  expect(response.headers.vary).to.equal('Accept-Encoding');
  expect(response.text).to.equal(JSON_TEXT);
}

describe('compression middlewares on plain apps', () => {
  it('uses a JSON body of over 2 KB, above both thresholds of 1 KB', () => {
    expect(JSON_TEXT.length).to.be.greaterThan(2048);
  });

  describe('Express with compression()', () => {
    let captures: Capture[] = [];
    let app: { url: string; close(): Promise<void> };
    const captureInRoute: RequestHandler = (_req, res) => {
      captures.push(captureOn(res));
      res.json(PAYLOAD);
    };

    before(async () => {
      const server = express();
      // A capture installed before compression() runs sits under compression's own res patch.
      server.get('/outer', (_req, res, next) => {
        captures.push(captureOn(res));
        next();
      });
      server.use(compression());
      server.get('/data', captureInRoute);
      server.get('/outer', captureInRoute);
      app = await listen(server);
    });
    beforeEach(() => (captures = []));
    after(() => app.close());

    it('gzips the JSON for Accept-Encoding: gzip, with Vary and without Content-Length', async () => {
      expectGzippedJson(await send(app.url, '/data', GZIP));
    });

    it('sends identity with Content-Length and Vary to a client without Accept-Encoding', async () => {
      expectIdentityJson(await send(app.url, '/data'));
    });

    it('hands a res.end patched in the route the uncompressed JSON and identity headers, which compression rewrites only inside end', async () => {
      await send(app.url, '/data', GZIP);
      const [capture] = captures;
      // res.json makes one res.end(body) call; compression's own end sits below the route's patch.
      expect(capture.writes).to.equal(0);
      expect(capture.bytes().toString()).to.equal(JSON_TEXT);
      expect(capture.headersAtEnd).to.include({ 'content-length': String(JSON_TEXT.length) });
      expect(capture.headersAtEnd).to.not.have.any.keys('content-encoding', 'vary');
      expect(capture.headersAfterEnd).to.include({ 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
      expect(capture.headersAfterEnd).to.not.have.any.keys('content-length');
    });

    it('hands a res.write/res.end patched before compression() the gzip bytes', async () => {
      await send(app.url, '/outer', GZIP);
      const [outer, inRoute] = captures;
      expect(gunzipSync(outer.bytes()).toString()).to.equal(JSON_TEXT);
      expect(outer.headersAtEnd).to.include({ 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
      expect(inRoute.bytes().toString()).to.equal(JSON_TEXT);
    });
  });

  describe('Koa with koa-compress', () => {
    let captures: Capture[] = [];
    let app: { url: string; close(): Promise<void> };

    before(async () => {
      const server = new Koa();
      server.use(async (ctx, next) => {
        if (ctx.path === '/outer') captures.push(captureOn(ctx.res));
        await next();
      });
      server.use(compress());
      server.use((ctx) => {
        captures.push(captureOn(ctx.res));
        ctx.body = PAYLOAD;
      });
      app = await listen(server.callback());
    });
    beforeEach(() => (captures = []));
    after(() => app.close());

    it('gzips the JSON for Accept-Encoding: gzip, with Vary and without Content-Length', async () => {
      expectGzippedJson(await send(app.url, '/data', GZIP));
    });

    it('sends identity with Content-Length and Vary to a client without Accept-Encoding', async () => {
      expectIdentityJson(await send(app.url, '/data'));
    });

    it('hands a res.write/res.end patched in the route the gzip bytes, since Koa writes only after the middlewares return', async () => {
      await send(app.url, '/data', GZIP);
      const [capture] = captures;
      // koa-compress swapped ctx.body for a gzip stream, piped into res: writes, then a bare end().
      expect(capture.writes).to.be.greaterThan(0);
      expect(gunzipSync(capture.bytes()).toString()).to.equal(JSON_TEXT);
      expect(capture.headersAtEnd).to.include({ 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
      expect(capture.headersAtEnd).to.not.have.any.keys('content-length');
    });

    it('hands a res.end patched in the route the JSON text for a client without Accept-Encoding', async () => {
      await send(app.url, '/data');
      const [capture] = captures;
      expect(capture.bytes().toString()).to.equal(JSON_TEXT);
      expect(capture.headersAtEnd).to.include({ 'content-length': JSON_TEXT.length, vary: 'Accept-Encoding' });
      expect(capture.headersAtEnd).to.not.have.any.keys('content-encoding');
    });

    it('hands a patch made before koa-compress the same gzip bytes as one made in the route', async () => {
      await send(app.url, '/outer', GZIP);
      const [outer, inRoute] = captures;
      expect(outer.bytes().equals(inRoute.bytes())).to.equal(true);
      expect(gunzipSync(outer.bytes()).toString()).to.equal(JSON_TEXT);
    });
  });
});
