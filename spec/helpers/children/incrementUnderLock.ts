// Child process: increments a shared counter `count` times, each time read-modify-write under a lock.
// Usage: incrementUnderLock.ts file <lockDirectory> <counterFile> <count>
//        incrementUnderLock.ts redis <redisUrl> <counterKey> <count>
import { readFile, writeFile } from 'node:fs/promises';
import { createClient } from '@keyv/redis';
import { FileLock } from '../../../src/locks/FileLock';
import { RedisLock } from '../../../src/locks/RedisLock';

async function main(): Promise<void> {
  const [kind, target, counter, countText] = process.argv.slice(2);
  const count = Number(countText);
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  if (kind === 'file') {
    const lock = new FileLock({ directory: target, staleMs: 5_000, retryMaxMs: 10 });
    for (let index = 0; index < count; index += 1) {
      const handle = await lock.acquire('counter', { ttlMs: 5_000, waitMs: 30_000 });
      const value = Number(await readFile(counter, 'utf8').catch(() => '0'));
      await tick();
      await writeFile(counter, String(value + 1));
      await handle.release();
    }
    return;
  }
  const client = createClient({ url: target });
  client.on('error', () => undefined);
  await client.connect();
  const lock = new RedisLock(client, { prefix: `${counter}:lock:`, retryMaxMs: 10 });
  for (let index = 0; index < count; index += 1) {
    const handle = await lock.acquire('counter', { ttlMs: 5_000, waitMs: 30_000 });
    const value = Number((await client.get(counter)) ?? '0');
    await tick();
    await client.set(counter, String(value + 1));
    await handle.release();
  }
  client.destroy();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
