// Child process: a routing-controllers server caching in a shared Redis, with a RedisLock for
// cross-process single-flight. Writes `{ "port": n }` on stdout once listening.
// Usage: cacheApp.ts <express|koa> <redisUrl> <namespace> [<nearCache options as JSON>]
//
// GET  /held/:id   cached with the lock; counts its runs in Redis (INCR <ns>:runs:<id>), then waits
//                  until the test opens its gate (SET <ns>:gate:<id> + PUBLISH <ns>:gate <id>).
// GET  /items/:id  cached with the lock; counts its runs in this process (works while Redis is down).
// PATCH /items/:id @invalidates() the GET of the same path.
// Requests to /held/* are counted in Redis on arrival (INCR <ns>:arrived), so the test knows
// when all of them are in flight.
import 'reflect-metadata';
import type KeyvRedis from '@keyv/redis';
import { createClient } from '@keyv/redis';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressServer, createKoaServer, Get, JsonController, Param, Patch } from 'routing-controllers';
import { cacheResponse } from '../../../src/cache/cacheResponse';
import { invalidates } from '../../../src/cache/invalidates';
import { RedisLock } from '../../../src/locks/RedisLock';
import { configureExtensions } from '../../../src/configure';
import { createRedisStorage } from '../../../src/storage/createRedisStorage';
import { NearCacheStorage, type NearCacheOptions } from '../../../src/storage/NearCacheStorage';

/**
 * Store and lock timeouts of the child. A lock or lookup that times out runs the action
 * uncoordinated (the cache fails open), so they are long enough for a loaded 2-core machine where
 * four children serve 200 requests at once; a hang would still be caught by the outage test's bound.
 */
export const CHILD_STORE_TIMEOUT_MS = 3_000;

const [driver, redisUrl, namespace, nearCacheJson] = process.argv.slice(2);
const redis = createClient({ url: redisUrl, disableOfflineQueue: true });
const subscriber = redis.duplicate();
const localRuns = new Map<string, number>();
const opened = new Set<string>();
const waiting = new Map<string, Array<() => void>>();

async function gate(id: string): Promise<void> {
  if (opened.has(id)) return;
  const open = new Promise<void>((resolve) => waiting.set(id, [...(waiting.get(id) ?? []), resolve]));
  // Subscribed before reading the key: a gate opened in between is seen one way or the other.
  if ((await redis.get(`${namespace}:gate:${id}`)) !== null) return;
  await open;
}

@JsonController()
class CachedController {
  @Get('/held/:id')
  @cacheResponse({ ttl: 60_000, lock: 'default' })
  async held(@Param('id') id: string) {
    const run = await redis.incr(`${namespace}:runs:${id}`);
    await gate(id);
    return { id, run, pid: process.pid };
  }

  @Get('/items/:id')
  @cacheResponse({ ttl: 60_000, lock: 'default' })
  item(@Param('id') id: string) {
    const run = (localRuns.get(id) ?? 0) + 1;
    localRuns.set(id, run);
    return { id, run, pid: process.pid };
  }

  @Patch('/items/:id')
  @invalidates()
  update(@Param('id') id: string) {
    return { updated: id, pid: process.pid };
  }
}

async function main(): Promise<void> {
  for (const client of [redis, subscriber]) client.on('error', () => undefined);
  await Promise.all([redis.connect(), subscriber.connect()]);
  await subscriber.subscribe(`${namespace}:gate`, (id) => {
    opened.add(id);
    for (const resolve of waiting.get(id) ?? []) resolve();
    waiting.delete(id);
  });
  const nearCache = nearCacheJson === undefined ? undefined : (JSON.parse(nearCacheJson) as NearCacheOptions);
  const storage = createRedisStorage(redisUrl, {
    namespace,
    timeoutMs: CHILD_STORE_TIMEOUT_MS,
    connectTimeoutMs: CHILD_STORE_TIMEOUT_MS,
    nearCache,
  });
  const shared = storage instanceof NearCacheStorage ? storage.shared : storage;
  // Connected before listening: the store connects lazily and, without an offline queue, fails
  // every call made while that first connection is still being set up.
  await (shared.keyv.store as KeyvRedis<unknown>).getClient();
  configureExtensions({
    caches: { default: storage },
    locks: { default: new RedisLock(redisUrl, { prefix: `${namespace}:lock:`, commandTimeoutMs: CHILD_STORE_TIMEOUT_MS }) },
  });
  const options = { controllers: [CachedController] };
  const app = driver === 'koa' ? createKoaServer(options) : createExpressServer(options);
  const server: Server = await new Promise((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  server.on('request', (request: { url?: string }) => {
    if (request.url?.startsWith('/held/')) redis.incr(`${namespace}:arrived`).catch(() => undefined);
  });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
