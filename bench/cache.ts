// @cacheResponse hit path (memory and Redis stores) against the bare routing-controllers action,
// apicache 1.6.3 (Express) and koa-cash 5.0.2 (Koa). Each server runs in its own child process
// (NODE_ENV=production); autocannon runs in the orchestrator, on loopback.
// Run:      npx ts-node --transpile-only bench/cache.ts [scenario id …]      (ids: bench/scenarios.ts)
//           npx ts-node --transpile-only bench/cache.ts --profile <scenario id>
// Tunables: see bench/lib/options.ts (BENCH_ROUNDS 5, BENCH_SECONDS 3, BENCH_CONNECTIONS 50, …)
import 'reflect-metadata';
import express from 'express';
import type { Middleware as KoaMiddleware } from 'koa';
import { setTimeout as sleep } from 'node:timers/promises';
import { createExpressServer, createKoaServer, Get, JsonController, UseBefore } from 'routing-controllers';
import { cacheResponse } from '../src/cache/cacheResponse';
import { configureExtensions } from '../src/configure';
import { createRedisStorage } from '../src/storage/createRedisStorage';
import { ActionRunsController, actionRunsHandler, countActionRun } from './lib/actionRuns';
import { announceServer } from './lib/serverChild';
import { benchMain } from './main';

const RESPONSE = { hello: 'world', id: 42, tags: ['a', 'b', 'c'] };
const ACTION_MS = 20;
/** Long enough that no entry expires during a run, so every measured request is a hit. */
const TTL_MS = 60 * 60_000;

const apicache = require('apicache') as { middleware(duration: string): express.RequestHandler };
const koaCash = require('koa-cash') as (options: {
  maxAge: number;
  get(key: string, maxAge: number): unknown;
  set(key: string, value: unknown, maxAge: number): unknown;
}) => KoaMiddleware;

/** koa-cash brings no store: a Map with expiry, what its README's lru-cache example amounts to. */
function koaCashMemoryStore() {
  const entries = new Map<string, { value: unknown; expiresAt: number }>();
  return {
    get: (key: string) => {
      const entry = entries.get(key);
      return entry !== undefined && entry.expiresAt > Date.now() ? entry.value : undefined;
    },
    set: (key: string, value: unknown, maxAge: number) => {
      entries.set(key, { value, expiresAt: maxAge > 0 ? Date.now() + maxAge : Infinity });
    },
  };
}

/** koa-cash's documented use: answer from the cache and stop, or go on to the action (which it then stores). */
const serveCashed: KoaMiddleware = async (context, next) => {
  if (await (context as unknown as { cashed(): Promise<boolean> }).cashed()) return;
  await next();
};

async function action() {
  countActionRun();
  await sleep(ACTION_MS);
  return RESPONSE;
}

@JsonController()
class BareController {
  @Get('/bench')
  bare() {
    return RESPONSE;
  }
}

@JsonController()
class CachedController {
  @Get('/bench')
  @cacheResponse(TTL_MS)
  cached() {
    return action();
  }
}

@JsonController()
class ApicacheController {
  @Get('/bench')
  @UseBefore(apicache.middleware('1 hour'))
  cached() {
    return action();
  }
}

@JsonController()
class KoaCashController {
  @Get('/bench')
  @UseBefore(koaCash({ maxAge: TTL_MS, ...koaCashMemoryStore() }), serveCashed)
  cached() {
    return action();
  }
}

/** Points the default store of `@cacheResponse` at the bench's redis-server, connected before the port is announced. */
async function useRedisStore(redisUrl: string | undefined, namespace: string, near = false): Promise<void> {
  if (redisUrl === undefined) throw new Error('a Redis scenario needs the redis-server URL as its third argument');
  const storage = createRedisStorage(redisUrl, { namespace, ...(near && { nearCache: NEAR_CACHE }) });
  await storage.get('warm-up');
  configureExtensions({ caches: { default: storage } });
}

/** The near cache of the `-hit-near` rows: a copy is read again from Redis at most once a second. */
const NEAR_CACHE = Object.freeze({ maxEntries: 10_000, maxStalenessMs: 1_000 });

type App = Parameters<typeof announceServer>[0];
const withRuns = (controller: Function) => [controller, ActionRunsController];

/** The servers, by the name a scenario passes after `serve`: what each child process runs. */
const SERVERS: Record<string, (redisUrl?: string) => App | Promise<App>> = {
  'express-bare': () => createExpressServer({ controllers: [BareController] }),
  'express-hit': () => createExpressServer({ controllers: withRuns(CachedController) }),
  'express-hit-redis': async (redisUrl) => {
    await useRedisStore(redisUrl, 'bench-cache-express');
    return createExpressServer({ controllers: withRuns(CachedController) });
  },
  'express-hit-near': async (redisUrl) => {
    await useRedisStore(redisUrl, 'bench-cache-near-express', true);
    return createExpressServer({ controllers: withRuns(CachedController) });
  },
  'express-apicache': () =>
    express()
      .get('/bench', apicache.middleware('1 hour'), async (_request, response) => {
        response.json(await action());
      })
      .get('/bench-action-runs', actionRunsHandler),
  'express-apicache-rc': () => createExpressServer({ controllers: withRuns(ApicacheController) }),
  'koa-bare': () => createKoaServer({ controllers: [BareController] }),
  'koa-hit': () => createKoaServer({ controllers: withRuns(CachedController) }),
  'koa-hit-redis': async (redisUrl) => {
    await useRedisStore(redisUrl, 'bench-cache-koa');
    return createKoaServer({ controllers: withRuns(CachedController) });
  },
  'koa-hit-near': async (redisUrl) => {
    await useRedisStore(redisUrl, 'bench-cache-near-koa', true);
    return createKoaServer({ controllers: withRuns(CachedController) });
  },
  'koa-cash-rc': () => createKoaServer({ controllers: withRuns(KoaCashController) }),
  // The same cached route with its early path switched off: hits answered inside the action.
  'express-hit-in-action': () => {
    configureExtensions({ earlyPath: false });
    return createExpressServer({ controllers: withRuns(CachedController) });
  },
  'koa-hit-in-action': () => {
    configureExtensions({ earlyPath: false });
    return createKoaServer({ controllers: withRuns(CachedController) });
  },
};

async function main(): Promise<void> {
  const [mode, name, redisUrl] = process.argv.slice(2);
  if (mode !== 'serve') {
    await benchMain(process.argv.slice(2), { only: (scenario) => scenario.script === __filename, title: '@cacheResponse hit path' });
    return;
  }
  const start = SERVERS[name];
  if (!start) throw new Error(`unknown server "${name}": one of ${Object.keys(SERVERS).join(', ')}`);
  await announceServer(await start(redisUrl));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
