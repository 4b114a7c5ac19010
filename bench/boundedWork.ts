// How the idempotency layer's work grows with what a client sends: the default fingerprint
// (canonical JSON + SHA-256) of request bodies nested deeper and deeper, and of wider and wider
// ones, and the cost of a refusal by a full MemoryRecordStorage as it holds more records.
// Linear work doubles when the input doubles; the "× per doubling" column should stay near 2
// (near 1 for refusals, which must not depend on the records held).
// Run: npx ts-node --transpile-only bench/boundedWork.ts
import { performance } from 'node:perf_hooks';
import { IdempotencyFingerprint } from '../src/idempotency/idempotencyKeyConstructors';
import { MemoryRecordStorage } from '../src/idempotency/MemoryRecordStorage';
import { requestView } from '../spec/fixtures/requestView';

const fingerprint = new IdempotencyFingerprint();

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { a: value };
  return value;
}

function wide(width: number): unknown {
  return Array.from({ length: width }, (_, index) => ({ id: index, name: `item ${index}` }));
}

/** Best of `rounds` timings of `work`, in milliseconds. */
async function best(rounds: number, work: () => Promise<unknown> | unknown): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    await work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

async function fingerprintRows(label: string, make: (size: number) => unknown, sizes: readonly number[]): Promise<string[]> {
  const rows: string[] = [];
  let previous: number | undefined;
  for (const size of sizes) {
    const context = { request: requestView({ method: 'POST', body: make(size) }), controller: {}, methodName: 'create', args: [] };
    const ms = await best(5, () => fingerprint.getKey(context));
    rows.push(`| ${label} | ${size} | ${ms.toFixed(2)} | ${previous === undefined ? '—' : (ms / previous).toFixed(2)} |`);
    previous = ms;
  }
  return rows;
}

async function refusalRows(sizes: readonly number[]): Promise<string[]> {
  const rows: string[] = [];
  let previous: number | undefined;
  for (const records of sizes) {
    const value = 'x'.repeat(100);
    const storage = new MemoryRecordStorage({ maxBytes: records * (64 + 8 + 102) });
    for (let index = 0; ; index += 1) {
      const stored = await storage.set(`k${String(index).padStart(7, '0')}`, value, 60_000).then(
        () => true,
        () => false,
      );
      if (!stored) break;
    }
    const ms = await best(5, async () => {
      for (let attempt = 0; attempt < 1_000; attempt += 1) await storage.set(`new-${attempt}`, value, 60_000).catch(() => undefined);
    });
    const perRefusalUs = (ms * 1000) / 1_000;
    rows.push(
      `| refusal when full | ${storage.size} records | ${perRefusalUs.toFixed(2)} µs | ${previous === undefined ? '—' : (perRefusalUs / previous).toFixed(2)} |`,
    );
    previous = perRefusalUs;
  }
  return rows;
}

async function main(): Promise<void> {
  const doublings = (from: number, count: number) => Array.from({ length: count }, (_, index) => from * 2 ** index);
  const lines = [
    `Bounded work, node ${process.version}, best of 5 per row`,
    '',
    '| input | size | time (ms, or µs per refusal) | × per doubling |',
    '| --- | --- | --- | --- |',
    ...(await fingerprintRows('fingerprint, nesting depth', nested, doublings(2_000, 6))),
    ...(await fingerprintRows('fingerprint, array width', wide, doublings(2_000, 6))),
    ...(await refusalRows([1_000, 10_000, 100_000])),
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
