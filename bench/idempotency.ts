// @idempotencyKey replay of a completed key against the bare POST action, memory store and Redis
// store (the bench's own redis-server on a free loopback port). Each server runs in its own child
// process (NODE_ENV=production); autocannon runs in the orchestrator (POST with a fixed key and body).
// Run:      npx ts-node --transpile-only bench/idempotency.ts [scenario id …]   (ids: bench/scenarios.ts)
//           npx ts-node --transpile-only bench/idempotency.ts --profile <scenario id>
// Tunables: see bench/lib/options.ts (BENCH_ROUNDS 5, BENCH_SECONDS 3, BENCH_CONNECTIONS 50, …)
import 'reflect-metadata';
import { Body, createExpressServer, createKoaServer, JsonController, Post } from 'routing-controllers';
import { idempotencyKey } from '../src/idempotency/idempotencyDecorators';
import { configureExtensions } from '../src/configure';
import { createRedisStorage } from '../src/storage/createRedisStorage';
import { ActionRunsController, countActionRun } from './lib/actionRuns';
import { announceServer } from './lib/serverChild';
import { benchMain } from './main';

const RESPONSE = { hello: 'world', id: 42, tags: ['a', 'b', 'c'] };

@JsonController()
class BareController {
  @Post('/bench')
  bare(@Body() body: unknown) {
    return body === undefined ? RESPONSE : RESPONSE;
  }
}

@JsonController()
class ReplayController {
  @Post('/bench')
  @idempotencyKey()
  replay(@Body() body: unknown) {
    countActionRun();
    return body === undefined ? RESPONSE : RESPONSE;
  }
}

const start = (driver: string, controller: Function) =>
  (driver === 'express' ? createExpressServer : createKoaServer)({ controllers: [controller, ActionRunsController] });

async function serve(driver: string, kind: string, redisUrl?: string): Promise<void> {
  if (kind === 'redis') {
    // A namespace per driver: the Express table's record must not be what the Koa server replays.
    const storage = createRedisStorage(redisUrl as string, { namespace: `bench-idempotency-${driver}` });
    await storage.get('warm-up');
    configureExtensions({ caches: { default: storage }, idempotency: { cache: 'default' } });
  }
  await announceServer(start(driver, kind === 'bare' ? BareController : ReplayController));
}

async function main(): Promise<void> {
  const [mode, driver, kind, redisUrl] = process.argv.slice(2);
  if (mode !== 'serve') {
    await benchMain(process.argv.slice(2), { only: (scenario) => scenario.script === __filename, title: '@idempotencyKey replay path' });
    return;
  }
  await serve(driver, kind, redisUrl);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
