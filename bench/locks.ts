// Lock throughput: acquire + release per second for each lock, uncontended (one loop, one key)
// and with 50 contenders (50 loops of this process on one key). Starts its own redis-server.
// Run: npx ts-node --transpile-only bench/locks.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLock } from '../src/locks/FileLock';
import { InProcessLock } from '../src/locks/InProcessLock';
import type { Lock } from '../src/locks/Lock';
import { RedisLock } from '../src/locks/RedisLock';
import { startRedisServer } from '../spec/helpers/redisServer';

const DURATION_MS = 3_000;

async function measure(lock: Lock, key: string, contenders: number): Promise<number> {
  const deadline = Date.now() + DURATION_MS;
  let operations = 0;
  await Promise.all(
    Array.from({ length: contenders }, async () => {
      while (Date.now() < deadline) {
        const handle = await lock.acquire(key, { ttlMs: 10_000, waitMs: 30_000 });
        await handle.release();
        operations += 1;
      }
    }),
  );
  return Math.round((operations * 1000) / DURATION_MS);
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const directory = await mkdtemp(join(tmpdir(), 'rcx-bench-locks-'));
  const redisLock = new RedisLock(redis.url, { prefix: 'bench:' });
  const locks: Array<[string, Lock]> = [
    ['InProcessLock', new InProcessLock()],
    ['FileLock', new FileLock({ directory })],
    ['RedisLock', redisLock],
  ];
  const rows: string[] = [];
  try {
    for (const [name, lock] of locks) {
      const alone = await measure(lock, `${name}:alone`, 1);
      const contended = await measure(lock, `${name}:contended`, 50);
      rows.push(`| ${name} | ${alone} | ${contended} |`);
    }
  } finally {
    redisLock.close();
    await redis.stop();
    await rm(directory, { recursive: true, force: true });
  }
  console.log(`acquire+release per second, ${DURATION_MS / 1000} s per cell, node ${process.version}\n`);
  console.log('| lock | uncontended | 50 contenders |\n| --- | --- | --- |');
  for (const row of rows) console.log(row);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
