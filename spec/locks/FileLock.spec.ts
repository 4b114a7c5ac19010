import { mkdir, mkdtemp, readFile, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { InvalidOptionError, LockError, LockTimeoutError } from '../../src/errors';
import { FileLock } from '../../src/locks/FileLock';
import { spawnChild } from '../helpers/children/spawnChild';
import { lockContract } from './lock.contract';

describe('FileLock', () => {
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'rcx-filelock-'));
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  lockContract(() => new FileLock({ directory, staleMs: 2_000 }));

  it('reports a stale takeover to the holder through its signal instead of crashing the process', async () => {
    const lock = new FileLock({ directory, staleMs: 2_000, updateMs: 1_000 });
    const holder = await lock.acquire('taken-over', { ttlMs: 20_000 });
    const lost = new Promise<unknown>((resolve) => holder.signal.addEventListener('abort', () => resolve(holder.signal.reason)));
    const lockDirectory = join(directory, `${createHash('sha256').update('taken-over').digest('hex')}.lock`);

    // What another process does when it judges the lock stale: remove it and create its own.
    await rmdir(lockDirectory);
    await mkdir(lockDirectory);
    const reason = await lost;

    expect(reason).to.be.instanceOf(LockError);
    expect((reason as Error).message).to.match(/compromised/);
    expect(await holder.renew()).to.equal(false);
    expect(await holder.release()).to.equal(false);
    await rmdir(lockDirectory);
  });

  it('counts to exactly 800 when 4 processes each add 1 200 times under the lock', async () => {
    const counter = join(directory, 'counter.txt');

    const children = Array.from({ length: 4 }, () => spawnChild('incrementUnderLock.ts', ['file', directory, counter, '200']));
    const codes = await Promise.all(children.map((child) => child.exited));

    expect(codes).to.deep.equal([0, 0, 0, 0]);
    expect(Number(await readFile(counter, 'utf8'))).to.equal(800);
  });

  it('lets another process in only after the lock of a SIGKILLed holder went stale', async () => {
    const key = 'killed-holder';
    const child = spawnChild('holdLock.ts', ['file', directory, key, '2000']);
    const { fence } = await child.nextMessage<{ fence: number }>();
    const lock = new FileLock({ directory, staleMs: 2_000 });

    child.process.kill('SIGKILL');
    await child.exited;
    const whileFresh = await lock.acquire(key, { ttlMs: 5_000, waitMs: 0 }).then(
      () => 'acquired',
      (error: unknown) => error,
    );
    const afterStale = await lock.acquire(key, { ttlMs: 5_000, waitMs: 10_000 });

    expect(whileFresh).to.be.instanceOf(LockTimeoutError);
    expect(afterStale.fence).to.be.greaterThan(fence);
    expect(await afterStale.release()).to.equal(true);
  });

  it("rejects a staleMs under proper-lockfile's 2000 ms floor with InvalidOptionError", () => {
    expect(() => new FileLock({ staleMs: 500 })).to.throw(InvalidOptionError, /FileLock: option staleMs/);
    expect(() => new FileLock({ staleMs: 4_000, updateMs: 3_000 })).to.throw(InvalidOptionError, /updateMs/);
  });

  it('has host scope', () => {
    expect(new FileLock({ directory }).scope).to.equal('host');
  });
});
