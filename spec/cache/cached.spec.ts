import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import Keyv from 'keyv';
import { Container, Service } from 'typedi';
import { cached } from '../../src/cache/cached';
import { invalidateTags } from '../../src/cache/invalidates';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { CACHE_CHANNEL_NAME, type CacheEvent } from '../../src/events';
import { ArgsKeyBit } from '../../src/keys/bits/ArgsKeyBit';
import { FormatKeyBit } from '../../src/keys/bits/FormatKeyBit';
import { UniqueMethodIdKeyBit } from '../../src/keys/bits/UniqueMethodIdKeyBit';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { KeyBit, type KeyBitContext } from '../../src/keys/KeyBit';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { Latch, until } from '../helpers/latch';
import { FakeClock } from '../locks/FakeClock';
import { FaultyStore } from '../storage/FaultyStore';

/** Records every cache event while a test runs. */
function recordEvents(): { events: CacheEvent[]; stop(): void } {
  const events: CacheEvent[] = [];
  const listener = (message: unknown) => events.push(message as CacheEvent);
  subscribe(CACHE_CHANNEL_NAME, listener);
  return { events, stop: () => unsubscribe(CACHE_CHANNEL_NAME, listener) };
}

class CityRepository {
  calls: number[] = [];
  gate: Latch | undefined;
  failNext = false;

  async load(id: number): Promise<{ id: number; name: string; call: number }> {
    this.calls.push(id);
    const call = this.calls.length;
    await this.gate?.promise;
    if (this.failNext) {
      this.failNext = false;
      throw new Error(`city ${id} is unavailable`);
    }
    return { id, name: `city ${id}`, call };
  }
}

class CityService {
  constructor(readonly repository = new CityRepository()) {}

  @cached(60_000)
  async find(id: number) {
    return this.repository.load(id);
  }

  @cached({ ttl: 60_000, key: (id: number) => `city:${id}`, tags: (id: number) => ['cities', `city:${id}`] })
  async findTagged(id: number) {
    return this.repository.load(id);
  }

  @cached({ ttl: 1_000, staleWhileRevalidate: 10_000 })
  async findFresh(id: number) {
    return this.repository.load(id);
  }

  @cached({ cache: 'special' })
  async findSpecial(id: number) {
    return this.repository.load(id);
  }

  @cached()
  async createdAt(id: number) {
    this.repository.calls.push(id);
    return new Date(0);
  }
}

class ArgsKey extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  args = new ArgsKeyBit([0]);
}

class PricingService {
  runs = 0;
  readonly currency = 'EUR';

  @cached({ key: new ArgsKey() })
  async price(sku: string, _trace?: object) {
    this.runs++;
    return { sku, runs: this.runs };
  }

  @cached({
    key(this: PricingService, sku: string) {
      return `${this.currency}:${sku}`;
    },
  })
  async priceIn(sku: string) {
    this.runs++;
    return { sku, runs: this.runs };
  }
}

@Service()
class InjectedCityService {
  loads = 0;

  @cached({ tags: ['cities'] })
  async all() {
    this.loads++;
    return [{ id: 1, loads: this.loads }];
  }
}

