// Child process: a routing-controllers app protected by @idempotencyKey over a shared Redis store,
// with a FileLock or a RedisLock. Prints `{ "port": n }` once listening.
// Usage: idempotencyApp.ts <express|koa> <redisUrl> <file|redis> <lockDirectory|-> <namespace> <leaseMs>
// Routes: POST /orders runs once per key, counting executions in Redis (<namespace>:executions)
// and waiting until <namespace>:gate is set; POST /hang hangs on its first execution and
// answers at once afterwards (for crash tests); both count received requests (<namespace>:received).
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from '@keyv/redis';
import { Body, createExpressServer, createKoaServer, HttpCode, JsonController, Middleware, Post } from 'routing-controllers';
import { idempotencyKey } from '../../../src/idempotency/idempotencyDecorators';
import { FileLock } from '../../../src/locks/FileLock';
import { RedisLock } from '../../../src/locks/RedisLock';
import { configureExtensions } from '../../../src/configure';
import { createRedisStorage } from '../../../src/storage/createRedisStorage';

const [driver, redisUrl, lockKind, lockDirectory, namespace, leaseText] = process.argv.slice(2);
const leaseMs = Number(leaseText);
const client = createClient({ url: redisUrl });
client.on('error', () => undefined);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Middleware({ type: 'before' })
class ReceivedCounter {
  use(...args: unknown[]): unknown {
    void client.incr(`${namespace}:received`);
    const next = args[args.length - 1] as () => unknown;
    return next();
  }
}

@JsonController()
class OrdersController {
  @Post('/orders')
  @HttpCode(201)
  @idempotencyKey({ leaseMs, maxWaitMs: 30_000 })
  async create(@Body() body: unknown) {
    const run = await client.incr(`${namespace}:executions`);
    while ((await client.get(`${namespace}:gate`)) === null) await pause(5);
    return { run, body, pid: process.pid };
  }

  @Post('/hang')
  @HttpCode(201)
  @idempotencyKey({ leaseMs, inFlight: 'conflict' })
  async hang(@Body() body: unknown) {
    const run = await client.incr(`${namespace}:executions`);
    if (run === 1) await new Promise(() => undefined);
    return { run, body };
  }

  @Post('/pausable')
  @HttpCode(201)
  @idempotencyKey({ leaseMs, inFlight: 'conflict' })
  async pausable(@Body() body: unknown) {
    const run = await client.incr(`${namespace}:executions`);
    if (run === 1) while ((await client.get(`${namespace}:gate`)) === null) await pause(5);
    return { run, body, pid: process.pid };
  }
}

async function main(): Promise<void> {
  await client.connect();
  const lock =
    lockKind === 'file'
      ? new FileLock({ directory: lockDirectory, staleMs: 2_000 })
      : new RedisLock(redisUrl, { prefix: `${namespace}:lock:` });
  const storage = createRedisStorage(redisUrl, { namespace });
  // Connect before taking traffic: the store's client has no offline queue while it connects.
  await storage.get('warm-up');
  configureExtensions({ caches: { default: storage }, locks: { default: lock }, idempotency: { cache: 'default' } });
  const options = { controllers: [OrdersController], middlewares: [ReceivedCounter] };
  const app = driver === 'express' ? createExpressServer(options) : createKoaServer(options);
  const server: Server = await new Promise((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
