import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Varnish this test run started as a shared HTTP cache in front of one backend, listening on a
 * loopback port of its own.
 *
 * It runs Varnish's builtin VCL untouched (`varnishd -b`, no `-f`), so what it caches is what a
 * stock Varnish 7.1 caches:
 * - only GET and HEAD are looked up; other methods are passed to the backend;
 * - a request carrying `Authorization` or `Cookie` is passed: never answered from the cache and
 *   its response never stored, even one marked `public` (stricter than RFC 9111 §3.5);
 * - the cache key is URL + Host; `Vary` is honoured (one variant per value of the named request
 *   headers) and a response with `Vary: *` is not stored;
 * - freshness is `s-maxage`, else `max-age`, else `Expires`, else `default_ttl` (120 s); minus the
 *   backend's `Age`. A response whose freshness comes out ≤ 0 (`max-age=0`, `s-maxage=0`,
 *   `Age` ≥ `max-age`), or that carries `Set-Cookie`, or `Cache-Control: private`, `no-cache` or
 *   `no-store`, is not stored at all (a "hit-for-miss" marker sends the next requests for that
 *   URL straight to the backend, unconditionally);
 * - request `Cache-Control`/`Pragma: no-cache` from a client is ignored (a fresh hit is served);
 * - responses carry `Age` (the backend's `Age` plus the time in cache), `Via: 1.1 varnish` and
 *   `X-Varnish` (one transaction id on a miss or pass, two on a hit);
 * - a client's `If-None-Match`/`If-Modified-Since` matching a fresh hit is answered 304 by Varnish
 *   itself; on a miss the bereq carries no client validators;
 * - with `http_gzip_support` (on by default) every backend fetch of a lookup carries
 *   `Accept-Encoding: gzip` whatever the client sent, and Varnish gunzips for clients without it.
 *
 * Two runtime parameters differ from Varnish's defaults, and only to make expiry follow RFC 9111
 * (see {@link SharedCacheOptions}): `default_grace` 0 instead of 10 s, `default_keep` 60 s instead
 * of 0. Stale entries are then revalidated synchronously with `If-None-Match`/`If-Modified-Since`
 * taken from the stored response; a 304 refreshes the entry and the client gets the stored 200.
 */
export interface SharedCache {
  /** Base URL clients send requests to, `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Pid of the varnishd manager process (its worker child exits with it). */
  readonly pid: number;
  /** Stops Varnish (SIGTERM to the manager, waits for exit) and removes its working directory. */
  stop(): Promise<void>;
  /** Invalidates every stored object (`ban req.url ~ .` over the management CLI). */
  purge(): Promise<void>;
}

/** Options of {@link startSharedCache}. */
export interface SharedCacheOptions {
  /**
   * Seconds a stale object may still be served while Varnish refetches it in the background.
   * Default 0: RFC 9111 §4.2.4 forbids serving stale responses unless the origin allows it, and a
   * response's own `stale-while-revalidate` still sets grace for that object. Varnish's default
   * is 10, which serves stale responses with a background conditional fetch.
   */
  grace?: number;
  /**
   * Seconds a stale object is kept past its grace only as a source of validators for a
   * conditional refetch. Default 60; Varnish's default 0 refetches expired objects without
   * `If-None-Match`, so no 304 revalidation would ever happen once grace is 0.
   */
  keep?: number;
  /** Further `-p name=value` runtime parameters for varnishd. */
  params?: Record<string, string | number>;
}

const VARNISHD = '/usr/sbin/varnishd';
const VARNISHADM = '/usr/bin/varnishadm';
const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Whether this machine has varnishd and varnishadm (Debian package `varnish`). */
export function sharedCacheAvailable(): boolean {
  return existsSync(VARNISHD) && existsSync(VARNISHADM);
}

/**
 * Starts varnishd in the foreground as the current user (`-j none`, working directory in a fresh
 * temp dir) on an ephemeral loopback port chosen by the kernel, in front of `backendUrl`
 * (`http://127.0.0.1:PORT`), and resolves once its worker runs and its address is known.
 */
export async function startSharedCache(backendUrl: string, options: SharedCacheOptions = {}): Promise<SharedCache> {
  const backend = new URL(backendUrl);
  if (backend.protocol !== 'http:') throw new Error(`Varnish speaks plain HTTP to its backend, not ${backend.protocol}`);
  const dir = mkdtempSync(join(tmpdir(), 'rcx-varnish-'));
  const params: Record<string, string | number> = {
    default_grace: options.grace ?? 0,
    default_keep: options.keep ?? 60,
    ...options.params,
  };
  const args = ['-F', '-j', 'none', '-n', dir, '-a', '127.0.0.1:0', '-b', `${backend.hostname}:${backend.port || 80}`, '-s', 'malloc,64m'];
  for (const [name, value] of Object.entries(params)) args.push('-p', `${name}=${value}`);

  const child = spawn(VARNISHD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, dir);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  const fail = async (why: string): Promise<never> => {
    await terminate(child, exited, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`varnishd ${why}\n${output}`);
  };
  const deadline = Date.now() + 20_000;
  // The manager answers the CLI before the worker runs; `status` says when it does.
  while (!/running/.test((await adm(dir, 'status').catch(() => '')) ?? '')) {
    if (child.exitCode !== null || child.signalCode !== null) return fail('exited before its worker ran');
    if (Date.now() > deadline) return fail('worker did not start within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  // "a0 127.0.0.1 40743": the kernel chose the port, so there is no race for a free one.
  const listen = await adm(dir, 'debug.listen_address').catch((error: Error) => error.message);
  const port = Number(/127\.0\.0\.1 (\d+)/.exec(listen)?.[1]);
  if (!Number.isInteger(port) || port <= 0) return fail(`listen address unknown: ${listen}`);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    stop: async () => {
      await terminate(child, exited, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    purge: async () => {
      await adm(dir, 'ban', 'req.url', '~', '.');
    },
  };
}

/** Starts shared caches for one suite and stops them all after it. */
export type SharedCacheStarter = (backendUrl: string, options?: SharedCacheOptions) => Promise<SharedCache>;

/**
 * `describe` for suites needing a real shared cache: `body` gets a starter, and every cache it
 * started is stopped after the suite. Without varnishd the suite is skipped with a loud reason,
 * except under `CI=true`, where that is a failure (`.ci/run` installs the `varnish` package).
 */
export function describeSharedCache(title: string, body: (startCache: SharedCacheStarter) => void): void {
  if (!sharedCacheAvailable()) {
    const reason = `no ${VARNISHD} (Debian package varnish): shared-cache suite "${title}" cannot run`;
    if (process.env.CI === 'true') {
      describe(title, () =>
        it('has a Varnish to run against', () => {
          throw new Error(reason);
        }),
      );
      return;
    }
    console.warn(`\n  !!! SKIPPED: ${reason}\n`);
    describe.skip(title, () => body(() => Promise.reject(new Error(reason))));
    return;
  }
  describe(title, function () {
    const started: SharedCache[] = [];
    after(async () => {
      await Promise.all(started.map((cache) => cache.stop()));
    });
    body(async (backendUrl, options) => {
      const cache = await startSharedCache(backendUrl, options);
      started.push(cache);
      return cache;
    });
  });
}

/** Runs one varnishadm command against the instance in `dir`; rejects on a non-zero exit. */
function adm(dir: string, ...command: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(VARNISHADM, ['-n', dir, '-t', '5', ...command], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`varnishadm ${command.join(' ')}: ${stderr || stdout || error.message}`));
      else resolve(stdout);
    });
  });
}

function terminate(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill(signal);
  return exited;
}
