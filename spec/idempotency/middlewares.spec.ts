import { expect } from 'chai';
import { Body, Delete, Get, JsonController, Patch, Post, Put } from 'routing-controllers';
import { ExemptIdempotencyKeyMiddleware, IdempotencyKeyMiddleware } from '../../src/idempotency/idempotencyMiddlewares';
import { idempotencyKey, idempotencyKeyExempt } from '../../src/idempotency/idempotencyDecorators';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { count, resetRuns, runs } from './fixtures';

@JsonController('/mw')
class PlainController {
  @Post('/create')
  create(@Body() body: unknown) {
    return { run: count('create'), body };
  }

  @Put('/put')
  put() {
    return { run: count('put') };
  }

  @Patch('/patch')
  patch() {
    return { run: count('patch') };
  }

  @Delete('/delete')
  remove() {
    return { run: count('delete') };
  }

  @Get('/read')
  read() {
    return { run: count('read') };
  }

  @Post('/exempt')
  @idempotencyKeyExempt()
  exempt() {
    return { run: count('exempt') };
  }

  @Post('/keyed')
  @idempotencyKey({ optional: true })
  keyed() {
    return { run: count('keyed') };
  }
}

for (const driver of DRIVERS) {
  describe(`IdempotencyKeyMiddleware and ExemptIdempotencyKeyMiddleware (${driver})`, () => {
    let optOut: TestServer;
    let optIn: TestServer;
    let none: TestServer;

    before(async () => {
      optOut = await startServer(driver, { controllers: [PlainController], middlewares: [IdempotencyKeyMiddleware] });
      optIn = await startServer(driver, { controllers: [PlainController], middlewares: [ExemptIdempotencyKeyMiddleware] });
      none = await startServer(driver, { controllers: [PlainController] });
    });
    after(async () => {
      await Promise.all([optOut.close(), optIn.close(), none.close()]);
    });
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { default: new MemoryStorage() } });
      resetRuns();
    });

    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      it(`requires a key on an undecorated ${method} action under the opt-out middleware`, async () => {
        const path = `/mw/${method === 'POST' ? 'create' : method.toLowerCase()}`;
        const missing = await optOut.send(path, { method });
        const first = await optOut.send(path, { method, headers: { 'idempotency-key': 'k1' } });
        const second = await optOut.send(path, { method, headers: { 'idempotency-key': 'k1' } });

        expect(missing.status).to.equal(400);
        expect(first.status).to.equal(200);
        expect(second.headers['idempotent-replayed']).to.equal('true');
        expect(Object.values(runs)).to.deep.equal([1]);
      });
    }

    it('never processes a GET under the opt-out middleware', async () => {
      const response = await optOut.send('/mw/read');

      expect(response.status).to.equal(200);
    });

    it('never checks an exempt action under the opt-out middleware', async () => {
      const first = await optOut.send('/mw/exempt', { method: 'POST' });
      const second = await optOut.send('/mw/exempt', { method: 'POST', headers: { 'idempotency-key': 'k1' } });
      const third = await optOut.send('/mw/exempt', { method: 'POST', headers: { 'idempotency-key': 'k1' } });

      expect([first.status, second.status, third.status]).to.deep.equal([200, 200, 200]);
      expect(runs.exempt).to.equal(3);
    });

    it('keeps the options of a decorated action under the opt-out middleware', async () => {
      const response = await optOut.send('/mw/keyed', { method: 'POST' });

      expect(response.status).to.equal(200);
    });

    it('follows the idempotency settings under the opt-out middleware', async () => {
      configureExtensions({ idempotency: { header: 'X-Request-Key' } });
      const first = await optOut.send('/mw/create', { method: 'POST', headers: { 'x-request-key': 'k1' } });
      const second = await optOut.send('/mw/create', { method: 'POST', headers: { 'x-request-key': 'k1' } });

      expect(first.status).to.equal(200);
      expect(second.headers['idempotent-replayed']).to.equal('true');
    });

    it('never checks an undecorated action under the opt-in middleware', async () => {
      const response = await optIn.send('/mw/create', { method: 'POST' });
      const again = await optIn.send('/mw/create', { method: 'POST', headers: { 'idempotency-key': 'k1' } });
      const third = await optIn.send('/mw/create', { method: 'POST', headers: { 'idempotency-key': 'k1' } });

      expect([response.status, again.status, third.status]).to.deep.equal([200, 200, 200]);
      expect(runs.create).to.equal(3);
    });

    it('protects a decorated action under the opt-in middleware', async () => {
      await optIn.send('/mw/keyed', { method: 'POST', headers: { 'idempotency-key': 'k1' } });
      const second = await optIn.send('/mw/keyed', { method: 'POST', headers: { 'idempotency-key': 'k1' } });

      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(runs.keyed).to.equal(1);
    });

    it('leaves an app that registers no middleware unaffected by another app that registers the opt-out one', async () => {
      const response = await none.send('/mw/create', { method: 'POST' });

      expect(response.status).to.equal(200);
    });
  });
}
