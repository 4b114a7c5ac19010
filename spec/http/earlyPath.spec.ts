import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { expect } from 'chai';
import express from 'express';
import Koa from 'koa';
import {
  Authorized,
  createParamDecorator,
  Get,
  JsonController,
  UseBefore,
  useExpressServer,
  useKoaServer,
  type Action,
  type RoutingControllersOptions,
} from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { etag } from '../../src/etag/etag';
import { ROUTES_CHANNEL_NAME, type RouteEvent } from '../../src/events';
import { ArgsKeyBit } from '../../src/keys/bits/ArgsKeyBit';
import { UniqueMethodIdKeyBit } from '../../src/keys/bits/UniqueMethodIdKeyBit';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { send, type SendOptions, type TestResponse } from '../helpers/http';
import { DRIVERS, type Driver } from '../helpers/servers';

/** How often routing-controllers resolved a parameter of the routes below: the early path resolves none. */
let resolved = 0;
let runs = 0;
const Counted = () => createParamDecorator({ value: () => ++resolved });
const AUTHORIZED = { authorization: 'Bearer ok' };

/** An auth middleware of the app's own: rejects requests without the right bearer token. */
function expressAuth(req: express.Request, res: express.Response, next: express.NextFunction): void {
  if (req.headers.authorization === AUTHORIZED.authorization) return next();
  res.status(401).json({ error: 'unauthorized' });
}
async function koaAuth(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  if (ctx.headers.authorization === AUTHORIZED.authorization) return next();
  ctx.status = 401;
  ctx.body = { error: 'unauthorized' };
}

class ArgsKey extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  args = new ArgsKeyBit([1]);
}

@JsonController('/early')
class EarlyController {
  @Get('/open')
  @cacheResponse(60_000)
  open(@Counted() counted: number) {
    return { run: ++runs, counted };
  }

  @Get('/tagged')
  @etag(() => 'v1')
  tagged(@Counted() counted: number) {
    return { run: ++runs, counted };
  }

  @Get('/authorized')
  @Authorized()
  @cacheResponse({ ttl: 60_000, public: true })
  authorized(@Counted() counted: number) {
    return { run: ++runs, counted };
  }

  @Get('/route-middleware')
  @UseBefore(expressAuth)
  @cacheResponse({ ttl: 60_000, public: true })
  routeMiddleware(@Counted() counted: number) {
    return { run: ++runs, counted };
  }

  @Get('/global/open')
  @cacheResponse({ ttl: 60_000, public: true })
  globallyGuarded(@Counted() counted: number) {
    return { run: ++runs, counted };
  }

  @Get('/by-function-of-args')
  @cacheResponse({ ttl: 60_000, keyFunc: ({ args }) => `fixed:${args.length}` })
  byFunctionOfArgs(@Counted() counted: number) {
    return { run: ++runs, counted };
  }

  @Get('/by-args')
  @cacheResponse({ ttl: 60_000, keyFunc: new ArgsKey() })
  byArgs(@Counted() counted: number) {
    return { run: ++runs, counted };
  }
}

@JsonController('/early-guarded')
@Authorized()
class GuardedController {
  @Get('/')
  @cacheResponse({ ttl: 60_000, public: true })
  guarded(@Counted() counted: number) {
    return { run: ++runs, counted };
  }
}

@JsonController('/early-koa-guarded')
class KoaRouteMiddlewareController {
  @Get('/')
  @UseBefore(koaAuth)
  @cacheResponse({ ttl: 60_000, public: true })
  guarded(@Counted() counted: number) {
    return { run: ++runs, counted };
  }
}

