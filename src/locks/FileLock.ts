import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lock as lockFile } from 'proper-lockfile';
import { InvalidOptionError, LockError, LockTimeoutError, messageOf } from '../errors';
import { InProcessLock } from './InProcessLock';
import type { Lock, LockAcquireOptions, LockHandle } from './Lock';
import { assertTtl, resolveAcquireOptions, retryUntil, TokenLockHandle } from './lockParts';
import { withoutUndefined } from '../options';

/** Options of {@link FileLock}. */
export interface FileLockOptions {
  /**
   * Directory holding the lock directories and the fence counter; created on first use. Every
   * process that must be excluded has to use the same directory on the same host.
   * @default join(os.tmpdir(), 'routing-controllers-extensions-locks')
   */
  directory?: string;
  /**
   * After how long without a refresh a lock of a crashed process is taken over, in
   * milliseconds (proper-lockfile's `stale`; at least 2000, its floor).
   * @default 10000
   */
  staleMs?: number;
  /**
   * How often a live holder refreshes its lock, in milliseconds (proper-lockfile's `update`;
   * at least 1000 and at most `staleMs / 2`).
   * @default staleMs / 2
   */
  updateMs?: number;
  /**
   * Smallest pause between two attempts on a held lock, in milliseconds.
   * @default 2
   */
  retryMinMs?: number;
  /**
   * Largest pause between two attempts on a held lock, in milliseconds.
   * @default 50
   */
  retryMaxMs?: number;
}

const DEFAULT_FILE_LOCK_OPTIONS = Object.freeze({
  directory: join(tmpdir(), 'routing-controllers-extensions-locks'),
  staleMs: 10_000,
  retryMinMs: 2,
  retryMaxMs: 50,
});

interface Held {
  readonly token: string;
  readonly gate: LockHandle;
  readonly controller: AbortController;
  readonly unlock: () => Promise<void>;
}

const owner = 'FileLock';

/**
 * A lock for the processes of one host, on proper-lockfile: a lock is an atomic `mkdir` of
 * `<directory>/<sha256(key)>.lock`, refreshed every `updateMs` while its process lives and taken
 * over once `staleMs` passed without a refresh (a crashed holder). The TTL bounds how long a live
 * holder keeps it without `renew`. A takeover is reported to the old holder through its handle's
 * `signal` (proper-lockfile's default would throw from a timer and crash the process). Fencing
 * numbers come from one counter for the whole directory (`<directory>/fence/<number>`, advanced
 * by an atomic rename, so no lock guards it), seeded from the clock in microseconds: they
 * strictly increase per key, and the directory holds only the live locks and that one file, however many keys
 * were ever locked. Acquirers within one process queue FIFO before touching the file system.
 *
 * @example
 * ```ts
 * configureExtensions({ locks: { default: new FileLock({ directory: '/var/run/my-app/locks' }) } });
 * ```
 */
export class FileLock implements Lock {
  readonly scope = 'host' as const;
  readonly directory: string;
  private readonly staleMs: number;
  private readonly updateMs: number;
  private readonly backoff: { minMs: number; maxMs: number };
  private readonly gate = new InProcessLock();
  private readonly held = new Map<string, Held>();
  private directoryReady: Promise<unknown> | undefined;

  constructor(options: FileLockOptions = {}) {
    const resolved = { ...DEFAULT_FILE_LOCK_OPTIONS, ...withoutUndefined(options) };
    if (typeof resolved.directory !== 'string' || resolved.directory === '') {
      throw new InvalidOptionError(owner, 'directory', 'a directory path', resolved.directory);
    }
    if (!isNumberAtLeast(resolved.staleMs, 2000))
      throw new InvalidOptionError(owner, 'staleMs', 'a number of milliseconds >= 2000', resolved.staleMs);
    const updateMs = resolved.updateMs ?? resolved.staleMs / 2;
    if (!isNumberAtLeast(updateMs, 1000) || updateMs > resolved.staleMs / 2) {
      throw new InvalidOptionError(owner, 'updateMs', 'a number of milliseconds between 1000 and staleMs / 2', updateMs);
    }
    if (!isNumberAtLeast(resolved.retryMinMs, 1))
      throw new InvalidOptionError(owner, 'retryMinMs', 'a number of milliseconds >= 1', resolved.retryMinMs);
    if (!isNumberAtLeast(resolved.retryMaxMs, resolved.retryMinMs)) {
      throw new InvalidOptionError(owner, 'retryMaxMs', 'a number of milliseconds >= retryMinMs', resolved.retryMaxMs);
    }
    this.directory = resolved.directory;
    this.staleMs = resolved.staleMs;
    this.updateMs = updateMs;
    this.backoff = { minMs: resolved.retryMinMs, maxMs: resolved.retryMaxMs };
  }

