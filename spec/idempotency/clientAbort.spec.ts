import { expect } from 'chai';
import { request as httpRequest, type ClientRequest, type ServerResponse } from 'node:http';
import { Body, HttpCode, JsonController, Post, Req } from 'routing-controllers';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { resetExtensions } from '../../src/configure';
import { Latch, until } from '../helpers/latch';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { count, EventLog, resetRuns, runs } from './fixtures';

let latch = new Latch();
let closed = 0;

/** Counts the server side of the connection closing, after the library's own `close` listener. */
function watchClose(req: { res?: ServerResponse }): void {
  req.res?.once('close', () => (closed += 1));
}

@JsonController('/abort')
class AbortController {
  @Post('/wait')
  @HttpCode(201)
  @idempotencyKey({ maxWaitMs: 15_000 })
  async wait(@Req() req: { res?: ServerResponse }, @Body() body: unknown) {
    const run = count('wait');
    watchClose(req);
    await latch.promise;
    return { run, body };
  }

  @Post('/conflict')
  @HttpCode(201)
  @idempotencyKey({ inFlight: 'conflict' })
  async conflict(@Req() req: { res?: ServerResponse }, @Body() body: unknown) {
    const run = count('conflict');
    watchClose(req);
    await latch.promise;
    return { run, body };
  }
}

const keyed = (key: string) => ({ method: 'POST', headers: { 'idempotency-key': key }, body: { amount: 1 } });

/** Sends a keyed POST whose connection the test destroys later, as a client giving up would. */
function sendAbortable(url: string, path: string, key: string): ClientRequest {
  const body = JSON.stringify({ amount: 1 });
  const { hostname, port } = new URL(url);
  const req = httpRequest({
    host: hostname,
    port,
    path,
    method: 'POST',
    agent: false,
    headers: { 'idempotency-key': key, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  req.on('error', () => undefined);
  req.end(body);
  return req;
}

for (const driver of DRIVERS) {
  describe(`@idempotencyKey when the client aborts (${driver})`, () => {
    let server: TestServer;
    let log: EventLog;

    before(async () => {
      server = await startServer(driver, { controllers: [AbortController] });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      resetRuns();
      latch = new Latch();
      closed = 0;
      log = new EventLog().start();
    });
    afterEach(() => {
      latch.open();
      log.stop();
    });

    it('keeps the claim of an aborted request while its action runs: a retry waits and replays the one outcome', async () => {
      const aborted = sendAbortable(server.url, '/abort/wait', 'k1');
      await until(() => runs.wait === 1, 'the first action runs');
      aborted.destroy();
      await until(() => closed === 1, 'the server sees the connection close');
      const retry = server.send('/abort/wait', keyed('k1'));
      await until(() => log.count('waited') > 0 || runs.wait === 2, 'the retry waits or runs');
      const runsWhileHeld = runs.wait;
      latch.open();
      const response = await retry;

      expect(runsWhileHeld).to.equal(1);
      expect(runs.wait).to.equal(1);
      expect(response.status).to.equal(201);
      expect(response.headers['idempotent-replayed']).to.equal('true');
      expect(response.json()).to.deep.equal({ run: 1, body: { amount: 1 } });
    });

    it("answers 409 to a retry of an aborted request still running in 'conflict' mode, then replays its outcome", async () => {
      const aborted = sendAbortable(server.url, '/abort/conflict', 'k1');
      await until(() => runs.conflict === 1, 'the first action runs');
      aborted.destroy();
      await until(() => closed === 1, 'the server sees the connection close');
      const pending = server.send('/abort/conflict', keyed('k1'));
      await until(() => log.count('conflict') === 1 || runs.conflict === 2, 'the retry is answered or runs');
      const runsWhileHeld = runs.conflict;
      latch.open();
      const during = await pending;
      await until(() => log.count('completed') > 0 || log.count('released') > 0, 'the first outcome is recorded');
      const after = await server.send('/abort/conflict', keyed('k1'));

      expect(runsWhileHeld).to.equal(1);
      expect(during.status).to.equal(409);
      expect(runs.conflict).to.equal(1);
      expect(log.count('completed')).to.equal(1);
      expect(after.status).to.equal(201);
      expect(after.headers['idempotent-replayed']).to.equal('true');
      expect(after.json()).to.deep.equal({ run: 1, body: { amount: 1 } });
    });
  });
}
