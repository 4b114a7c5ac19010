import { expect } from 'chai';
import { bumpTagVersions, readTagVersions, settleTagVersions, tagsUnchanged, TAG_KEY_PREFIX } from '../../src/cache/tagVersions';
import type { Storage } from '../../src/storage/Storage';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { FakeClock } from '../locks/FakeClock';

/** A MemoryStorage on a fake clock that counts its writes. */
function countingStorage(clock: FakeClock): Storage & { writes: string[] } {
  const inner = new MemoryStorage({ now: () => clock.now() });
  const writes: string[] = [];
  return Object.assign(Object.create(inner) as MemoryStorage, {
    writes,
    set(key: string, value: unknown, ttlMs?: number) {
      writes.push(key);
      return inner.set(key, value, ttlMs);
    },
  });
}

describe('tag versions', () => {
  const tags = ['path:/cities/1', 'tag:cities'];
  let clock: FakeClock;
  let storage: Storage & { writes: string[] };

  beforeEach(() => {
    clock = new FakeClock();
    storage = countingStorage(clock);
  });

  it('reads no version for tags never written', async () => {
    expect(await readTagVersions(storage, tags)).to.deep.equal([undefined, undefined]);
  });

  it('gives each tag without a version one, and records the versions found', async () => {
    const recorded = await settleTagVersions(storage, tags, await readTagVersions(storage, tags), 60_000);
    const again = await settleTagVersions(storage, tags, await readTagVersions(storage, tags), 60_000);

    expect(Object.keys(recorded)).to.deep.equal(tags);
    expect(again).to.deep.equal(recorded);
    expect(storage.writes).to.deep.equal(tags.map((tag) => TAG_KEY_PREFIX + tag));
  });

  it('keeps, and records, a version another request gave a tag after this one read none', async () => {
    const readEarlier = await readTagVersions(storage, tags);
    const theirs = await settleTagVersions(storage, tags, await readTagVersions(storage, tags), 60_000);
    storage.writes.length = 0;

    const mine = await settleTagVersions(storage, tags, readEarlier, 60_000);

    expect(mine).to.deep.equal(theirs);
    expect(storage.writes).to.deep.equal([]);
  });

  it('finds an entry unchanged while its tags keep their versions', async () => {
    const recorded = await settleTagVersions(storage, tags, await readTagVersions(storage, tags), 60_000);

    expect(tagsUnchanged(recorded, tags, await readTagVersions(storage, tags))).to.equal(true);
  });

  it('changes the entry of any tag bumped, with one write per tag', async () => {
    const recorded = await settleTagVersions(storage, tags, await readTagVersions(storage, tags), 60_000);
    storage.writes.length = 0;

    await bumpTagVersions(storage, ['tag:cities']);

    expect(storage.writes).to.deep.equal([`${TAG_KEY_PREFIX}tag:cities`]);
    expect(tagsUnchanged(recorded, tags, await readTagVersions(storage, tags))).to.equal(false);
  });

  it('treats a version that expired as a change, never as a match', async () => {
    const recorded = await settleTagVersions(storage, tags, await readTagVersions(storage, tags), 60_000);

    clock.advance(60_001);

    expect(await readTagVersions(storage, tags)).to.deep.equal([undefined, undefined]);
    expect(tagsUnchanged(recorded, tags, await readTagVersions(storage, tags))).to.equal(false);
  });
});
