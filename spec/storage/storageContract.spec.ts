import Keyv from 'keyv';
import { MemoryRecordStorage } from '../../src/idempotency/MemoryRecordStorage';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import { KeyvStorage } from '../../src/storage/KeyvStorage';
import { LruStore } from '../../src/storage/LruStore';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { FakeClock } from '../locks/FakeClock';
import { describeRedis } from '../helpers/redisServer';
import { storageContract } from './storage.contract';

describe('MemoryStorage', () => {
  storageContract(() => {
    const clock = new FakeClock();
    return { storage: new MemoryStorage({ now: () => clock.now() }), advance: (ms) => clock.advance(ms) };
  });
});

describe("KeyvStorage over keyv's own in-memory Map", () => {
  storageContract(() => ({ storage: new KeyvStorage(new Keyv()) }));
});

describe('KeyvStorage over an LruStore', () => {
  storageContract(() => {
    const clock = new FakeClock();
    return { storage: new KeyvStorage(new Keyv({ store: new LruStore({ now: () => clock.now() }) })), advance: (ms) => clock.advance(ms) };
  });
});

describe('MemoryRecordStorage (the idempotency record store)', () => {
  storageContract(() => {
    const clock = new FakeClock();
    return { storage: new MemoryRecordStorage({ now: () => clock.now() }), advance: (ms) => clock.advance(ms) };
  });
});

describeRedis('KeyvStorage on Redis (createRedisStorage)', (redis) => {
  const opened: KeyvStorage[] = [];
  after(async () => {
    await Promise.all(opened.map((storage) => storage.keyv.disconnect()));
  });

  storageContract(() => {
    const storage = createRedisStorage(redis().url, { namespace: 'contract' });
    opened.push(storage);
    return { storage };
  });
});
