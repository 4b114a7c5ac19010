import { expect } from 'chai';
import { createExpressServer, Delete, Get, JsonController, Param, Patch, Post, Put } from 'routing-controllers';
import { cacheResponse, cacheResponseExempt } from '../../src/cache/cacheResponse';
import { invalidates } from '../../src/cache/invalidates';
import { resetExtensions } from '../../src/configure';
import { ConflictingDecoratorsError, InvalidOptionError } from '../../src/errors';
import { etag } from '../../src/etag/etag';
import { idempotencyKey, idempotencyKeyExempt, idempotencyKeyManual } from '../../src/idempotency/idempotencyDecorators';
import { IdempotencyKeyMiddleware } from '../../src/idempotency/idempotencyMiddlewares';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { UniqueMethodIdKeyBit } from '../../src/keys/bits/UniqueMethodIdKeyBit';
import { UserKeyBit } from '../../src/keys/bits/UserKeyBit';
import { decorate } from '../helpers/decorate';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);

/** Every read of the controller cached and tagged, every write idempotent; methods refine or opt out. */
@JsonController('/shelf')
@cacheResponse({ ttl: 60_000, cacheControl: { maxAgeSeconds: 30 } })
@etag(() => 'shelf-v1')
@idempotencyKey()
class ShelfController {
  @Get('/')
  list() {
    return { list: count('shelf.list') };
  }

  @Get('/books/:id')
  @cacheResponse({ cacheControl: { maxAgeSeconds: 5 } })
  @etag({ weak: true })
  one(@Param('id') id: string) {
    return { id, run: count('shelf.one') };
  }

  @Get('/now')
  @cacheResponseExempt()
  now() {
    return { now: count('shelf.now') };
  }

  @Post('/')
  create() {
    return { created: count('shelf.create') };
  }

  @Put('/books/:id')
  @idempotencyKey({ header: 'X-Request-Id' })
  replace() {
    return { replaced: count('shelf.replace') };
  }

  @Delete('/books/:id')
  @idempotencyKeyExempt()
  remove() {
    return { removed: count('shelf.remove') };
  }

  @Patch('/books/:id')
  @invalidates()
  patch() {
    return { patched: count('shelf.patch') };
  }

  @Patch('/books/:id/title')
  @etag({ requirePrecondition: true })
  retitle() {
    return { retitled: count('shelf.retitle') };
  }
}

/** A base class with method-level decorators of its own and no class-level ones. */
abstract class BaseShelfController {
  @Get('/books/:id')
  @cacheResponse({ ttl: 10_000 })
  one() {
    return { one: count('branch.one') };
  }

  @Get('/')
  @cacheResponseExempt()
  list() {
    return { list: count('branch.list') };
  }

  @Get('/about')
  about() {
    return { about: count('branch.about') };
  }
}

/** A subclass's class decorator under the base class's method decorators. */
@JsonController('/branch')
@cacheResponse({ ttl: 60_000, cacheControl: { maxAgeSeconds: 9 } })
class BranchController extends BaseShelfController {}

/** A base class with a class-level decorator and no @Controller of its own. */
@cacheResponse({ ttl: 30_000, cacheControl: 'public' })
abstract class CachedBaseController {
  @Get('/base')
  fromBase() {
    return { base: count(`${this.constructor.name}.base`) };
  }
}

/** Inherits the base's class decorator, for the inherited action and for its own. */
@JsonController('/leaf')
class LeafController extends CachedBaseController {
  @Get('/own')
  own() {
    return { own: count('leaf.own') };
  }
}

/** Its own class decorator replaces the base's (options are not merged between classes). */
@JsonController('/twig')
@cacheResponse({ ttl: 90_000 })
class TwigController extends CachedBaseController {}

/** Class-level idempotency next to the opt-out middleware: the class's options win. */
@JsonController('/tills')
@idempotencyKey({ header: 'X-Request-Id' })
class TillController {
  @Post('/')
  open() {
    return { opened: count('till.open') };
  }

  @Get('/')
  look() {
    return { looked: count('till.look') };
  }
}

const cacheTtl = (response: { headers: Record<string, unknown> }) => /ttl=(\d+)/.exec(String(response.headers['cache-status']))?.[1];

