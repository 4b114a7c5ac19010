import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  readonly selfMicros: number;
  /** Share of the busy (non-idle) time in the window. */
  readonly selfShare: number;
}

/** Self time of a profile (or of a window of it), heaviest functions first. */
export interface CpuProfileSummary {
  readonly rows: readonly SelfTimeRow[];
  /** Busy time in the window (every sample but `(idle)`), microseconds. */
  readonly busyMicros: number;
  /** Idle time in the window, microseconds. */
  readonly idleMicros: number;
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
 * Adds up self time per function (name + script + line, so two closures of one name stay apart)
 * over the samples in the window. A sample lasts until the next one, as DevTools counts it.
 *
 * @example
 * ```ts
 * const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), { top: 20, root: process.cwd() });
 * ```
 */
export function summarizeCpuProfile(profile: CpuProfile, options: SummaryOptions = {}): CpuProfileSummary {
  const { fromMicros = -Infinity, toMicros = Infinity, top = 20, root = process.cwd() } = options;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfByFunction = new Map<string, { functionName: string; location: string; selfMicros: number }>();
  let busyMicros = 0;
  let idleMicros = 0;
  let time = profile.startTime;
  for (let index = 0; index < profile.samples.length; index += 1) {
    time += profile.timeDeltas[index];
    const duration = index + 1 < profile.samples.length ? profile.timeDeltas[index + 1] : profile.endTime - time;
    if (time < fromMicros || time >= toMicros || duration <= 0) continue;
    const frame = frames.get(profile.samples[index]);
    if (frame === undefined) continue;
    if (frame.functionName === '(idle)') {
      idleMicros += duration;
      continue;
    }
    busyMicros += duration;
    const location = locationOf(frame.url, frame.lineNumber, root);
    const key = `${frame.functionName}\u0000${location}`;
    const entry = selfByFunction.get(key) ?? { functionName: frame.functionName || '(anonymous)', location, selfMicros: 0 };
    entry.selfMicros += duration;
    selfByFunction.set(key, entry);
  }
  const rows = [...selfByFunction.values()]
    .sort((a, b) => b.selfMicros - a.selfMicros)
    .slice(0, top)
    .map((entry) => ({ ...entry, selfShare: busyMicros === 0 ? 0 : entry.selfMicros / busyMicros }));
  return { rows, busyMicros, idleMicros };
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
  const busyMs = summary.busyMicros / 1000;
  const idleShare = summary.busyMicros + summary.idleMicros === 0 ? 0 : summary.idleMicros / (summary.busyMicros + summary.idleMicros);
  const lines = [
    `busy ${busyMs.toFixed(0)} ms, idle ${(idleShare * 100).toFixed(0)} % of the window; self time as a share of busy time:`,
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
