import { expect } from 'chai';
import { Get, HeaderParam, JsonController } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

let runs = 0;

@JsonController('/api-key')
class ApiKeyController {
  @Get('/me')
  @cacheResponse(60_000)
  me(@HeaderParam('x-api-key') apiKey?: string) {
    runs += 1;
    return { caller: apiKey ?? 'nobody', run: runs };
  }
}

for (const driver of DRIVERS) {
  describe(`credentialHeaders (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      resetExtensions();
      configureExtensions({ credentialHeaders: ['Authorization', 'Cookie', 'X-Api-Key'] });
      server = await startServer(driver, { controllers: [ApiKeyController] });
    });
    after(async () => {
      await server.close();
      resetExtensions();
    });
    beforeEach(() => {
      runs = 0;
    });

    it("never serves one API key's cached response to another", async () => {
      const alice = await server.send('/api-key/me', { headers: { 'x-api-key': 'alice' } });
      const bob = await server.send('/api-key/me', { headers: { 'x-api-key': 'bob' } });
      const aliceAgain = await server.send('/api-key/me', { headers: { 'x-api-key': 'alice' } });

      expect(alice.json()).to.deep.equal({ caller: 'alice', run: 1 });
      expect(bob.json()).to.deep.equal({ caller: 'bob', run: 2 });
      expect(aliceAgain.json()).to.deep.equal({ caller: 'alice', run: 3 });
    });

    it('still caches requests that carry no credential', async () => {
      await server.send('/api-key/me');
      const hit = await server.send('/api-key/me');

      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(runs).to.equal(1);
    });
  });
}

describe('credentialHeaders setting', () => {
  afterEach(() => resetExtensions());

  it('rejects what is not a list of header names', () => {
    expect(() => configureExtensions({ credentialHeaders: ['x api key'] })).to.throw(
      InvalidOptionError,
      /configureExtensions: option credentialHeaders must be an array of header names/,
    );
    expect(() => configureExtensions({ credentialHeaders: 'authorization' as never })).to.throw(InvalidOptionError, /credentialHeaders/);
  });
});
