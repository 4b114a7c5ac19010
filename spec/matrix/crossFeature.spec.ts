import { expect } from 'chai';
import { Body, Get, JsonController, Param, Patch, Post } from 'routing-controllers';
import { cached } from '../../src/cache/cached';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { invalidates } from '../../src/cache/invalidates';
import { resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { etag } from '../../src/etag/etag';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import type { TestServer } from '../helpers/servers';
import { HOSTS, startOn } from './hosts';

// One suite across the features, written once and run on every framework major CI installs.

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
const versions: Record<string, number> = {};

/** A service behind the controller: its results are cached with the tag the list route uses too. */
class MatrixCatalog {
  loads = 0;

  @cached({ ttl: 60_000, tags: ['matrix-cities'] })
  async all() {
    this.loads++;
    return [{ id: 1, name: 'Lisbon' }];
  }
}

const catalog = new MatrixCatalog();

@JsonController('/matrix/cities')
class MatrixCityController {
  @Get('/')
  @cacheResponse({ ttl: 60_000, tags: () => ['matrix-cities'] })
  async list() {
    count('list');
    return { cities: await catalog.all() };
  }

  @Get('/:id')
  @etag(({ request }) => `v${versions[request.params.id] ?? 1}`)
  @cacheResponse(60_000)
  one(@Param('id') id: string) {
    count('one');
    return { id, version: versions[id] ?? 1 };
  }

  @Patch('/:id')
  @invalidates(['matrix-cities'])
  update(@Param('id') id: string) {
    versions[id] = (versions[id] ?? 1) + 1;
    return { id, version: versions[id] };
  }
}

/** The common CRUD base class: its decorated route is registered by the subclass controller. */
abstract class MatrixCrudController {
  abstract readonly resource: string;

  @Get('/:id')
  @cacheResponse(60_000)
  one() {
    return { resource: this.resource, run: count(this.resource) };
  }
}

@JsonController('/matrix/towns')
class MatrixTownController extends MatrixCrudController {
  readonly resource = 'town';
}

@JsonController('/matrix/orders')
class MatrixOrderController {
  @Post('/')
  @idempotencyKey()
  create(@Body() order: { item: string }) {
    return { order: count('create'), item: order.item };
  }
}

@JsonController('/matrix/broken')
class MatrixBrokenController {
  @Get('/')
  @cacheResponse({ cache: 'no-such-cache' })
  list() {
    return [];
  }
}

const CONTROLLERS = [MatrixCityController, MatrixTownController, MatrixOrderController];

for (const host of HOSTS) {
  describe(`cross-feature suite on ${host.name} (${host.version}, ${host.driver} driver)`, () => {
    let server: TestServer;

    before(async () => {
      resetExtensions();
      server = await startOn(host, { controllers: CONTROLLERS });
    });
    after(() => server.close());
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
      for (const name of Object.keys(versions)) delete versions[name];
      catalog.loads = 0;
      resetExtensions();
    });

    it(`runs on the ${host.name} major that is installed`, () => {
      expect(Number(host.version.split('.')[0])).to.equal(host.major);
    });

    it('answers a miss, then a hit, then a 304 for the tag @etag sent, running the action once', async () => {
      const miss = await server.send('/matrix/cities/1');
      const hit = await server.send('/matrix/cities/1');
      const revalidated = await server.send('/matrix/cities/1', { headers: { 'if-none-match': '"v1"' } });

      expect(miss.status).to.equal(200);
      expect(miss.headers.etag).to.equal('"v1"');
      expect(miss.headers['cache-status']).to.match(/fwd=uri-miss/);
      expect(hit.status).to.equal(200);
      expect(hit.headers['cache-status']).to.match(/; hit; ttl=/);
      expect(hit.text).to.equal(miss.text);
      expect(revalidated.status).to.equal(304);
      expect(revalidated.body).to.have.length(0);
      expect(runs.one).to.equal(1);
    });

    it('drops, after a write with @invalidates, the cached response of its path, and the cached response and @cached result sharing its tag', async () => {
      await server.send('/matrix/cities/1');
      await server.send('/matrix/cities');
      await server.send('/matrix/cities');

      const write = await server.send('/matrix/cities/1', { method: 'PATCH' });
      const one = await server.send('/matrix/cities/1', { headers: { 'if-none-match': '"v1"' } });
      const list = await server.send('/matrix/cities');

      expect(write.status).to.equal(200);
      expect(one.status).to.equal(200);
      expect(one.json()).to.deep.equal({ id: '1', version: 2 });
      expect(list.headers['cache-status']).to.match(/fwd=uri-miss/);
      expect(runs.list).to.equal(2);
      expect(catalog.loads).to.equal(2);
    });

    it('replays an idempotent retry, answers 422 for the key reused with another body and 400 without a key', async () => {
      const headers = { 'idempotency-key': `"${host.name}-order"` };
      const first = await server.send('/matrix/orders', { method: 'POST', headers, body: { item: 'tea' } });
      const retry = await server.send('/matrix/orders', { method: 'POST', headers, body: { item: 'tea' } });
      const reused = await server.send('/matrix/orders', { method: 'POST', headers, body: { item: 'coffee' } });
      const unkeyed = await server.send('/matrix/orders', { method: 'POST', body: { item: 'tea' } });

      expect(first.status).to.equal(200);
      expect(first.json()).to.deep.equal({ order: 1, item: 'tea' });
      expect(retry.status).to.equal(200);
      expect(retry.text).to.equal(first.text);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(reused.status).to.equal(422);
      expect(reused.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(unkeyed.status).to.equal(400);
      expect(runs.create).to.equal(1);
    });

    it('caches a route the subclass controller inherits from a base class', async () => {
      const first = await server.send('/matrix/towns/7');
      const second = await server.send('/matrix/towns/7');

      expect(first.json()).to.deep.equal({ resource: 'town', run: 1 });
      expect(second.json()).to.deep.equal({ resource: 'town', run: 1 });
      expect(second.headers['cache-status']).to.match(/; hit; /);
    });

    it('refuses to build an app whose route names an unknown store, with InvalidOptionError naming the decorator and the route', () => {
      expect(() => host.build({ controllers: [MatrixBrokenController] })).to.throw(
        InvalidOptionError,
        '@cacheResponse on MatrixBrokenController.list: option cache must be one of the configured caches ("default"), got "no-such-cache"',
      );
    });
  });
}
