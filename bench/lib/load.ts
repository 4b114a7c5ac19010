import { machineCpu } from './machineCpu';
import { processCpuMicros } from './processCpu';

/** The part of autocannon 9's result this file reads (the package ships no types). */
interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly '4xx': number;
  readonly '5xx': number;
}

const autocannon = require('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}) => Promise<AutocannonResult>;

/** One autocannon run, reduced to what the tables show. */
export interface LoadResult {
  /** Mean requests per second over the run. */
  readonly requestsPerSecond: number;
  /** Requests completed in the run. */
  readonly requests: number;
  /** Server CPU time (user + system) per request in microseconds, when the server's pid was given. */
  readonly cpuMicrosPerRequest?: number;
  /** CPU time per request of the `sidecarPid` process (e.g. the redis-server), when given. */
  readonly sidecarCpuMicrosPerRequest?: number;
  /**
   * Share of the machine's CPU (0–1, all cores) that processes other than the server, the
   * sidecar and this one took during the run, when the server's pid was given: the noise.
   */
  readonly otherCpuShare?: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Responses outside the expected status class (2xx unless `expect` says otherwise). */
  readonly non2xx: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /**
   * Concurrent connections (autocannon `-c`).
   * @default 50
   */
  connections?: number;
  /**
   * Seconds of load (autocannon `-d`).
   * @default 5
   */
  durationSeconds?: number;
  /** Pid of the server (Linux): its CPU time per request is measured, a figure that survives a noisy machine better than req/s. */
  serverPid?: number;
  /** Pid of another process the requests make work for (a redis-server): its CPU per request is measured too. */
  sidecarPid?: number;
  /**
   * Request path.
   * @default '/bench'
   */
  path?: string;
  /**
   * Request method.
   * @default 'GET'
   */
  method?: string;
  /** Request headers. */
  headers?: Record<string, string>;
  /** Request body. */
  body?: string;
  /**
   * The status class every response should have; others are counted in `non2xx`.
   * @default '2xx'
   */
  expect?: '2xx' | '3xx';
}

const DEFAULT_LOAD_OPTIONS = Object.freeze({ connections: 50, durationSeconds: 5, path: '/bench', method: 'GET', expect: '2xx' as const });

/**
 * Runs autocannon in this process against `baseUrl` and summarizes the run.
 *
 * @example
 * ```ts
 * const { requestsPerSecond } = await runLoad('http://127.0.0.1:3000', { connections: 50, durationSeconds: 5 });
 * ```
 */
export async function runLoad(baseUrl: string, options: LoadOptions = {}): Promise<LoadResult> {
  const { connections, durationSeconds, path, serverPid, sidecarPid, method, headers, body, expect } = {
    ...DEFAULT_LOAD_OPTIONS,
    ...options,
  };
  const server = cpuMeter(serverPid);
  const sidecar = cpuMeter(sidecarPid);
  const others = serverPid === undefined ? undefined : otherCpuMeter();
  const result = await autocannon({
    url: baseUrl + path,
    connections,
    duration: durationSeconds,
    method,
    ...(headers && { headers }),
    ...(body !== undefined && { body }),
  });
  const requests = result.requests.total;
  const cpuMicrosPerRequest = server.perRequest(requests);
  const sidecarCpuMicrosPerRequest = sidecar.perRequest(requests);
  return {
    requestsPerSecond: result.requests.average,
    requests,
    cpuMicrosPerRequest,
    sidecarCpuMicrosPerRequest,
    otherCpuShare:
      cpuMicrosPerRequest === undefined
        ? undefined
        : others?.share(cpuMicrosPerRequest * requests + (sidecarCpuMicrosPerRequest ?? 0) * requests),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: expect === '3xx' ? result['2xx'] + result['4xx'] + result['5xx'] : result.non2xx,
  };
}

/** Reads a process's CPU time now; `perRequest` reads it again and divides the difference. */
function cpuMeter(pid: number | undefined): { perRequest(requests: number): number | undefined } {
  const before = pid === undefined ? undefined : processCpuMicros(pid);
  return {
    perRequest: (requests) => {
      const after = pid === undefined ? undefined : processCpuMicros(pid);
      return before === undefined || after === undefined || requests === 0 ? undefined : (after - before) / requests;
    },
  };
}

/**
 * Measures what the rest of the machine takes: busy time of every CPU minus this process's CPU
 * (autocannon runs here) minus the given CPU of the measured processes, over wall time × CPUs.
 */
function otherCpuMeter(): { share(measuredMicros: number): number | undefined } {
  const machineBefore = machineCpu();
  const selfBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  return {
    share: (measuredMicros) => {
      const machineAfter = machineCpu();
      if (machineBefore === undefined || machineAfter === undefined) return undefined;
      const self = process.cpuUsage(selfBefore);
      const wallMicros = Number(process.hrtime.bigint() - wallBefore) / 1000;
      const others = machineAfter.busyMicros - machineBefore.busyMicros - self.user - self.system - measuredMicros;
      return Math.max(0, others) / (wallMicros * machineAfter.cpus);
    },
  };
}
