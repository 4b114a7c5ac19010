import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DurableAppConfig } from './children/durableApp';
import { spawnChild, type Child } from './children/spawnChild';

/** One app process of a test, and what it wrote to its files. */
export interface AppProcess {
  readonly child: Child;
  readonly url: string;
  readonly pid: number;
  /** How many idempotency events of `type` the process has published so far. */
  events(type: string): number;
}

/** Starts durableApp.ts processes whose files live in `dir`; `stopAll` kills every one started. */
export function appLauncher(dir: () => string) {
  const started: AppProcess[] = [];
  return {
    async start(config: Omit<DurableAppConfig, 'dir'>): Promise<AppProcess> {
      const child = spawnChild('durableApp.ts', [JSON.stringify({ ...config, dir: dir() })]);
      const { port, pid } = await child.nextMessage<{ port: number; pid: number }>();
      const app: AppProcess = {
        child,
        url: `http://127.0.0.1:${port}`,
        pid,
        events: (type) => lines(join(dir(), `events-${pid}`)).filter((line) => line === type).length,
      };
      started.push(app);
      return app;
    },
    async stopAll(): Promise<void> {
      for (const { child } of started) child.process.kill('SIGKILL');
      await Promise.all(started.map(({ child }) => child.exited));
      started.length = 0;
    },
  };
}

export function lines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
    : [];
}

/** Polls a condition on processes recovering from a real outage (gives up after `giveUpMs`). */
export async function eventually(predicate: () => boolean, what: string, giveUpMs = 30_000): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
