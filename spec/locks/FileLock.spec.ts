import { mkdir, mkdtemp, readdir, readFile, rm, rmdir } from 'node:fs/promises';
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

  it('leaves only the fence counter behind once 300 different keys were locked and released', async () => {
    const own = await mkdtemp(join(tmpdir(), 'rcx-filelock-disk-'));
    const lock = new FileLock({ directory: own, staleMs: 2_000 });
    for (let index = 0; index < 300; index += 1) await (await lock.acquire(`key-${index}`, { ttlMs: 5_000 })).release();

    expect(await readdir(own)).to.deep.equal(['fence']);
    expect(await readdir(join(own, 'fence'))).to.have.length(1);
    await rm(own, { recursive: true, force: true });
  });

  it('keeps fences of a key increasing after the fence counter was deleted', async () => {
    const own = await mkdtemp(join(tmpdir(), 'rcx-filelock-wiped-'));
    const lock = new FileLock({ directory: own, staleMs: 2_000 });
    const fences: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      if (round === 3) await rm(join(own, 'fence'), { recursive: true, force: true });
      const handle = await lock.acquire('wiped', { ttlMs: 5_000 });
      fences.push(handle.fence);
      await handle.release();
    }

    for (let index = 1; index < fences.length; index += 1) expect(fences[index]).to.be.greaterThan(fences[index - 1]);
    await rm(own, { recursive: true, force: true });
  });

  it('hands 4 processes locking different keys 800 distinct, per-process increasing fences', async () => {
    const children = Array.from({ length: 4 }, (_, index) => spawnChild('fencesUnderLock.ts', [directory, `proc-${index}`, '200']));
    const reports = await Promise.all(children.map((child) => child.nextMessage<{ fences: number[] }>()));
    const all = reports.flatMap((report) => report.fences);

    expect(new Set(all).size).to.equal(800);
    for (const { fences } of reports)
      for (let index = 1; index < fences.length; index += 1) expect(fences[index]).to.be.greaterThan(fences[index - 1]);
  });

  it("rejects a staleMs under proper-lockfile's 2000 ms floor with InvalidOptionError", () => {
    expect(() => new FileLock({ staleMs: 500 })).to.throw(InvalidOptionError, /FileLock: option staleMs/);
    expect(() => new FileLock({ staleMs: 4_000, updateMs: 3_000 })).to.throw(InvalidOptionError, /updateMs/);
  });

  it('has host scope', () => {
    expect(new FileLock({ directory }).scope).to.equal('host');
  });
});
