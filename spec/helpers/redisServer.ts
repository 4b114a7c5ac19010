import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server this test run started, on a loopback port of its own. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Pid of the current server process (changes after `restart`). */
  readonly pid: number;
  /** `false` when the server came from `REDIS_URL`: it cannot be stopped or restarted then. */
  readonly owned: boolean;
  /** Stops the server (SIGTERM, waits for exit). */
  stop(): Promise<void>;
  /** Kills the server abruptly (SIGKILL, waits for exit). */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `stop` or `kill`). */
  restart(): Promise<void>;
}

/** Where Debian's redis-server package puts the server. */
export const BINARY = '/usr/bin/redis-server';
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Whether this machine can run the Redis suites, and how. */
export function redisAvailability(): 'binary' | 'url' | 'none' {
  if (existsSync(BINARY)) return 'binary';
  return process.env.REDIS_URL ? 'url' : 'none';
}

/**
 * Spawns a private redis-server on a free loopback port (no persistence, its own `--dir`) and
 * resolves once it answers PING. Never touches the shared server on 6379.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rcx-redis-'));
  let child = await spawnServer(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    owned: true,
    get pid() {
      return child.pid ?? -1;
    },
    stop: async () => {
      await terminate(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => terminate(child, 'SIGKILL'),
    restart: async () => {
      await terminate(child, 'SIGTERM');
      child = await spawnServer(port, dir);
    },
  };
}

/** A server from `REDIS_URL` (used only when no redis-server binary exists): cannot be stopped. */
function externalServer(url: string): RedisServer {
  const refuse = async () => {
    throw new Error('this test needs a redis-server it started itself (REDIS_URL servers are never stopped)');
  };
  return {
    url,
    port: Number(new URL(url).port || 6379),
    pid: -1,
    owned: false,
    stop: async () => undefined,
    kill: refuse,
    restart: refuse,
  };
}

/**
 * `describe` for suites needing Redis: starts a private server before the suite and stops it
 * after. Without a redis-server binary it falls back to `REDIS_URL`; with neither the suite is
 * skipped with a loud reason, except under `CI=true`, where that is a failure.
 */
export function describeRedis(title: string, body: (server: () => RedisServer) => void): void {
  const availability = redisAvailability();
  if (availability === 'none') {
    const reason = `no ${BINARY} and no REDIS_URL: Redis suite "${title}" cannot run`;
    if (process.env.CI === 'true') {
      describe(title, () =>
        it('has a Redis server to run against', () => {
          throw new Error(reason);
        }),
      );
      return;
    }
    console.warn(`\n  !!! SKIPPED: ${reason}\n`);
    describe.skip(title, () => body(() => externalServer('redis://127.0.0.1:1')));
    return;
  }
  describe(title, function () {
    let server: RedisServer | undefined;
    before(async () => {
      server = availability === 'binary' ? await startRedisServer() : externalServer(process.env.REDIS_URL as string);
    });
    after(async () => {
      if (server?.owned) await server.stop();
    });
    body(() => {
      if (server === undefined) throw new Error('the Redis server is not started yet');
      return server;
    });
  });
}

/**
 * Spawns redis-server on `port` (loopback only, no persistence, `--dir dir`, then `extraArgs`) and
 * resolves once it answers PING; the process is SIGKILLed if this test run exits first.
 */
export async function spawnServer(port: number, dir: string, extraArgs: readonly string[] = []): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    BINARY,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
    {
      stdio: 'ignore',
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

/** Sends `signal` to a server process and resolves once it has exited (at once if it already has). */
export function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
    socket.on('error', () => undefined);
  });
}

/** A loopback port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
