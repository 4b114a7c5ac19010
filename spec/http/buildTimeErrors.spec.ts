import { expect } from 'chai';
import express from 'express';
import Keyv from 'keyv';
import Koa from 'koa';
import {
  createExpressServer,
  createKoaServer,
  Get,
  JsonController,
  Post,
  useExpressServer,
  useKoaServer,
  type RoutingControllersOptions,
} from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { invalidates } from '../../src/cache/invalidates';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { FileLock } from '../../src/locks/FileLock';
import { InProcessLock } from '../../src/locks/InProcessLock';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { describeRedis } from '../helpers/redisServer';
import { startServer } from '../helpers/servers';
import { RedisLock } from '../../src/locks/RedisLock';
import { createRedisStorage } from '../../src/storage/createRedisStorage';
import type { KeyvStorage } from '../../src/storage/KeyvStorage';

/** The four ways routing-controllers builds an app; each must fail at once on a bad binding. */
const BUILDERS: Record<string, (options: RoutingControllersOptions) => unknown> = {
  createExpressServer: (options) => createExpressServer(options),
  useExpressServer: (options) => useExpressServer(express(), options),
  createKoaServer: (options) => createKoaServer(options),
  useKoaServer: (options) => useKoaServer(new Koa(), options),
};

@JsonController('/unknown-cache')
class UnknownCacheController {
  @Get('/')
  @cacheResponse({ cache: 'no-such-cache' })
  list() {
    return [];
  }
}

@JsonController('/unknown-lock')
class UnknownLockController {
  @Post('/')
  @idempotencyKey({ lock: 'no-such-lock' })
  create() {
    return {};
  }
}

@JsonController('/unknown-invalidation-store')
class UnknownInvalidationStoreController {
  @Post('/')
  @invalidates(['cities'], { cache: 'no-such-cache' })
  create() {
    return {};
  }
}

@JsonController('/pairing')
class PairingController {
  @Post('/')
  @idempotencyKey()
  create() {
    return {};
  }
}

@JsonController('/lock-for-cache')
class CrossProcessCacheLockController {
  @Get('/')
  @cacheResponse({ lock: 'no-such-lock' })
  list() {
    return [];
  }
}

describe('binding decorated routes when routing-controllers builds the app', () => {
  beforeEach(() => resetExtensions());
  after(() => resetExtensions());

  for (const [builder, build] of Object.entries(BUILDERS)) {
    describe(builder, () => {
      it('throws InvalidOptionError naming the decorator, the route, the option and the unknown store', () => {
        expect(() => build({ controllers: [UnknownCacheController] })).to.throw(
          InvalidOptionError,
          /^@cacheResponse on UnknownCacheController\.list: option cache must be one of the configured caches \("default"\), got "no-such-cache"$/,
        );
      });

      it('throws naming @idempotencyKey and the unknown lock', () => {
        expect(() => build({ controllers: [UnknownLockController] })).to.throw(
          InvalidOptionError,
          /^@idempotencyKey on UnknownLockController\.create: option lock must be a Lock or one of the configured locks \("default"\), got "no-such-lock"$/,
        );
      });

      it('throws naming @invalidates and the unknown store', () => {
        expect(() => build({ controllers: [UnknownInvalidationStoreController] })).to.throw(
          InvalidOptionError,
          /^@invalidates on UnknownInvalidationStoreController\.create: option cache must be one of the configured caches/,
        );
      });

      it('throws naming the cache option when the record store is in-memory but the lock reaches other processes', () => {
        // A shared response cache and a cross-process lock, but no idempotency.cache: the records
        // would stay in this process while the lock claims to cover other processes.
        configureExtensions({ caches: { default: new Keyv() }, locks: { default: new FileLock() } });

        expect(() => build({ controllers: [PairingController] })).to.throw(
          InvalidOptionError,
          /^@idempotencyKey on PairingController\.create: option cache must be the name of a store shared like the lock \(FileLock, scope 'host'\)/,
        );
      });

      it('throws for a bad lock of @cacheResponse too', () => {
        expect(() => build({ controllers: [CrossProcessCacheLockController] })).to.throw(
          InvalidOptionError,
          /@cacheResponse on CrossProcessCacheLockController\.list: option lock/,
        );
      });

      it('builds the same app once the names exist', () => {
        configureExtensions({ caches: { 'no-such-cache': new MemoryStorage() }, locks: { 'no-such-lock': new InProcessLock() } });

        expect(() =>
          build({ controllers: [UnknownCacheController, UnknownLockController, UnknownInvalidationStoreController] }),
        ).not.to.throw();
      });
    });
  }

  it('never answers a request with the binding error: the server does not start', async () => {
    const started = startServer('express', { controllers: [UnknownCacheController] });

    const error = await started.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(InvalidOptionError);
  });
});

describeRedis('binding against a real Redis store and lock', (redis) => {
  let lock: RedisLock | undefined;
  let storage: KeyvStorage | undefined;
  afterEach(async () => {
    lock?.close();
    await storage?.keyv.disconnect();
    resetExtensions();
  });

  for (const [builder, build] of Object.entries(BUILDERS)) {
    it(`${builder} refuses an idempotent route whose records would stay in memory under a RedisLock`, () => {
      lock = new RedisLock(redis().url);
      storage = createRedisStorage(redis().url);
      configureExtensions({ caches: { default: storage }, locks: { default: lock } });

      expect(() => build({ controllers: [PairingController] })).to.throw(
        InvalidOptionError,
        /@idempotencyKey on PairingController\.create: option cache .*RedisLock, scope 'cluster'/,
      );
    });
  }
});
