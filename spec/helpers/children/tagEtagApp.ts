// Child process: a routing-controllers server whose ETags come from tag versions in a shared
// Redis. Writes `{ "port": n }` on stdout once listening.
// Usage: tagEtagApp.ts <express|koa> <redisUrl> <namespace>
//
// GET   /towns/:id  @etag({ tags: ['town:{id}'] }) + @cacheResponse; counts its runs in Redis
//                   (INCR <ns>:runs:<id>) and reads the name from <ns>:name:<id>.
// PATCH /towns/:id  @invalidates(['town:{id}']); writes the name to <ns>:name:<id>.
// GET   /stats      how many cache entries this process read from the store.
import 'reflect-metadata';
import type KeyvRedis from '@keyv/redis';
import { createClient } from '@keyv/redis';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Body, createExpressServer, createKoaServer, Get, JsonController, Param, Patch } from 'routing-controllers';
import { cacheResponse } from '../../../src/cache/cacheResponse';
import { invalidates } from '../../../src/cache/invalidates';
import { configureExtensions } from '../../../src/configure';
import { etag } from '../../../src/etag/etag';
import { createRedisStorage } from '../../../src/storage/createRedisStorage';
import type { Storage, StorageCallOptions } from '../../../src/storage/Storage';

const [driver, redisUrl, namespace] = process.argv.slice(2);
const redis = createClient({ url: redisUrl, disableOfflineQueue: true });
let entryReads = 0;

/** The Redis store, counting reads of cache entries (keys of the response cache). */
function counting(storage: Storage): Storage {
  const isEntry = (key: string) => key.startsWith('rcx:response:');
  return {
    scope: storage.scope,
    get: <T>(key: string, options?: StorageCallOptions) => {
      if (isEntry(key)) entryReads++;
      return storage.get<T>(key, options);
    },
    getMany: <T>(keys: readonly string[], options?: StorageCallOptions) => {
      entryReads += keys.filter(isEntry).length;
      return storage.getMany<T>(keys, options);
    },
    set: (key, value, ttlMs, options) => storage.set(key, value, ttlMs, options),
    delete: (key, options) => storage.delete(key, options),
  };
}

@JsonController()
class TownController {
  @Get('/towns/:id')
  @etag({ tags: ['town:{id}'] })
  @cacheResponse({ ttl: 60_000, tags: ['town:{id}'] })
  async one(@Param('id') id: string) {
    const run = await redis.incr(`${namespace}:runs:${id}`);
    const name = (await redis.get(`${namespace}:name:${id}`)) ?? 'unnamed';
    return { id, name, run, pid: process.pid };
  }

  @Patch('/towns/:id')
  @invalidates(['town:{id}'])
  async rename(@Param('id') id: string, @Body() body: { name: string }) {
    await redis.set(`${namespace}:name:${id}`, body.name);
    return { id, name: body.name, pid: process.pid };
  }

  @Get('/stats')
  stats() {
    return { entryReads };
  }
}

async function main(): Promise<void> {
  redis.on('error', () => undefined);
  await redis.connect();
  const storage = createRedisStorage(redisUrl, { namespace, timeoutMs: 3_000, connectTimeoutMs: 3_000 });
  // Connected before listening (see cacheApp.ts).
  await (storage.keyv.store as KeyvRedis<unknown>).getClient();
  configureExtensions({ caches: { default: counting(storage) } });
  const options = { controllers: [TownController] };
  const app = driver === 'koa' ? createKoaServer(options) : createExpressServer(options);
  const server: Server = await new Promise((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
