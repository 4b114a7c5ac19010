import { expect } from 'chai';
import { Get, JsonController, Post } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { resetExtensions } from '../../src/configure';
import { etag } from '../../src/etag/etag';
import { idempotencyKey, idempotencyKeyExempt } from '../../src/idempotency/idempotencyDecorators';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);

/** The common CRUD base class: decorated methods, no @Controller of its own. */
abstract class CrudController {
  abstract readonly resource: string;

  @Get('/:id')
  @etag(() => 'v1')
  @cacheResponse(60_000)
  one() {
    return { resource: this.resource, run: count(`${this.resource}.one`) };
  }

  @Post('/')
  @idempotencyKey()
  create() {
    return { resource: this.resource, run: count(`${this.resource}.create`) };
  }
}

@JsonController('/cities')
class CityController extends CrudController {
  readonly resource = 'city';
}

@JsonController('/towns')
class TownController extends CrudController {
  readonly resource = 'town';
}

/** Two levels between the declaring class and the controller. */
abstract class VersionedCrudController extends CrudController {}

@JsonController('/villages')
class VillageController extends VersionedCrudController {
  readonly resource = 'village';
}

/** Overrides without decorators of its own: the route keeps the base class's decorators. */
@JsonController('/hamlets')
class HamletController extends CrudController {
  readonly resource = 'hamlet';

  override one() {
    return { resource: this.resource, run: count('hamlet.one'), overridden: true };
  }
}

/** Overrides with decorators of its own: those replace the base's of the same kind, the others stay. */
@JsonController('/capitals')
class CapitalController extends CrudController {
  readonly resource = 'capital';

  @idempotencyKeyExempt()
  override create() {
    return { resource: this.resource, run: count('capital.create') };
  }

  @cacheResponse({ ttl: 60_000, cacheControl: { maxAgeSeconds: 7 } })
  override one() {
    return { resource: this.resource, run: count('capital.one') };
  }
}

const post = (key?: string) => ({ method: 'POST', headers: key === undefined ? {} : { 'idempotency-key': key } });

for (const driver of DRIVERS) {
  describe(`decorators on base-class methods (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      resetExtensions();
      server = await startServer(driver, {
        controllers: [CityController, TownController, VillageController, HamletController, CapitalController],
      });
    });
    after(() => server.close());
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
    });

    it('requires an idempotency key on the subclass route and runs a retried POST once', async () => {
      const missing = await server.send('/cities', post());
      const first = await server.send('/cities', post(`${driver}-k1`));
      const retry = await server.send('/cities', post(`${driver}-k1`));

      expect(missing.status).to.equal(400);
      expect(missing.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(first.json()).to.deep.equal({ resource: 'city', run: 1 });
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(runs['city.create']).to.equal(1);
    });

    it('keeps each subclass route apart: one route replays, the other runs its own action', async () => {
      await server.send('/cities', post(`${driver}-a`));
      const town = await server.send('/towns', post(`${driver}-b`));
      const townRetry = await server.send('/towns', post(`${driver}-b`));

      expect(town.json()).to.deep.equal({ resource: 'town', run: 1 });
      expect(townRetry.json()).to.deep.equal({ resource: 'town', run: 1 });
      expect(runs['city.create']).to.equal(1);
      expect(runs['town.create']).to.equal(1);
    });

    it('sends the ETag and answers If-None-Match with 304 on the subclass route', async () => {
      const tagged = await server.send('/cities/1');
      const revalidated = await server.send('/cities/1', { headers: { 'if-none-match': '"v1"' } });

      expect(tagged.headers.etag).to.equal('"v1"');
      expect(revalidated.status).to.equal(304);
    });

    it("caches per subclass: the second read hits, and a sibling never gets the other one's entry", async () => {
      const city = await server.send('/cities/7');
      const town = await server.send('/towns/7');
      const cityAgain = await server.send('/cities/7');

      expect(city.json()).to.deep.equal({ resource: 'city', run: 1 });
      expect(town.json()).to.deep.equal({ resource: 'town', run: 1 });
      expect(cityAgain.json()).to.deep.equal({ resource: 'city', run: 1 });
      expect(cityAgain.headers['cache-status']).to.match(/; hit/);
      expect(runs['city.one']).to.equal(1);
    });

    it('applies decorators declared two classes up', async () => {
      await server.send('/villages/1');
      const hit = await server.send('/villages/1');
      const missing = await server.send('/villages', post());

      expect(hit.headers['cache-status']).to.match(/; hit/);
      expect(runs['village.one']).to.equal(1);
      expect(missing.status).to.equal(400);
    });

    it('keeps the base decorators for a subclass that overrides the method without its own', async () => {
      const first = await server.send('/hamlets/1');
      const second = await server.send('/hamlets/1');

      expect(first.json()).to.deep.equal({ resource: 'hamlet', run: 1, overridden: true });
      expect(second.headers['cache-status']).to.match(/; hit/);
      expect(first.headers.etag).to.equal('"v1"');
      expect(runs['hamlet.one']).to.equal(1);
    });

    it('lets a subclass replace one kind of decorator and keeps the others', async () => {
      const read = await server.send('/capitals/1');
      const revalidated = await server.send('/capitals/1', { headers: { 'if-none-match': '"v1"' } });
      const unkeyed = await server.send('/capitals', post());

      expect(read.headers['cache-control']).to.equal('max-age=7');
      expect(revalidated.status).to.equal(304);
      expect(unkeyed.status).to.equal(200);
      expect(runs['capital.create']).to.equal(1);
    });
  });
}
