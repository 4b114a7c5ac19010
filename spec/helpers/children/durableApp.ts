// Child process: a routing-controllers app with @idempotencyKey over a Redis store and a RedisLock
// built from URLs (no warm-up: it takes traffic at once), for fault and cold-start tests.
// Everything it counts goes to files in <dir>, so the counts survive a SIGKILL and a Redis that
// is paused, partitioned or emptied. Prints `{ "port": n, "pid": n }` once listening.
// Usage: durableApp.ts '<json DurableAppConfig>'
//
// POST /orders      appends "<pid> <key>" to <dir>/executions, waits until <dir>/gate-<key> exists
//                   (the key travels in the body too, so the action can name its gate)
// PUT  /docs/:id    @etag from the version in <dir>/doc-<id>; bumps it, and counts and waits like /orders
// GET  /items/:id   @cacheResponse with the lock (single-flight across processes); appends
//                   "<pid> item-<id>" to <dir>/executions, waits until <dir>/gate-item-<id> exists,
//                   answers the version in <dir>/item-<id> (0 if absent)
// PATCH /items/:id  @invalidates() the GET of the same path; bumps <dir>/item-<id>
// With `rootNodes`, the store and the lock share one node-redis cluster client (Redis Cluster).
// `nearCache` in the config is passed to createRedisStorage as it is.
// Every request is counted on arrival (a line in <dir>/received); every idempotency event of the
// process is a line "<type>" in <dir>/events-<pid>.
import 'reflect-metadata';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { subscribe } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createCluster } from '@keyv/redis';
import {
  Body,
  createExpressServer,
  createKoaServer,
  Get,
  HttpCode,
  JsonController,
  Middleware,
  Param,
  Patch,
  Post,
  Put,
} from 'routing-controllers';
import { cacheResponse } from '../../../src/cache/cacheResponse';
import { invalidates } from '../../../src/cache/invalidates';
import { configureExtensions } from '../../../src/configure';
import { etag } from '../../../src/etag/etag';
import { IDEMPOTENCY_CHANNEL_NAME, type IdempotencyEvent } from '../../../src/events';
import { idempotencyKey } from '../../../src/idempotency/idempotencyDecorators';
import type { InFlightPolicy } from '../../../src/idempotency/IdempotencyKeyOptions';
import type { KeyBitContext } from '../../../src/keys/KeyBit';
import { RedisLock } from '../../../src/locks/RedisLock';
import { createRedisStorage } from '../../../src/storage/createRedisStorage';
import type { NearCacheOptions } from '../../../src/storage/NearCacheStorage';

/** What the test tells the child. */
export interface DurableAppConfig {
  readonly driver: 'express' | 'koa';
  /** Where the record store connects (Redis, or a proxy in front of it); unused with `rootNodes`. */
  readonly storeUrl?: string;
  /** Where the lock connects; unused with `rootNodes`. */
  readonly lockUrl?: string;
  /** A Redis Cluster's nodes: the store and the lock then share one cluster client. */
  readonly rootNodes?: ReadonlyArray<{ url: string }>;
  /** The store's `nearCache` option, passed through as it is. */
  readonly nearCache?: NearCacheOptions;
  readonly namespace: string;
  readonly dir: string;
  readonly leaseMs: number;
  readonly storeTimeoutMs: number;
  readonly lockTimeoutMs: number;
  readonly inFlight: InFlightPolicy;
}

const config = JSON.parse(process.argv[2]) as DurableAppConfig;
const file = (name: string) => join(config.dir, name);

subscribe(IDEMPOTENCY_CHANNEL_NAME, (event) => appendFileSync(file(`events-${process.pid}`), `${(event as IdempotencyEvent).type}\n`));

async function gate(key: string): Promise<void> {
  while (!existsSync(file(`gate-${key}`))) await new Promise((resolve) => setTimeout(resolve, 5));
}

function itemVersion(id: string): number {
  const path = file(`item-${id}`);
  return existsSync(path) ? Number(readFileSync(path, 'utf8')) : 0;
}

function versionOf({ request }: KeyBitContext): string | null {
  const path = file(`doc-${request.params.id}`);
  return existsSync(path) ? `v${readFileSync(path, 'utf8').trim()}` : null;
}

@Middleware({ type: 'before' })
class ArrivalCounter {
  use(...args: unknown[]): unknown {
    appendFileSync(file('received'), `${process.pid}\n`);
    const next = args[args.length - 1] as () => unknown;
    return next();
  }
}

@JsonController()
class DurableController {
  @Post('/orders')
  @HttpCode(201)
  @idempotencyKey({ leaseMs: config.leaseMs, inFlight: config.inFlight })
  async create(@Body() body: { key: string }) {
    appendFileSync(file('executions'), `${process.pid} ${body.key}\n`);
    await gate(body.key);
    return { body, pid: process.pid };
  }

  @Put('/docs/:id')
  @etag({ etagFunc: versionOf, rebuildAfterMethodEvaluation: true })
  @idempotencyKey({ leaseMs: config.leaseMs, inFlight: config.inFlight })
  async replace(@Param('id') id: string, @Body() body: { key: string; text: string }) {
    appendFileSync(file('executions'), `${process.pid} ${body.key}\n`);
    await gate(body.key);
    const version = Number(readFileSync(file(`doc-${id}`), 'utf8')) + 1;
    writeFileSync(file(`doc-${id}`), String(version));
    return { id, version, text: body.text, pid: process.pid };
  }

  @Get('/items/:id')
  @cacheResponse({ ttl: 60_000, lock: 'default' })
  async item(@Param('id') id: string) {
    appendFileSync(file('executions'), `${process.pid} item-${id}\n`);
    await gate(`item-${id}`);
    return { id, version: itemVersion(id), pid: process.pid };
  }

  @Patch('/items/:id')
  @invalidates()
  update(@Param('id') id: string) {
    const version = itemVersion(id) + 1;
    writeFileSync(file(`item-${id}`), String(version));
    return { id, version, pid: process.pid };
  }
}

/** The store's and the lock's Redis: URLs, or one connected cluster client (as an app would pass it). */
async function redisTargets(): Promise<{
  store: Parameters<typeof createRedisStorage>[0];
  lock: ConstructorParameters<typeof RedisLock>[0];
}> {
  if (config.rootNodes === undefined) {
    if (config.storeUrl === undefined || config.lockUrl === undefined)
      throw new Error('durableApp needs storeUrl and lockUrl, or rootNodes');
    return { store: config.storeUrl, lock: config.lockUrl };
  }
  const cluster = createCluster({ rootNodes: [...config.rootNodes] });
  cluster.on('error', () => undefined);
  // Connected first: a cluster client still discovering its slots cannot route a command.
  await cluster.connect();
  return { store: cluster, lock: cluster };
}

async function main(): Promise<void> {
  const targets = await redisTargets();
  const { nearCache } = config;
  const storage = createRedisStorage(targets.store, {
    namespace: config.namespace,
    timeoutMs: config.storeTimeoutMs,
    ...(nearCache && { nearCache }),
  });
  const lock = new RedisLock(targets.lock, { prefix: `${config.namespace}:lock:`, commandTimeoutMs: config.lockTimeoutMs });
  configureExtensions({ caches: { default: storage, records: storage }, locks: { default: lock }, idempotency: { cache: 'records' } });
  const options = { controllers: [DurableController], middlewares: [ArrivalCounter] };
  const app = config.driver === 'express' ? createExpressServer(options) : createKoaServer(options);
  const server: Server = await new Promise((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, pid: process.pid })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
