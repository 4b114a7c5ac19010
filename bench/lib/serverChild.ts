import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/** A benchmark server running in a child process of its own. */
export interface ServerChild {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  /** Kills the child (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `script` (a TypeScript file) in a child process with `NODE_ENV=production` under
 * ts-node transpile-only, and resolves once it has written `{"port": n}` on stdout (see
 * {@link announceServer}). Extra `execArgv` (e.g. `--cpu-prof`) go to that node process.
 *
 * @example
 * ```ts
 * const child = await startServerChild('express-bare', 'bench/cache.ts', ['serve', 'express-bare']);
 * ```
 */
export async function startServerChild(
  name: string,
  script: string,
  args: readonly string[],
  execArgv: readonly string[] = [],
): Promise<ServerChild> {
  const child = spawn(process.execPath, [...execArgv, '-r', 'ts-node/register/transpile-only', script, ...args], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    void exited.then(() => reject(new Error(`server child ${name} exited before announcing its port`)));
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Child side of {@link startServerChild}: listens on a free loopback port and writes `{"port": n}`
 * on stdout. SIGTERM closes the server and exits (so `--cpu-prof` profiles are written).
 *
 * @example
 * ```ts
 * await announceServer(express().get('/bench', handler));
 * ```
 */
export async function announceServer(app: { listen(port: number, host: string, callback: () => void): Server }): Promise<Server> {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  return server;
}