  async acquire(key: string, options: LockAcquireOptions): Promise<LockHandle> {
    const { ttlMs, waitMs } = resolveAcquireOptions(`${owner}.acquire`, key, options);
    const deadline = Date.now() + waitMs;
    const gate = await this.gate.acquire(key, { ttlMs: ttlMs + waitMs, waitMs });
    try {
      await (this.directoryReady ??= mkdir(this.directory, { recursive: true }));
      const path = join(this.directory, createHash('sha256').update(key).digest('hex'));
      const onCompromised = (error: Error): void => {
        this.lose(
          key,
          gate.token,
          new LockError(`file lock "${key}" was compromised (taken over as stale): ${error.message}`, { cause: error }),
        );
      };
      const unlock = await retryUntil(() => this.tryLock(key, path, onCompromised), deadline, this.backoff);
      if (unlock === undefined) throw new LockTimeoutError(key, waitMs);
      const held: Held = { token: gate.token, gate, controller: new AbortController(), unlock };
      this.held.set(key, held);
      let fence: number;
      try {
        fence = await nextFence(join(this.directory, 'fence'));
      } catch (error) {
        await this.release(key, gate.token);
        throw new LockError(`file lock "${key}": fence counter failed: ${messageOf(error)}`, { cause: error });
      }
      await gate.renew(ttlMs);
      gate.signal.addEventListener('abort', () => this.lose(key, gate.token, gate.signal.reason));
      return new TokenLockHandle(this, key, gate.token, fence, held.controller.signal, ttlMs);
    } catch (error) {
      await gate.release();
      if (error instanceof LockError || error instanceof LockTimeoutError) throw error;
      throw new LockError(`file lock "${key}" failed: ${messageOf(error)}`, { cause: error });
    }
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    assertTtl(`${owner}.renew`, ttlMs);
    const held = this.held.get(key);
    if (held === undefined || held.token !== token) return false;
    return held.gate.renew(ttlMs);
  }

  async release(key: string, token: string): Promise<boolean> {
    const held = this.held.get(key);
    if (held === undefined || held.token !== token) return false;
    this.held.delete(key);
    try {
      await held.unlock();
      return true;
    } catch (error) {
      if (isLockLostError(error)) return false;
      throw new LockError(`file lock "${key}" release failed: ${messageOf(error)}`, { cause: error });
    } finally {
      await held.gate.release();
    }
  }

  private async tryLock(key: string, path: string, onCompromised: (error: Error) => void): Promise<(() => Promise<void>) | undefined> {
    try {
      return await lockFile(path, { realpath: false, stale: this.staleMs, update: this.updateMs, retries: 0, onCompromised });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
      throw new LockError(`file lock "${key}" failed: ${messageOf(error)}`, { cause: error });
    }
  }

  private lose(key: string, token: string, reason: unknown): void {
    const held = this.held.get(key);
    if (held === undefined || held.token !== token) return;
    this.held.delete(key);
    held.controller.abort(reason instanceof LockError ? reason : new LockError(`file lock "${key}" was lost`, { cause: reason }));
    held.unlock().catch(() => undefined);
    held.gate.release().catch(() => undefined);
  }
}

const fenceQueues = new Map<string, Promise<unknown>>();

/**
 * The next fence of the counter directory `directory`, which holds one file named by the last
 * fence handed out. Renaming it to the next number is a compare-and-set (a rename of a name
 * another process already renamed fails with ENOENT), so the counter only ever grows, with no
 * lock of its own. It never goes below the clock in microseconds, so a counter that was deleted
 * starts again above every fence it handed out. Calls of this process queue up (they would
 * only race each other).
 */
function nextFence(directory: string): Promise<number> {
  const previous = fenceQueues.get(directory) ?? Promise.resolve();
  const next = previous.then(() => advanceFence(directory));
  const queued = next.catch(() => undefined);
  fenceQueues.set(directory, queued);
  void queued.then(() => {
    if (fenceQueues.get(directory) === queued) fenceQueues.delete(directory);
  });
  return next;
}

async function advanceFence(directory: string): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    const names = await readdir(directory).catch(async (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(directory, { recursive: true });
      return [];
    });
    const numbers = names.filter((name) => /^\d+$/.test(name)).map(Number);
    const clock = Date.now() * 1000;
    if (numbers.length === 0) {
      await writeFile(join(directory, String(clock)), '', { flag: 'wx' }).catch(ignoreCode('EEXIST'));
      continue;
    }
    const current = Math.max(...numbers);
    // Two processes seeding an empty counter at once leave a smaller stray name; never the max.
    for (const stray of numbers) if (stray < current) await unlink(join(directory, String(stray))).catch(ignoreCode('ENOENT'));
    const fence = Math.max(current + 1, clock);
    try {
      await rename(join(directory, String(current)), join(directory, String(fence)));
      return fence;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // Another process advanced it first: read again, after a short random pause once it happens often.
    if (attempt >= 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
  }
}

function ignoreCode(code: string): (error: unknown) => void {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code !== code) throw error;
  };
}

function isLockLostError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ERELEASED' || code === 'ENOTACQUIRED';
}

function isNumberAtLeast(value: unknown, minimum: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= minimum;
}
