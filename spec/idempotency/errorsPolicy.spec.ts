import { expect } from 'chai';
import { HttpCode, HttpError, JsonController, Post } from 'routing-controllers';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { decorate } from '../helpers/decorate';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { count, resetRuns, runs } from './fixtures';

@JsonController('/ep')
class ChargeController {
  @Post('/release/crash')
  @idempotencyKey()
  releaseCrash() {
    count('releaseCrash');
    throw new Error('the card network went away');
  }

  @Post('/release/declined')
  @idempotencyKey({ errors: 'release' })
  releaseDeclined() {
    count('releaseDeclined');
    throw new HttpError(402, 'card declined');
  }

  @Post('/record/crash')
  @idempotencyKey({ errors: 'record' })
  recordCrash() {
    count('recordCrash');
    throw new Error('the card network went away');
  }

  @Post('/record/declined')
  @idempotencyKey({ errors: 'record' })
  recordDeclined() {
    count('recordDeclined');
    throw new HttpError(402, 'card declined');
  }

  @Post('/record/unavailable')
  @HttpCode(503)
  @idempotencyKey({ errors: 'record' })
  recordUnavailable() {
    return { run: count('recordUnavailable') };
  }
}

const charge = (server: TestServer, path: string, key = 'k1') =>
  server.send(path, { method: 'POST', headers: { 'idempotency-key': key }, body: { amount: 1 } });

for (const driver of DRIVERS) {
  describe(`@idempotencyKey errors policy (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, { controllers: [ChargeController] });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { records: new MemoryStorage() }, idempotency: { cache: 'records' } });
      resetRuns();
    });

    it("releases a thrown error by default ('release'): the retry runs the action again and gets its own 500", async () => {
      const first = await charge(server, '/ep/release/crash');
      const retry = await charge(server, '/ep/release/crash');

      expect(first.status).to.equal(500);
      expect(retry.status).to.equal(500);
      expect(retry.headers['idempotent-replayed']).to.equal(undefined);
      expect(runs.releaseCrash).to.equal(2);
    });

    it("releases a status outside storeOnStatuses with errors: 'release'", async () => {
      await charge(server, '/ep/release/declined');
      const retry = await charge(server, '/ep/release/declined');

      expect(retry.status).to.equal(402);
      expect(runs.releaseDeclined).to.equal(2);
    });

    it("records a thrown error with errors: 'record' and replays the 500 without running the action again", async () => {
      const first = await charge(server, '/ep/record/crash');
      const retry = await charge(server, '/ep/record/crash');

      expect(first.status).to.equal(500);
      expect(retry.status).to.equal(500);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(retry.text).to.equal(first.text);
      expect(runs.recordCrash).to.equal(1);
    });

    it("records any status the action answered with errors: 'record', a 402 or a 503 alike", async () => {
      await charge(server, '/ep/record/declined');
      const declined = await charge(server, '/ep/record/declined');
      await charge(server, '/ep/record/unavailable', 'k2');
      const unavailable = await charge(server, '/ep/record/unavailable', 'k2');

      expect([declined.status, unavailable.status]).to.deep.equal([402, 503]);
      expect([declined.headers['idempotent-replayed'], unavailable.headers['idempotent-replayed']]).to.deep.equal(['true', 'true']);
      expect([runs.recordDeclined, runs.recordUnavailable]).to.deep.equal([1, 1]);
    });

    it("takes errors: 'record' from the idempotency settings", async () => {
      configureExtensions({ idempotency: { errors: 'record' } });
      await charge(server, '/ep/release/crash');
      const retry = await charge(server, '/ep/release/crash');

      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(runs.releaseCrash).to.equal(1);
    });
  });
}

describe('the errors option', () => {
  it('rejects a value other than release or record when the decorator is applied, naming the route', () => {
    expect(() => decorate(idempotencyKey({ errors: 'sometimes' as never }))).to.throw(
      InvalidOptionError,
      /@idempotencyKey on Probe\.method: option errors must be 'release' or 'record', got "sometimes"/,
    );
  });

  it('rejects a bad errors setting in configureExtensions', () => {
    expect(() => configureExtensions({ idempotency: { errors: 'always' as never } })).to.throw(
      InvalidOptionError,
      /configureExtensions: idempotency: option errors must be 'release' or 'record', got "always"/,
    );
    resetExtensions();
  });
});
