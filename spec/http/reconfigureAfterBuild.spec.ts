import { expect } from 'chai';
import { Get, JsonController, Post } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, getExtensionsSettings, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { FileLock } from '../../src/locks/FileLock';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

let reads = 0;

@JsonController('/reconfigured')
class ReconfiguredController {
  @Get('/')
  @cacheResponse(60_000)
  read() {
    return { run: ++reads };
  }

  @Post('/')
  @idempotencyKey()
  write() {
    return { written: true };
  }
}

for (const driver of DRIVERS) {
  describe(`configureExtensions after the app is built (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      resetExtensions();
      server = await startServer(driver, { controllers: [ReconfiguredController] });
    });
    after(async () => {
      await server.close();
      resetExtensions();
    });
    beforeEach(() => {
      reads = 0;
    });

    it('applies a new store to the routes already built', async () => {
      const first = new MemoryStorage();
      configureExtensions({ caches: { default: first } });
      await server.send('/reconfigured');
      const replacement = new MemoryStorage();
      configureExtensions({ caches: { default: replacement } });
      const afterSwitch = await server.send('/reconfigured');

      expect(afterSwitch.json()).to.deep.equal({ run: 2 });
      expect(first.store.size).to.be.greaterThan(0);
      expect(replacement.store.size).to.be.greaterThan(0);
    });

    it('throws naming the built route when the new settings cannot work with it, and changes nothing', async () => {
      const before = getExtensionsSettings();

      expect(() => configureExtensions({ locks: { default: new FileLock() } })).to.throw(
        InvalidOptionError,
        /^@idempotencyKey on ReconfiguredController\.write: option cache must be the name of a store shared like the lock/,
      );
      expect(getExtensionsSettings()).to.equal(before);
      expect((await server.send('/reconfigured', { method: 'POST', headers: { 'idempotency-key': `${driver}-k` } })).status).to.equal(200);
    });

    it('binds the routes to the defaults again after resetExtensions', async () => {
      configureExtensions({ defaultCacheResponseTimeout: 1_000 });
      resetExtensions();
      const response = await server.send('/reconfigured');

      expect(response.status).to.equal(200);
      expect(response.headers['cache-status']).to.equal('default; fwd=uri-miss');
    });
  });
}