for (const driver of DRIVERS) {
  describe(`decorators on controller classes (${driver})`, () => {
    let server: TestServer;
    let tills: TestServer;

    before(async () => {
      resetExtensions();
      server = await startServer(driver, { controllers: [ShelfController, BranchController, LeafController, TwigController] });
      tills = await startServer(driver, { controllers: [TillController], middlewares: [IdempotencyKeyMiddleware] });
    });
    after(async () => {
      await server.close();
      await tills.close();
    });
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
    });

    it('caches every GET action of a class with a class-level @cacheResponse', async () => {
      const miss = await server.send('/shelf');
      const hit = await server.send('/shelf');

      expect(miss.headers['cache-status']).to.match(/fwd=uri-miss/);
      expect(hit.headers['cache-status']).to.match(/; hit; ttl=60/);
      expect(hit.headers['cache-control']).to.equal('max-age=30');
      expect(hit.json()).to.deep.equal({ list: 1 });
      expect(runs['shelf.list']).to.equal(1);
    });

    it("refines the class's options option by option with a method-level @cacheResponse", async () => {
      await server.send(`/shelf/books/${driver}-1`);
      const hit = await server.send(`/shelf/books/${driver}-1`);

      expect(cacheTtl(hit)).to.equal('60');
      expect(hit.headers['cache-control']).to.equal('max-age=5');
      expect(runs['shelf.one']).to.equal(1);
    });

    it('runs an action marked @cacheResponseExempt() every time, with no cache headers', async () => {
      const first = await server.send('/shelf/now');
      const second = await server.send('/shelf/now');

      expect(second.json()).to.deep.equal({ now: 2 });
      expect(first.headers['cache-status']).to.equal(undefined);
      expect(second.headers['cache-control']).to.equal(undefined);
    });

    it('sends the class-level ETag on every GET action and answers If-None-Match with 304 without the action', async () => {
      const tagged = await server.send('/shelf/now');
      const revalidated = await server.send('/shelf/now', { headers: { 'if-none-match': '"shelf-v1"' } });

      expect(tagged.headers.etag).to.equal('"shelf-v1"');
      expect(revalidated.status).to.equal(304);
      expect(runs['shelf.now']).to.equal(1);
    });

    it("keeps the class's etagFunc under a method-level @etag that only changes another option", async () => {
      const tagged = await server.send(`/shelf/books/${driver}-etag`);

      expect(tagged.headers.etag).to.equal('W/"shelf-v1"');
    });

    it("gives a method-level @etag on a write the class's tag source, though the class's applies to reads only", async () => {
      const key = (k: string) => ({ 'idempotency-key': `${driver}-${k}` });
      const unconditional = await server.send('/shelf/books/1/title', { method: 'PATCH', headers: key('r1') });
      const stale = await server.send('/shelf/books/1/title', { method: 'PATCH', headers: { ...key('r2'), 'if-match': '"other"' } });
      const current = await server.send('/shelf/books/1/title', { method: 'PATCH', headers: { ...key('r3'), 'if-match': '"shelf-v1"' } });

      expect(unconditional.status).to.equal(428);
      expect(stale.status).to.equal(412);
      expect(current.status).to.equal(200);
      expect(runs['shelf.retitle']).to.equal(1);
    });

    it('requires an idempotency key on every unsafe action of a class with a class-level @idempotencyKey', async () => {
      const missing = await server.send('/shelf', { method: 'POST' });
      const first = await server.send('/shelf', { method: 'POST', headers: { 'idempotency-key': `${driver}-c1` } });
      const retry = await server.send('/shelf', { method: 'POST', headers: { 'idempotency-key': `${driver}-c1` } });
      const patch = await server.send('/shelf/books/1', { method: 'PATCH' });

      expect(missing.status).to.equal(400);
      expect(first.json()).to.deep.equal({ created: 1 });
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(patch.status).to.equal(400);
      expect(runs['shelf.create']).to.equal(1);
    });

    it("applies a method-level @idempotencyKey's options over the class's", async () => {
      const withDefaultHeader = await server.send('/shelf/books/1', { method: 'PUT', headers: { 'idempotency-key': `${driver}-p1` } });
      const first = await server.send('/shelf/books/1', { method: 'PUT', headers: { 'x-request-id': `${driver}-p1` } });
      const retry = await server.send('/shelf/books/1', { method: 'PUT', headers: { 'x-request-id': `${driver}-p1` } });

      expect(withDefaultHeader.status).to.equal(400);
      expect(first.status).to.equal(200);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(runs['shelf.replace']).to.equal(1);
    });

    it('runs an action marked @idempotencyKeyExempt() without a key', async () => {
      const removed = await server.send('/shelf/books/1', { method: 'DELETE' });

      expect(removed.status).to.equal(200);
      expect(removed.json()).to.deep.equal({ removed: 1 });
    });

    it("lets a base class's method-level decorator beat a subclass's class-level one, option by option", async () => {
      await server.send(`/branch/books/${driver}`);
      const hit = await server.send(`/branch/books/${driver}`);

      expect(cacheTtl(hit)).to.equal('10');
      expect(hit.headers['cache-control']).to.equal('max-age=9');
      expect(runs['branch.one']).to.equal(1);
    });

    it("keeps a base class's @cacheResponseExempt() under a subclass's class-level @cacheResponse", async () => {
      await server.send('/branch');
      const second = await server.send('/branch');

      expect(second.json()).to.deep.equal({ list: 2 });
      expect(second.headers['cache-status']).to.equal(undefined);
    });

    it("applies a subclass's class-level decorator to an undecorated inherited action", async () => {
      await server.send('/branch/about');
      const hit = await server.send('/branch/about');

      expect(cacheTtl(hit)).to.equal('60');
      expect(runs['branch.about']).to.equal(1);
    });

    it("applies a base class's class-level decorator to the subclass's inherited and own actions", async () => {
      await server.send('/leaf/base');
      const inherited = await server.send('/leaf/base');
      await server.send('/leaf/own');
      const own = await server.send('/leaf/own');

      expect(cacheTtl(inherited)).to.equal('30');
      expect(inherited.headers['cache-control']).to.equal('public');
      expect(cacheTtl(own)).to.equal('30');
      expect(runs['LeafController.base']).to.equal(1);
      expect(runs['leaf.own']).to.equal(1);
    });

    it("replaces a base class's class-level decorator with the subclass's own, whole", async () => {
      await server.send('/twig/base');
      const hit = await server.send('/twig/base');

      expect(cacheTtl(hit)).to.equal('90');
      expect(hit.headers['cache-control']).to.equal(undefined);
      expect(runs['TwigController.base']).to.equal(1);
    });

    it("uses a class-level @idempotencyKey's options over the opt-out middleware's, on unsafe actions only", async () => {
      const withDefaultHeader = await tills.send('/tills', { method: 'POST', headers: { 'idempotency-key': `${driver}-t` } });
      const first = await tills.send('/tills', { method: 'POST', headers: { 'x-request-id': `${driver}-t` } });
      const retry = await tills.send('/tills', { method: 'POST', headers: { 'x-request-id': `${driver}-t` } });
      const read = await tills.send('/tills');

      expect(withDefaultHeader.status).to.equal(400);
      expect(first.status).to.equal(200);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(read.status).to.equal(200);
      expect(runs['till.open']).to.equal(1);
    });
  });
}

