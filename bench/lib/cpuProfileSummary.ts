import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './median';

/** The part of a V8 `.cpuprofile` (what `node --cpu-prof` writes) this file reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  /** Microseconds on the monotonic clock (the one `process.hrtime` reads). */
  readonly startTime: number;
  readonly endTime: number;
  /** Node id of each sample. */
  readonly samples: readonly number[];
  /** Microseconds from the previous sample (the first: from `startTime`). */
  readonly timeDeltas: readonly number[];
}

/** One function's self time. */
export interface SelfTimeRow {
  readonly functionName: string;
  /** Script, relative to `root` for files under it (`src/cache/CacheResponseStep.ts:37`). */
  readonly location: string;
  /** Samples that had this function on top. */
  readonly samples: number;
  /** `samples` × the typical sampling interval. */
  readonly selfMicros: number;
  /** Share of the busy (non-idle) samples in the window. */
  readonly selfShare: number;
}

/** Self time of a profile (or of a window of it), heaviest functions first. */
export interface CpuProfileSummary {
  readonly rows: readonly SelfTimeRow[];
  /** Samples in the window other than `(idle)`. */
  readonly busySamples: number;
  readonly idleSamples: number;
  /** The median gap between samples, microseconds. */
  readonly intervalMicros: number;
}

/** Options of {@link summarizeCpuProfile}. */
export interface SummaryOptions {
  /** Only samples taken at or after this monotonic time (µs), e.g. when the measured load started. */
  fromMicros?: number;
  /** Only samples taken before this monotonic time (µs). */
  toMicros?: number;
  /**
   * How many functions to keep.
   * @default 20
   */
  top?: number;
  /** Directory file locations are shown relative to. */
  root?: string;
}

/**
 * Counts self samples per function (name + script + line, so two closures of one name stay
 * apart) in the window. Samples are counted rather than weighted by the gap to the next one (as
 * DevTools does): a gap is long when the process sat descheduled, which is no CPU time.
 *
 * @example
 * ```ts
 * const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), { top: 20, root: process.cwd() });
 * ```
 */
export function summarizeCpuProfile(profile: CpuProfile, options: SummaryOptions = {}): CpuProfileSummary {
  const { fromMicros = -Infinity, toMicros = Infinity, top = 20, root = process.cwd() } = options;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const samplesByFunction = new Map<string, { functionName: string; location: string; samples: number }>();
  const gaps: number[] = [];
  let busySamples = 0;
  let idleSamples = 0;
  let time = profile.startTime;
  for (let index = 0; index < profile.samples.length; index += 1) {
    time += profile.timeDeltas[index];
    if (time < fromMicros || time >= toMicros) continue;
    gaps.push(profile.timeDeltas[index]);
    const frame = frames.get(profile.samples[index]);
    if (frame === undefined) continue;
    if (frame.functionName === '(idle)') {
      idleSamples += 1;
      continue;
    }
    busySamples += 1;
    const location = locationOf(frame.url, frame.lineNumber, root);
    const key = `${frame.functionName}\u0000${location}`;
    const entry = samplesByFunction.get(key) ?? { functionName: frame.functionName || '(anonymous)', location, samples: 0 };
    entry.samples += 1;
    samplesByFunction.set(key, entry);
  }
  const intervalMicros = median(gaps);
  const rows = [...samplesByFunction.values()]
    .sort((a, b) => b.samples - a.samples)
    .slice(0, top)
    .map((entry) => ({
      ...entry,
      selfMicros: entry.samples * intervalMicros,
      selfShare: busySamples === 0 ? 0 : entry.samples / busySamples,
    }));
  return { rows, busySamples, idleSamples, intervalMicros };
}

function locationOf(url: string, lineNumber: number, root: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const shown = path.startsWith(root) ? relative(root, path) : path;
  return lineNumber >= 0 ? `${shown}:${lineNumber + 1}` : shown;
}

/**
 * The summary as plain text: a header with busy and idle time, then one line per function
 * (self %, self ms, function, location).
 *
 * @example
 * ```ts
 * console.log(formatCpuProfileSummary(summary));
 * ```
 */
export function formatCpuProfileSummary(summary: CpuProfileSummary): string {
  const all = summary.busySamples + summary.idleSamples;
  const idleShare = all === 0 ? 0 : summary.idleSamples / all;
  const lines = [
    `${summary.busySamples} busy samples (one per ${Math.round(summary.intervalMicros)} µs), idle ${(idleShare * 100).toFixed(0)} % of the window; self samples as a share of the busy ones:`,
    '(writev is the socket write: on loopback it also carries the kernel delivering the response to the client',
    'and waking it, so it is large in every row; compare the JavaScript rows among themselves)',
    '',
    ` self %   self ms  function  (file)`,
  ];
  for (const row of summary.rows) {
    const share = `${(row.selfShare * 100).toFixed(1)} %`.padStart(7);
    const ms = (row.selfMicros / 1000).toFixed(0).padStart(8);
    lines.push(`${share}  ${ms}  ${row.functionName}${row.location === '' ? '' : `  (${row.location})`}`);
  }
  return lines.join('\n');
}
