/**
 * Throughput of the pure precondition engine and parse time of entity-tag lists by size.
 * Run: `npx ts-node --transpile-only bench/preconditions.ts`
 */
import { parseEntityTagList, matchEntityTagList } from '../src/etag/entityTagList';
import { evaluatePreconditions, type PreconditionInput } from '../src/etag/evaluatePreconditions';

const RUN_MS = 400;
let sink = 0;

function opsPerSecond(run: () => void): number {
  for (let i = 0; i < 10_000; i += 1) run();
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(RUN_MS * 1e6);
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 1000; i += 1) run();
    iterations += 1000;
    now = process.hrtime.bigint();
  }
  return iterations / (Number(now - start) / 1e9);
}

function evaluationCase(name: string, input: PreconditionInput): void {
  const expected = evaluatePreconditions(input).outcome;
  const rate = opsPerSecond(() => {
    sink += evaluatePreconditions(input).outcome.length;
  });
  console.log(`${name.padEnd(46)} ${expected.padEnd(20)} ${(rate / 1e6).toFixed(2).padStart(7)} M evaluations/s`);
}

/** `count` distinct strong tags `"0000000000", "0000000001", …` joined with `, `. */
function tagList(count: number): string {
  return Array.from({ length: count }, (_, i) => `"${String(i).padStart(10, '0')}"`).join(', ');
}

/** A valid tag list of exactly `bytes` characters (the last tag padded to fit). */
function tagListOfSize(bytes: number): string {
  const list = tagList(Math.floor(bytes / 14) - 1);
  const pad = bytes - list.length - 4;
  return `${list}, "${'x'.repeat(pad)}"`;
}

const RAISED = { maxMembers: 1_000_000, maxLength: 1_000_000 };

function sizeCase(name: string, header: string, run: () => string): number {
  const result = run();
  const rate = opsPerSecond(() => {
    sink += run().length;
  });
  const microseconds = 1e6 / rate;
  console.log(
    `${name.padEnd(46)} ${result.padEnd(10)} ${String(header.length).padStart(6)} B ` +
      `${microseconds.toFixed(2).padStart(9)} µs ${((microseconds * 1000) / header.length).toFixed(2).padStart(6)} ns/byte`,
  );
  return microseconds;
}

const matchCase = (name: string, header: string) => sizeCase(name, header, () => matchEntityTagList(header, '"nomatch"', 'weak', RAISED));
const parseCase = (name: string, header: string) => sizeCase(name, header, () => parseEntityTagList(header, RAISED).kind);

const etag = '"0000000007"';
console.log(`node ${process.version}, ${RUN_MS} ms per case\n`);
console.log('evaluatePreconditions');
evaluationCase('GET, no conditional headers', { method: 'GET', headers: { accept: 'application/json' }, etag });
evaluationCase('GET, If-None-Match hit (one tag)', { method: 'GET', headers: { 'if-none-match': etag }, etag });
evaluationCase('GET, If-None-Match miss (W/ tag)', { method: 'GET', headers: { 'if-none-match': 'W/"other"' }, etag });
evaluationCase('PUT, If-Match list of 8, match last', { method: 'PUT', headers: { 'if-match': tagList(8) }, etag });
evaluationCase('PUT, If-Match list of 8, no match', { method: 'PUT', headers: { 'if-match': tagList(8) }, etag: '"x"' });
evaluationCase('GET, If-Modified-Since hit', {
  method: 'GET',
  headers: { 'if-modified-since': 'Tue, 15 Nov 2022 12:45:26 GMT' },
  lastModified: new Date(Date.UTC(2022, 10, 15, 12, 45, 26)),
  now: Date.UTC(2022, 10, 16),
});
evaluationCase('PUT, required precondition missing', { method: 'PUT', headers: {}, etag, requirePrecondition: true });

const baselineText = tagListOfSize(64 * 1024);
sizeCase('baseline: bare charCodeAt loop, 64 KiB', baselineText, () => {
  let count = 0;
  for (let i = 0; i < baselineText.length; i += 1) if (baselineText.charCodeAt(i) === 0x22) count += 1;
  return count > 0 ? 'loop' : 'none';
});

for (const [label, run] of [
  ['matchEntityTagList (the engine path, allocation-free)', matchCase],
  ['parseEntityTagList (allocates one object per tag)', parseCase],
] as const) {
  console.log(`\n${label}, caps raised to measure scaling`);
  const one = run('valid list, 1 KiB', tagListOfSize(1024));
  const eight = run('valid list, 8 KiB', tagListOfSize(8 * 1024));
  const sixtyFour = run('valid list, 64 KiB', tagListOfSize(64 * 1024));
  run('adversarial `"` + ", " x 32767 (64 KiB)', `"${', '.repeat(32_767)}`);
  run('adversarial ` , ` x 21845 (64 KiB)', ' , '.repeat(21_845));
  console.log(`ratio 8/1 KiB = ${(eight / one).toFixed(1)}, 64/8 KiB = ${(sixtyFour / eight).toFixed(1)} (linear: 8 and 8)`);
}
console.log('\ndefault caps: a list over 8192 characters or 64 members is rejected before scanning (431)');
if (sink === 0) console.log('');