interface App {
  url: string;
  send(path: string, options?: SendOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

/** An app whose own global auth middleware (registered before routing-controllers' routes) guards `guarded` paths. */
async function startApp(driver: Driver, options: RoutingControllersOptions, globalAuthPrefix?: string): Promise<App> {
  let server: Server;
  if (driver === 'express') {
    const app = express();
    if (globalAuthPrefix) app.use(globalAuthPrefix, expressAuth);
    useExpressServer(app, options);
    server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
  } else {
    const app = new Koa();
    if (globalAuthPrefix) app.use((ctx, next) => (ctx.path.startsWith(globalAuthPrefix) ? koaAuth(ctx, next) : next()));
    useKoaServer(app, options);
    server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    send: (path, sendOptions) => send(url, path, sendOptions),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const authorizationChecker = (action: Action) => action.request.headers.authorization === AUTHORIZED.authorization;

for (const driver of DRIVERS) {
  describe(`the early path (${driver})`, () => {
    const events: RouteEvent[] = [];
    const listener = (event: unknown) => events.push(event as RouteEvent);
    let app: App;

    before(async () => {
      resetExtensions();
      subscribe(ROUTES_CHANNEL_NAME, listener);
      const controllers =
        driver === 'express' ? [EarlyController, GuardedController] : [EarlyController, GuardedController, KoaRouteMiddlewareController];
      app = await startApp(driver, { controllers, authorizationChecker }, '/early/global');
    });
    after(async () => {
      unsubscribe(ROUTES_CHANNEL_NAME, listener);
      await app.close();
    });
    beforeEach(() => {
      configureExtensions({ caches: { default: new MemoryStorage() } });
      resolved = 0;
      runs = 0;
    });

    const reported = (route: string) => events.filter((event) => event.route === route);

    it('answers a cache hit before routing-controllers resolves a parameter', async () => {
      const miss = await app.send('/early/open');
      const hit = await app.send('/early/open');

      expect(miss.json()).to.deep.equal({ run: 1, counted: 1 });
      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(hit.text).to.equal(miss.text);
      expect(resolved).to.equal(1);
      expect(reported('EarlyController.open').every((event) => event.enabled)).to.equal(true);
    });

    it('answers a 304 before routing-controllers resolves a parameter', async () => {
      await app.send('/early/tagged');
      const notModified = await app.send('/early/tagged', { headers: { 'if-none-match': '"v1"' } });

      expect(notModified.status).to.equal(304);
      expect(notModified.headers.etag).to.equal('"v1"');
      expect(resolved).to.equal(1);
    });

    it('keeps every answer in the action when the earlyPath setting is false', async () => {
      configureExtensions({ earlyPath: false });
      await app.send('/early/open');
      const hit = await app.send('/early/open');

      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(resolved).to.equal(2);
      configureExtensions({ earlyPath: true });
    });

    it("answers in the action when the key reads the action's arguments, and says why", async () => {
      await app.send('/early/by-args');
      const hit = await app.send('/early/by-args');

      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(resolved).to.equal(2);
      expect(reported('EarlyController.byArgs').some((event) => !event.enabled && /bit "args"/.test(event.reason ?? ''))).to.equal(true);
    });

    it('never serves an @Authorized route before routing-controllers checks authorization', async () => {
      const authorized = await app.send('/early/authorized', { headers: AUTHORIZED });
      const cached = await app.send('/early/authorized', { headers: AUTHORIZED });
      const anonymous = await app.send('/early/authorized');

      expect(authorized.status).to.equal(200);
      expect(cached.headers['cache-status']).to.match(/; hit/);
      expect(anonymous.status).to.equal(401);
      expect(reported('EarlyController.authorized').some((event) => !event.enabled && event.reason === '@Authorized')).to.equal(true);
    });

    it('never serves a route of an @Authorized controller before the check', async () => {
      await app.send('/early-guarded', { headers: AUTHORIZED });
      const anonymous = await app.send('/early-guarded');

      expect(anonymous.status).to.equal(401);
      expect(reported('GuardedController.guarded').some((event) => !event.enabled && event.reason === '@Authorized')).to.equal(true);
    });

    it('never serves a route before its own @UseBefore auth middleware', async () => {
      const path = driver === 'express' ? '/early/route-middleware' : '/early-koa-guarded';
      const authorized = await app.send(path, { headers: AUTHORIZED });
      const cached = await app.send(path, { headers: AUTHORIZED });
      const anonymous = await app.send(path);

      expect(authorized.status).to.equal(200);
      expect(cached.headers['cache-status']).to.match(/; hit/);
      expect(anonymous.status).to.equal(401);
    });

    it("runs the app's global middlewares first, so a cached route still refuses whom they refuse", async () => {
      await app.send('/early/global/open', { headers: AUTHORIZED });
      const hit = await app.send('/early/global/open', { headers: AUTHORIZED });
      const anonymous = await app.send('/early/global/open');

      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(resolved).to.equal(1);
      expect(anonymous.status).to.equal(401);
    });

    it("falls back to the action when a key function reads the action's arguments early, and stops trying", async () => {
      await app.send('/early/by-function-of-args');
      const hit = await app.send('/early/by-function-of-args');
      const again = await app.send('/early/by-function-of-args');

      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(again.headers['cache-status']).to.match(/; hit/);
      expect(resolved).to.equal(3);
      expect(reported('EarlyController.byFunctionOfArgs').some((event) => !event.enabled && /arguments/.test(event.reason ?? ''))).to.equal(
        true,
      );
    });
  });
}