/** Applies a class decorator to a fresh `Probe` class, the way TypeScript does when it is defined. */
function decorateClass(decorator: ClassDecorator): void {
  class Probe {}
  decorator(Probe);
}

describe('decorators on controller classes: mistakes', () => {
  afterEach(() => resetExtensions());

  it('names the class when a class-level decorator gets a bad option', () => {
    expect(() => decorateClass(cacheResponse({ ttl: -1 }))).to.throw(InvalidOptionError, /^@cacheResponse on Probe: option ttl/);
    expect(() => decorateClass(etag({ content: true, etagFunc: () => 'x' }))).to.throw(
      InvalidOptionError,
      /^@etag on Probe: option content/,
    );
    expect(() => decorateClass(idempotencyKey({ header: 'not a header' }))).to.throw(
      InvalidOptionError,
      /^@idempotencyKey on Probe: option header/,
    );
  });

  it('names the method when the same decorator on a method gets a bad option', () => {
    expect(() => decorate(cacheResponse({ ttl: -1 }))).to.throw(InvalidOptionError, /^@cacheResponse on Probe\.method: option ttl/);
  });

  it('refuses two decorators of one kind on one class', () => {
    expect(() => decorateClass((target) => (cacheResponse(1_000)(target), cacheResponse(2_000)(target)))).to.throw(
      ConflictingDecoratorsError,
      /Probe already has @cacheResponse/,
    );
    expect(() => decorateClass((target) => (idempotencyKey()(target), idempotencyKeyManual()(target)))).to.throw(
      ConflictingDecoratorsError,
    );
  });

  it('refuses @cacheResponseExempt() and @cacheResponse on one method, in either order', () => {
    const both =
      (first: MethodDecorator, second: MethodDecorator): MethodDecorator =>
      (target, name, descriptor) => {
        first(target, name, descriptor);
        second(target, name, descriptor);
      };
    expect(() => decorate(both(cacheResponse(1_000), cacheResponseExempt()))).to.throw(ConflictingDecoratorsError, /@cacheResponseExempt/);
    expect(() => decorate(both(cacheResponseExempt(), cacheResponse(1_000)))).to.throw(ConflictingDecoratorsError, /@cacheResponse/);
  });

  it('fails the app build, naming the route, when a method-level option contradicts the class-level ones', () => {
    class UserKey extends KeyConstructor {
      method = new UniqueMethodIdKeyBit();
      user = new UserKeyBit();
    }
    @JsonController('/contradiction')
    @cacheResponse({ public: true })
    class ContradictionController {
      @Get('/')
      @cacheResponse({ keyFunc: new UserKey() })
      mine() {
        return {};
      }
    }

    expect(() => createExpressServer({ controllers: [ContradictionController] })).to.throw(
      InvalidOptionError,
      /^@cacheResponse on ContradictionController\.mine: option public/,
    );
  });
});