describe('@cached', () => {
  let clock: FakeClock;
  let recorder: ReturnType<typeof recordEvents>;

  /**
   * Resolves once `count` results in all have been stored (or refused): a miss's flight stays
   * joinable until its result is in the store, so a test moving the clock waits for that first.
   */
  const landed = async (count: number) => {
    await until(
      () => recorder.events.filter((event) => event.type === 'stored' || event.type === 'not-stored').length >= count,
      `${count} results were stored`,
    );
    // The flight ends a few promise reactions after the event: one macrotask turn drains them.
    await new Promise((resolve) => setImmediate(resolve));
  };

  beforeEach(() => {
    resetExtensions();
    clock = new FakeClock();
    configureExtensions({ clock });
    recorder = recordEvents();
  });
  afterEach(() => recorder.stop());
  after(() => resetExtensions());

  describe('lookups', () => {
    it('returns the stored result to a second call without calling the method again', async () => {
      const service = new CityService();

      const first = await service.find(1);
      const second = await service.find(1);

      expect(second).to.deep.equal(first);
      expect(service.repository.calls).to.deep.equal([1]);
    });

    it('calls the method again for other arguments', async () => {
      const service = new CityService();

      await service.find(1);
      await service.find(2);
      await service.find(1);

      expect(service.repository.calls).to.deep.equal([1, 2]);
    });

    it('calls the method again once the ttl has passed', async () => {
      const service = new CityService();

      await service.find(1);
      await landed(1);
      clock.advance(60_000);
      const again = await service.find(1);

      expect(again.call).to.equal(2);
    });

    it('shares entries between instances of a class, as a service container would', async () => {
      const repository = new CityRepository();

      await new CityService(repository).find(1);
      await new CityService(repository).find(1);

      expect(repository.calls).to.deep.equal([1]);
    });

    it('keys by a function of the arguments called with the instance as this', async () => {
      const service = new PricingService();

      await service.priceIn('tea');
      await landed(1);
      await service.priceIn('tea');

      expect(service.runs).to.equal(1);
      expect(recorder.events.filter((event) => event.type === 'hit').map((event) => (event as { key: string }).key)).to.deep.equal([
        'EUR:tea',
      ]);
    });

    it('keys by a KeyConstructor that reads the arguments', async () => {
      const service = new PricingService();

      await service.price('tea', { span: 1 });
      await service.price('tea', { span: 2 });
      await service.price('coffee');

      expect(service.runs).to.equal(2);
    });

    it('works on a typedi service taken from the container', async () => {
      const service = Container.get(InjectedCityService);

      const first = await service.all();
      const second = await Container.get(InjectedCityService).all();

      expect(second).to.deep.equal(first);
      expect(service.loads).to.equal(1);
    });

    it('keeps the method name, so stack traces and logs still name it', () => {
      expect(CityService.prototype.find.name).to.equal('find');
    });
  });

  describe('single-flight', () => {
    it('calls the method once for concurrent calls with one key and gives every caller its result', async () => {
      const service = new CityService();
      service.repository.gate = new Latch();

      const calls = [1, 1, 1, 1, 1].map(() => service.find(1));
      await until(() => service.repository.calls.length === 1, 'the first call reached the repository');
      const other = service.find(2);
      await until(() => service.repository.calls.length === 2, 'the call for another key reached the repository');
      service.repository.gate.open();
      const results = await Promise.all(calls);

      expect(service.repository.calls).to.deep.equal([1, 2]);
      expect(new Set(results.map((result) => result.call))).to.deep.equal(new Set([1]));
      expect((await other).id).to.equal(2);
    });

    it('gives every concurrent caller the error, stores nothing, and calls again afterwards', async () => {
      const service = new CityService();
      service.repository.gate = new Latch();
      service.repository.failNext = true;

      const calls = [service.find(1), service.find(1), service.find(1)].map((call) =>
        call.then(
          () => 'resolved',
          (error: Error) => error.message,
        ),
      );
      await until(() => service.repository.calls.length === 1, 'the first call reached the repository');
      service.repository.gate.open();
      const outcomes = await Promise.all(calls);
      const after = await service.find(1);

      expect(outcomes).to.deep.equal(['city 1 is unavailable', 'city 1 is unavailable', 'city 1 is unavailable']);
      expect(after.call).to.equal(2);
    });
  });

  describe('stale-while-revalidate', () => {
    it('returns a stale result at once and refreshes it with one background call', async () => {
      const service = new CityService();
      await service.findFresh(1);
      await landed(1);
      clock.advance(1_500);
      service.repository.gate = new Latch();

      // Both resolve while the refresh is held: nobody waits for it.
      const stale = await Promise.all([service.findFresh(1), service.findFresh(1), service.findFresh(1)]);
      await until(() => service.repository.calls.length === 2, 'the refresh reached the repository');
      service.repository.gate.open();
      await landed(2);
      const fresh = await service.findFresh(1);

      expect(stale.map((result) => result.call)).to.deep.equal([1, 1, 1]);
      expect(fresh.call).to.equal(2);
      expect(service.repository.calls).to.deep.equal([1, 1]);
    });

    it('calls the method in the foreground once the stale window has passed too', async () => {
      const service = new CityService();
      await service.findFresh(1);
      await landed(1);
      clock.advance(11_000);

      const result = await service.findFresh(1);

      expect(result.call).to.equal(2);
    });

    it('keeps returning the stale result when the refresh fails', async () => {
      const service = new CityService();
      await service.findFresh(1);
      await landed(1);
      clock.advance(1_500);
      service.repository.failNext = true;

      const first = await service.findFresh(1);
      await until(() => service.repository.calls.length === 2 && !service.repository.failNext, 'the refresh failed');
      const second = await service.findFresh(1);

      expect([first.call, second.call]).to.deep.equal([1, 1]);
    });
  });

  describe('invalidation by tag', () => {
    it('drops entries carrying a tag invalidateTags names, and only those', async () => {
      const service = new CityService();
      await service.findTagged(1);
      await service.findTagged(2);
      await landed(2);

      await invalidateTags(['city:1']);
      const one = await service.findTagged(1);
      const two = await service.findTagged(2);

      expect(one.call).to.equal(3);
      expect(two.call).to.equal(2);
    });

    it('drops every entry of a tag they share', async () => {
      const service = new CityService();
      await service.findTagged(1);
      await service.findTagged(2);
      await landed(2);

      await invalidateTags(['cities']);
      await service.findTagged(1);
      await service.findTagged(2);

      expect(service.repository.calls).to.deep.equal([1, 2, 1, 2]);
    });
  });

  describe('stores', () => {
    it('uses the store the cache option names, resolved on the first call', async () => {
      const special = new MemoryStorage();
      configureExtensions({ caches: { special } });
      const service = new CityService();

      await service.findSpecial(1);

      expect(special.store.size).to.equal(1);
    });

    it('rejects the first call with InvalidOptionError naming the decorator and method when the store is unknown', async () => {
      const service = new CityService();

      const error = await service.findSpecial(1).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );

      expect(error).to.be.instanceOf(InvalidOptionError);
      expect((error as Error).message).to.equal(
        '@cached on CityService.findSpecial: option cache must be one of the configured caches ("default"), got "special"',
      );
      expect(service.repository.calls).to.deep.equal([]);
    });

    it('follows configureExtensions: a new default store takes effect on the next call', async () => {
      const service = new CityService();
      await service.find(1);
      await landed(1);

      const replacement = new MemoryStorage();
      configureExtensions({ caches: { default: replacement } });
      await service.find(1);

      expect(service.repository.calls).to.deep.equal([1, 1]);
      expect(replacement.store.size).to.equal(1);
    });

    it('stores through a Keyv and returns an equal value from it', async () => {
      configureExtensions({ caches: { default: new Keyv() } });
      const service = new CityService();

      const first = await service.find(1);
      await landed(1);
      const second = await service.find(1);

      expect(second).to.deep.equal(first);
      expect(service.repository.calls).to.deep.equal([1]);
    });

    it('calls the method when the store fails, and reports the failure', async () => {
      const store = new FaultyStore();
      configureExtensions({ caches: { default: new Keyv({ store }) } });
      const service = new CityService();
      store.fault = 'throw';

      const first = await service.find(1);
      await until(() => recorder.events.some((event) => event.type === 'store-error'), 'the failure was reported');
      const second = await service.find(1);

      expect([first.call, second.call]).to.deep.equal([1, 2]);
      expect(recorder.events.filter((event) => event.type === 'store-error')).to.have.length.greaterThan(0);
    });

    it('returns a result that would not round-trip but does not store it', async () => {
      const service = new CityService();

      await service.createdAt(1);
      await landed(1);
      const second = await service.createdAt(1);

      expect(second).to.be.instanceOf(Date);
      expect(service.repository.calls).to.deep.equal([1, 1]);
      expect(recorder.events.find((event) => event.type === 'not-stored')).to.include({
        route: 'CityService.createdAt',
        reason: 'not-serializable',
      });
    });
  });

  describe('options', () => {
    const define = (options: unknown) => () => {
      class Service {
        @cached(options as never)
        async run() {
          return 1;
        }
      }
      return Service;
    };

    for (const [label, options, message] of [
      ['a negative ttl', { ttl: -1 }, 'option ttl must be a positive number of milliseconds, got -1'],
      ['an unknown option', { keyFunc: 'x' }, 'option keyFunc must be one of ttl, key, tags, cache, staleWhileRevalidate, got "keyFunc"'],
      [
        'a KeyConstructor class',
        { key: ArgsKey },
        'option key must be a function of the arguments or a KeyConstructor (not a class), got function ArgsKey',
      ],
      ['tags that are not strings', { tags: [1] }, 'option tags must be an array of strings or a function (...args) => string[], got [1]'],
      ['an empty store name', { cache: '' }, 'option cache must be a store name or a Storage, got ""'],
    ] as const) {
      it(`refuses ${label} when the decorator is applied, naming the decorator and Class.method`, () => {
        expect(define(options)).to.throw(InvalidOptionError, `@cached on Service.run: ${message}`);
      });
    }

    it('refuses a KeyConstructor with a bit that reads the request', () => {
      class FormatKey extends KeyConstructor {
        format = new FormatKeyBit();
      }
      expect(define({ key: new FormatKey() })).to.throw(
        InvalidOptionError,
        /@cached on Service\.run: option key must be a KeyConstructor whose bits read no request .*bit "format" is a FormatKeyBit/,
      );
    });

    it('fails a call whose own key bit reads the request, naming the bit', async () => {
      class RequestReadingBit extends KeyBit {
        getData({ request }: KeyBitContext) {
          return request.path;
        }
      }
      class PathKey extends KeyConstructor {
        path = new RequestReadingBit();
      }
      class Reader {
        @cached({ key: new PathKey() })
        async read() {
          return 1;
        }
      }

      const error = await new Reader().read().then(
        () => undefined,
        (rejection: Error) => rejection,
      );

      expect(error?.message).to.match(/key bit "path" failed: a @cached method has no request/);
    });
  });
});
