// Child process: acquires a lock, reports `{ fence, token }` on stdout, then holds it until killed.
// Usage: holdLock.ts file <lockDirectory> <key> <staleMs>
//        holdLock.ts redis <redisUrl> <key> <ttlMs> <prefix>
import { FileLock } from '../../../src/locks/FileLock';
import type { Lock } from '../../../src/locks/Lock';
import { RedisLock } from '../../../src/locks/RedisLock';

async function main(): Promise<void> {
  const [kind, target, key, msText, prefix] = process.argv.slice(2);
  const ms = Number(msText);
  const lock: Lock = kind === 'file' ? new FileLock({ directory: target, staleMs: ms }) : new RedisLock(target, { prefix });
  const handle = await lock.acquire(key, { ttlMs: kind === 'file' ? 60_000 : ms, waitMs: 5_000 });
  process.stdout.write(`${JSON.stringify({ fence: handle.fence, token: handle.token })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
