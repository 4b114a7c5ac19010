// Child process: locks `count` different keys one after another with a FileLock and prints
// `{ "fences": [...] }`, the fence of each.
// Usage: fencesUnderLock.ts <lockDirectory> <keyPrefix> <count>
import { FileLock } from '../../../src/locks/FileLock';

async function main(): Promise<void> {
  const [directory, prefix, countText] = process.argv.slice(2);
  const lock = new FileLock({ directory, staleMs: 5_000 });
  const fences: number[] = [];
  for (let index = 0; index < Number(countText); index += 1) {
    const handle = await lock.acquire(`${prefix}:${index}`, { ttlMs: 5_000, waitMs: 30_000 });
    fences.push(handle.fence);
    await handle.release();
  }
  process.stdout.write(`${JSON.stringify({ fences })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
