// The rows of `npm run bench`, one table per driver. Each row's server is a child process running
// `script serve …`; `baseline` names the row its ratios divide by.
import { join } from 'node:path';
import type { LoadOptions } from './lib/load';
import type { Scenario } from './lib/rounds';

/** The two drivers routing-controllers runs on; one table each. */
export type Driver = 'express' | 'koa';
export const DRIVERS: readonly Driver[] = ['express', 'koa'];

/** What the rows need from the run: the bench's own redis-server. */
export interface ScenarioContext {
  readonly redisUrl: string;
  readonly redisPid: number;
}

const CACHE = join(__dirname, 'cache.ts');
const ETAG = join(__dirname, 'etag.ts');
const FLOOR = join(__dirname, 'floor.ts');
const IDEMPOTENCY = join(__dirname, 'idempotency.ts');
const POST: LoadOptions = {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'idempotency-key': 'bench-key-1' },
  body: JSON.stringify({ amount: 100, currency: 'EUR' }),
};
const CONDITIONAL: LoadOptions = { headers: { 'if-none-match': '"v1"' }, expect: '3xx' };

/**
 * The rows of one driver's table, in the order the rounds visit them: GET rows against the bare
 * GET action, POST rows against the bare POST action.
 *
 * @example
 * ```ts
 * const rows = driverScenarios('koa', { redisUrl: redis.url, redisPid: redis.pid });
 * ```
 */
export function driverScenarios(driver: Driver, context: ScenarioContext): Scenario[] {
  const bare = `${driver}-bare`;
  const redis = { name: 'redis-server', pid: context.redisPid };
  const cache = (id: string, name: string, extra: Partial<Scenario> = {}): Scenario => ({
    id,
    name,
    script: CACHE,
    args: ['serve', id, context.redisUrl],
    baseline: bare,
    countsActionRuns: true,
    ...extra,
  });
  const rows: Scenario[] = [
    { id: bare, name: `${driver}: bare routing-controllers GET action`, script: CACHE, args: ['serve', bare] },
    { id: 'floor', name: 'plain node:http serving the same bytes (floor)', script: FLOOR, args: ['serve'], baseline: bare },
    cache(`${driver}-hit`, `${driver}: @cacheResponse hit, memory store (20 ms action)`),
    cache(`${driver}-hit-redis`, `${driver}: @cacheResponse hit, Redis store (20 ms action)`, { sidecar: redis }),
    cache(`${driver}-hit-near`, `${driver}: @cacheResponse hit, Redis store with a near cache (20 ms action)`, { sidecar: redis }),
  ];
  if (driver === 'express') {
    rows.push(
      cache('express-apicache', 'express: apicache hit, plain app.get (20 ms action)'),
      cache('express-apicache-rc', 'express: apicache hit, same routing-controllers route (@UseBefore, 20 ms action)'),
    );
  } else {
    rows.push(cache('koa-cash-rc', 'koa: koa-cash hit, same routing-controllers route (@UseBefore, memory store, 20 ms action)'));
  }
  rows.push(...earlyPathScenarios(driver, context));
  rows.push(
    {
      id: `${driver}-304`,
      name: `${driver}: @etag 304 (pre-handler etagFunc)`,
      script: ETAG,
      args: ['serve', `${driver}-304`],
      load: CONDITIONAL,
      baseline: bare,
    },
    {
      id: `${driver}-post`,
      name: `${driver}: bare POST action`,
      script: IDEMPOTENCY,
      args: ['serve', driver, 'bare', context.redisUrl],
      load: POST,
    },
    ...(['memory', 'redis'] as const).map((store) => ({
      id: `${driver}-replay-${store}`,
      name: `${driver}: @idempotencyKey replay, ${store === 'redis' ? 'Redis' : 'memory'} store`,
      script: IDEMPOTENCY,
      args: ['serve', driver, store, context.redisUrl],
      load: POST,
      baseline: `${driver}-post`,
      countsActionRuns: true,
      ...(store === 'redis' && { sidecar: redis }),
    })),
  );
  return rows;
}

/**
 * The early path against the action path for the same routes: the `-hit` and `-304` rows answer
 * on the early path (the default), these with the `earlyPath` setting off, both against the bare
 * GET action.
 */
function earlyPathScenarios(driver: Driver, context: ScenarioContext): Scenario[] {
  return [
    {
      id: `${driver}-hit-in-action`,
      name: `${driver}: @cacheResponse hit, early path off (answered in the action)`,
      script: CACHE,
      args: ['serve', `${driver}-hit-in-action`, context.redisUrl],
      baseline: `${driver}-bare`,
      countsActionRuns: true,
    },
    {
      id: `${driver}-304-in-action`,
      name: `${driver}: @etag 304, early path off (answered in the action)`,
      script: ETAG,
      args: ['serve', `${driver}-304-in-action`],
      load: CONDITIONAL,
      baseline: `${driver}-bare`,
    },
  ];
}

/**
 * Every row of every table (the floor appears in each), for `--profile <id>` look-ups.
 *
 * @example
 * ```ts
 * const scenario = allScenarios(context).find((row) => row.id === 'koa-hit');
 * ```
 */
export function allScenarios(context: ScenarioContext): Scenario[] {
  return DRIVERS.flatMap((driver) => driverScenarios(driver, context));
}
