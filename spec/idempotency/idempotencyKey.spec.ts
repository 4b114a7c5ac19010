import { expect } from 'chai';
import {
  Authorized,
  Body,
  BodyParam,
  ContentType,
  Ctx,
  Get,
  Header,
  HttpCode,
  HttpError,
  JsonController,
  Location,
  OnUndefined,
  Post,
  Put,
  Req,
  Res,
} from 'routing-controllers';
import { ConflictingDecoratorsError, InvalidOptionError } from '../../src/errors';
import { idempotencyKey, idempotencyKeyExempt, idempotencyKeyManual } from '../../src/idempotency/idempotencyDecorators';
import type { IdempotencyInfo } from '../../src/idempotency/IdempotencyStep';
import { IDEMPOTENCY_PROBLEM_BASE } from '../../src/idempotency/idempotencyProblems';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { decorate } from '../helpers/decorate';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import type { TestResponse } from '../helpers/http';
import { authorizationChecker, count, currentUserChecker, recordingStorage, resetRuns, runs } from './fixtures';

let bigBody = 'x';

@JsonController('/i')
class OrdersController {
  @Post('/orders')
  @HttpCode(201)
  @Location('/i/orders/42')
  @idempotencyKey()
  create(@Body() body: unknown) {
    return { run: count('create'), body };
  }

  @Put('/orders')
  @idempotencyKey()
  replace(@Body() body: unknown) {
    return { run: count('replace'), body };
  }

  @Post('/other')
  @idempotencyKey()
  other(@Body() body: unknown) {
    return { run: count('other'), body };
  }

  @Get('/orders')
  @idempotencyKey()
  list() {
    return { run: count('list') };
  }

  @Post('/optional')
  @idempotencyKey({ optional: true })
  optional() {
    return { run: count('optional') };
  }

  @Post('/strict')
  @idempotencyKey({ strict: true })
  strict() {
    return { run: count('strict') };
  }

  @Post('/manual')
  @idempotencyKeyManual()
  manual(@Req() req: { idempotency?: IdempotencyInfo }, @Ctx() ctx?: { state: { idempotency?: IdempotencyInfo } }) {
    const info = ctx?.state?.idempotency ?? req.idempotency;
    return {
      run: count('manual'),
      exists: info?.exists,
      key: info?.key,
      previous: info?.response ? JSON.parse(info.response.body.toString()) : null,
    };
  }

  @Post('/conflict-status')
  @HttpCode(201)
  @idempotencyKey({ conflictStatusCode: 409 })
  conflictStatus() {
    return { run: count('conflictStatus') };
  }

  @Post('/empty')
  @OnUndefined(204)
  @idempotencyKey()
  empty() {
    count('empty');
    return undefined;
  }

  @Post('/bytes')
  @ContentType('application/octet-stream')
  @idempotencyKey()
  bytes() {
    return Buffer.from([0, 255, 1, 254, count('bytes')]);
  }

  @Post('/boom')
  @idempotencyKey()
  boom() {
    count('boom');
    throw new Error('unexpected');
  }

  @Post('/boom-stored')
  @idempotencyKey({ storeOnStatuses: [200, 500] })
  boomStored() {
    count('boomStored');
    throw new Error('unexpected');
  }

  @Post('/payment-required')
  @idempotencyKey()
  paymentRequired() {
    count('paymentRequired');
    throw new HttpError(402, 'pay first');
  }

  @Post('/payment-required-stored')
  @idempotencyKey({ storeOnStatuses: [200, 402] })
  paymentRequiredStored() {
    count('paymentRequiredStored');
    throw new HttpError(402, 'pay first');
  }

  @Post('/authorized')
  @Authorized()
  @idempotencyKey()
  authorized() {
    return { run: count('authorized') };
  }

  @Post('/validated')
  @idempotencyKey()
  validated(@BodyParam('amount', { required: true }) amount: number) {
    return { run: count('validated'), amount };
  }

  @Post('/too-many')
  @idempotencyKey()
  tooMany() {
    count('tooMany');
    throw new HttpError(429, 'slow down');
  }

  @Post('/big')
  @idempotencyKey({ maxBodyBytes: 64 })
  big() {
    return { run: count('big'), body: bigBody };
  }

  @Post('/headers')
  @Header('ETag', '"v1"')
  @Header('X-Request-Id', 'req-1')
  @idempotencyKey()
  headers(@Res() res: { setHeader(name: string, value: string): void; res?: { setHeader(name: string, value: string): void } }) {
    (res.res ?? res).setHeader('Set-Cookie', 'session=abc');
    return { run: count('headers') };
  }

  @Post('/authenticated-only')
  @idempotencyKey({ anonymous: 'reject' })
  authenticatedOnly() {
    return { run: count('authenticatedOnly') };
  }
}

const KEY = 'idempotency-key';

function post(
  server: TestServer,
  path: string,
  key: string | string[] | undefined,
  body: unknown = { amount: 1 },
  headers: Record<string, string> = {},
) {
  return server.send(path, { method: 'POST', body, headers: key === undefined ? headers : { ...headers, [KEY]: key } });
}

function expectProblem(response: TestResponse, status: number, name: string): void {
  expect(response.status).to.equal(status);
  expect(response.headers['content-type']).to.equal('application/problem+json; charset=utf-8');
  const problem = response.json<{ type: string; status: number; title: string; detail: string }>();
  expect(problem.type).to.equal(IDEMPOTENCY_PROBLEM_BASE + name);
  expect(problem.status).to.equal(status);
  expect(problem.title).to.be.a('string');
}

for (const driver of DRIVERS) {
  describe(`@idempotencyKey (${driver})`, () => {
    let server: TestServer;
    let written: unknown[];

    before(async () => {
      server = await startServer(driver, { controllers: [OrdersController], currentUserChecker, authorizationChecker });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      written = [];
      configureExtensions({ caches: { records: recordingStorage(new MemoryStorage(), written) }, idempotency: { cache: 'records' } });
      resetRuns();
    });

    it('executes a new key once and answers without Idempotent-Replayed', async () => {
      const first = await post(server, '/i/orders', 'k1');

      expect(first.status).to.equal(201);
      expect(first.json()).to.deep.equal({ run: 1, body: { amount: 1 } });
      expect(first.headers['idempotent-replayed']).to.equal(undefined);
      expect(runs.create).to.equal(1);
    });

    it('replays status, exact bytes, Content-Type and Location to the same key and body', async () => {
      const first = await post(server, '/i/orders', 'k1');
      const second = await post(server, '/i/orders', 'k1');

      expect(runs.create).to.equal(1);
      expect(second.status).to.equal(201);
      expect(second.body.equals(first.body)).to.equal(true);
      expect(second.headers['content-type']).to.equal(first.headers['content-type']);
      expect(second.headers.location).to.equal('/i/orders/42');
      expect(second.headers['idempotent-replayed']).to.equal('true');
    });

    it('answers 422 to the same key with another body, and still replays the original body', async () => {
      await post(server, '/i/orders', 'k1', { amount: 1 });
      const other = await post(server, '/i/orders', 'k1', { amount: 2 });
      const again = await post(server, '/i/orders', 'k1', { amount: 1 });

      expectProblem(other, 422, 'key-reused');
      expect(again.status).to.equal(201);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      expect(runs.create).to.equal(1);
    });

    it('answers 422 to the same key on another path or method', async () => {
      await post(server, '/i/orders', 'k1');
      const otherPath = await post(server, '/i/other', 'k1');
      const otherMethod = await server.send('/i/orders', { method: 'PUT', body: { amount: 1 }, headers: { [KEY]: 'k1' } });

      expectProblem(otherPath, 422, 'key-reused');
      expectProblem(otherMethod, 422, 'key-reused');
      expect(runs.other).to.equal(undefined);
      expect(runs.replace).to.equal(undefined);
    });

    it('replays a body with reordered keys and other whitespace', async () => {
      await post(server, '/i/orders', 'k1', '{"a":1,"b":[1,2]}', { 'content-type': 'application/json' });
      const second = await post(server, '/i/orders', 'k1', '{ "b" : [1, 2],\n "a": 1 }', { 'content-type': 'application/json' });

      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(runs.create).to.equal(1);
    });

    it('replays a query in another order', async () => {
      await post(server, '/i/orders?a=1&b=2', 'k1');
      const second = await post(server, '/i/orders?b=2&a=1', 'k1');

      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(runs.create).to.equal(1);
    });

    it('answers 400 missing-key without the header, runs nothing and stores nothing', async () => {
      const response = await post(server, '/i/orders', undefined);

      expectProblem(response, 400, 'missing-key');
      expect(runs.create).to.equal(undefined);
      expect(written).to.have.length(0);
    });

    it('runs an optional route without a key every time and stores nothing', async () => {
      await post(server, '/i/optional', undefined);
      const second = await post(server, '/i/optional', undefined);

      expect(second.json()).to.deep.equal({ run: 2 });
      expect(written).to.have.length(0);
    });

    for (const [label, value] of [
      ['an empty quoted key', '""'],
      ['a 256-character key', 'k'.repeat(256)],
      ['a control character', '"a\tb"'],
      ['an unterminated quote', '"abc'],
      ['a bare key with a comma', 'a,b'],
    ] as const) {
      it(`answers 400 invalid-key to ${label}`, async () => {
        const response = await post(server, '/i/orders', value);

        expectProblem(response, 400, 'invalid-key');
        expect(runs.create).to.equal(undefined);
      });
    }

    it('accepts a key of exactly 255 characters', async () => {
      const response = await post(server, '/i/orders', 'k'.repeat(255));

      expect(response.status).to.equal(201);
    });

    it('treats "abc" and abc as the same key', async () => {
      await post(server, '/i/orders', '"abc"');
      const second = await post(server, '/i/orders', 'abc');

      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(runs.create).to.equal(1);
    });

    it('answers 400 to a bare key in strict mode and accepts the quoted form', async () => {
      const bare = await post(server, '/i/strict', 'abc');
      const quoted = await post(server, '/i/strict', '"abc"');

      expectProblem(bare, 400, 'invalid-key');
      expect(quoted.status).to.equal(200);
    });

    it('answers 400 to two Idempotency-Key field lines', async () => {
      const response = await post(server, '/i/orders', ['a', 'b']);

      expectProblem(response, 400, 'invalid-key');
      expect(runs.create).to.equal(undefined);
    });

    it('ignores sf-string parameters', async () => {
      await post(server, '/i/orders', '"abc";foo=1');
      const second = await post(server, '/i/orders', 'abc');

      expect(second.headers['idempotent-replayed']).to.equal('true');
    });

    it('ignores the key on a GET and runs it every time', async () => {
      await server.send('/i/orders', { headers: { [KEY]: 'k1' } });
      const second = await server.send('/i/orders', { headers: { [KEY]: 'k1' } });

      expect(second.json()).to.deep.equal({ run: 2 });
      expect(second.headers['idempotent-replayed']).to.equal(undefined);
    });

    it('runs a manual action on a duplicate and hands it the stored response', async () => {
      const first = await post(server, '/i/manual', 'k1');
      const second = await post(server, '/i/manual', 'k1');

      expect(first.json()).to.deep.equal({ run: 1, exists: false, key: 'k1', previous: null });
      expect(second.json()).to.deep.equal({
        run: 2,
        exists: true,
        key: 'k1',
        previous: { run: 1, exists: false, key: 'k1', previous: null },
      });
      expect(second.headers['idempotent-replayed']).to.equal(undefined);
    });

    it('replays with conflictStatusCode and the original body', async () => {
      const first = await post(server, '/i/conflict-status', 'k1');
      const second = await post(server, '/i/conflict-status', 'k1');

      expect(first.status).to.equal(201);
      expect(second.status).to.equal(409);
      expect(second.body.equals(first.body)).to.equal(true);
    });

    it('replays @OnUndefined(204) as 204 with an empty body', async () => {
      await post(server, '/i/empty', 'k1');
      const second = await post(server, '/i/empty', 'k1');

      expect(second.status).to.equal(204);
      expect(second.body.length).to.equal(0);
      expect(runs.empty).to.equal(1);
    });

    it('replays a binary body byte for byte', async () => {
      const first = await post(server, '/i/bytes', 'k1');
      const second = await post(server, '/i/bytes', 'k1');

      expect([...second.body]).to.deep.equal([0, 255, 1, 254, 1]);
      expect(second.body.equals(first.body)).to.equal(true);
      expect(second.headers['content-type']).to.equal(first.headers['content-type']);
    });

    it('keeps users apart: the same key and body runs once per user', async () => {
      const alice = await post(server, '/i/orders', 'k1', { amount: 1 }, { authorization: 'Bearer alice-t1' });
      const bob = await post(server, '/i/orders', 'k1', { amount: 1 }, { authorization: 'Bearer bob-t1' });

      expect(alice.json()).to.deep.include({ run: 1 });
      expect(bob.json()).to.deep.include({ run: 2 });
      expect(bob.headers['idempotent-replayed']).to.equal(undefined);
    });

    it('replays to the same user after a token refresh', async () => {
      await post(server, '/i/orders', 'k1', { amount: 1 }, { authorization: 'Bearer alice-t1' });
      const refreshed = await post(server, '/i/orders', 'k1', { amount: 1 }, { authorization: 'Bearer alice-t2' });

      expect(refreshed.headers['idempotent-replayed']).to.equal('true');
      expect(runs.create).to.equal(1);
    });

    it('answers 400 scope-required to an anonymous request with anonymous: reject', async () => {
      const anonymous = await post(server, '/i/authenticated-only', 'k1');
      const alice = await post(server, '/i/authenticated-only', 'k1', { amount: 1 }, { authorization: 'Bearer alice-t1' });

      expectProblem(anonymous, 400, 'scope-required');
      expect(alice.status).to.equal(200);
    });

    it('keeps keys apart whose parts only differ in where a colon sits', async () => {
      await post(server, '/i/orders', 'a:b', { amount: 1 }, { authorization: 'Bearer c-t' });
      const shifted = await post(server, '/i/orders', 'a', { amount: 1 }, { authorization: 'Bearer b:c-t' });

      expect(shifted.headers['idempotent-replayed']).to.equal(undefined);
      expect(runs.create).to.equal(2);
    });

    it('stores no raw key or credential, and the request body only where the response itself echoes it', async () => {
      const secrets = ['client-key-123', 'token789', 'cookie000', 'body-secret-456'];
      await post(
        server,
        '/i/orders',
        'client-key-123',
        { secret: 'body-secret-456' },
        { authorization: 'Bearer alice-token789', cookie: 'sid=cookie000' },
      );
      const records = written as Array<{ fp: string; state: string; response?: { body: string } }>;
      const claim = records.find((record) => record.state === 'in_flight');
      const completed = records.find((record) => record.state === 'completed');
      const { response, ...bookkeeping } = completed!;

      for (const secret of secrets) expect(JSON.stringify(claim)).not.to.include(secret);
      for (const secret of secrets) expect(JSON.stringify(bookkeeping)).not.to.include(secret);
      // The action answers with the body it received: that answer is what a retry must get.
      expect(Buffer.from(response!.body, 'base64').toString()).to.include('body-secret-456');
      expect(claim!.fp).to.match(/^[0-9a-f]{64}$/);
    });

    it('never echoes the raw key in problem details', async () => {
      const key = 'client-key-abc123';
      const bigKey = `${key}-big`;
      bigBody = 'y'.repeat(200);
      await post(server, '/i/orders', key, { amount: 1 });
      await post(server, '/i/big', bigKey);
      const problems = [
        await post(server, '/i/orders', key, { amount: 2 }),
        await post(server, '/i/big', bigKey),
        await post(server, '/i/orders', `${key}${'z'.repeat(255)}`),
        await post(server, '/i/orders', `"${key}`),
      ];

      expect(problems.map((response) => response.status)).to.deep.equal([422, 409, 400, 400]);
      for (const response of problems) {
        expect(response.json<{ detail: string }>().detail).to.be.a('string').and.not.include(key);
        expect(response.text).not.to.include(key);
      }
    });

    it('replays ETag and Location but never Set-Cookie or X-Request-Id', async () => {
      const first = await post(server, '/i/headers', 'k1');
      const second = await post(server, '/i/headers', 'k1');

      expect(first.headers['set-cookie']).to.deep.equal(['session=abc']);
      expect(second.headers['set-cookie']).to.equal(undefined);
      expect(second.headers['x-request-id']).to.equal(undefined);
      expect(second.headers.etag).to.equal('"v1"');
      expect(runs.headers).to.equal(1);
    });

    it('releases the key after an unexpected error: the retry runs again and 500 is never replayed', async () => {
      const first = await post(server, '/i/boom', 'k1');
      const second = await post(server, '/i/boom', 'k1');

      expect([first.status, second.status]).to.deep.equal([500, 500]);
      expect(second.headers['idempotent-replayed']).to.equal(undefined);
      expect(runs.boom).to.equal(2);
    });

    it('replays a 500 when storeOnStatuses includes it', async () => {
      const first = await post(server, '/i/boom-stored', 'k1');
      const second = await post(server, '/i/boom-stored', 'k1');

      expect(second.status).to.equal(500);
      expect(second.body.equals(first.body)).to.equal(true);
      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(runs.boomStored).to.equal(1);
    });

    it('releases a 402 by default and replays it when storeOnStatuses includes it', async () => {
      await post(server, '/i/payment-required', 'k1');
      const released = await post(server, '/i/payment-required', 'k1');
      await post(server, '/i/payment-required-stored', 'k2');
      const replayed = await post(server, '/i/payment-required-stored', 'k2');

      expect(released.status).to.equal(402);
      expect(runs.paymentRequired).to.equal(2);
      expect(replayed.status).to.equal(402);
      expect(replayed.headers['idempotent-replayed']).to.equal('true');
      expect(runs.paymentRequiredStored).to.equal(1);
    });

    it('stores nothing for a request the authorizationChecker rejects; the same key runs once allowed', async () => {
      const rejected = await post(server, '/i/authorized', 'k1');
      const allowed = await post(server, '/i/authorized', 'k1', { amount: 1 }, { 'x-allow': 'yes' });

      expect(rejected.status).to.be.oneOf([401, 403]);
      expect(allowed.status).to.equal(200);
      expect(allowed.headers['idempotent-replayed']).to.equal(undefined);
      expect(runs.authorized).to.equal(1);
    });

    it('stores nothing for a request failing parameter validation; the corrected body runs with the same key', async () => {
      const invalid = await post(server, '/i/validated', 'k1', { other: 1 });
      const corrected = await post(server, '/i/validated', 'k1', { amount: 5 });

      expect(invalid.status).to.equal(400);
      expect(corrected.status).to.equal(200);
      expect(corrected.json()).to.deep.equal({ run: 1, amount: 5 });
    });

    it('releases a 429 so the retry runs again', async () => {
      await post(server, '/i/too-many', 'k1');
      const second = await post(server, '/i/too-many', 'k1');

      expect(second.status).to.equal(429);
      expect(runs.tooMany).to.equal(2);
    });

    it('delivers a response over maxBodyBytes, then answers 409 replay-unavailable without running again', async () => {
      bigBody = 'y'.repeat(200);
      const first = await post(server, '/i/big', 'k1');
      const second = await post(server, '/i/big', 'k1');

      expect(first.json()).to.deep.equal({ run: 1, body: bigBody });
      expectProblem(second, 409, 'replay-unavailable');
      expect(second.headers['retry-after']).to.equal(undefined);
      expect(runs.big).to.equal(1);
    });

    it('sends the same problem bytes on every driver', async () => {
      const response = await post(server, '/i/orders', undefined);

      expect(response.text).to.equal(
        JSON.stringify({
          type: `${IDEMPOTENCY_PROBLEM_BASE}missing-key`,
          title: 'Idempotency key required',
          status: 400,
          detail: 'POST /i/orders requires the Idempotency-Key header',
        }),
      );
    });
  });
}

describe('idempotency decorators', () => {
  it('fails at startup when an action is both exempt and keyed, in either order', () => {
    const exemptThenKeyed = () => {
      class Both {
        @idempotencyKey()
        @idempotencyKeyExempt()
        create() {}
      }
      return Both;
    };
    const keyedThenManual = () => {
      class Both {
        @idempotencyKeyManual()
        @idempotencyKey()
        create() {}
      }
      return Both;
    };

    expect(exemptThenKeyed).to.throw(ConflictingDecoratorsError, /@idempotencyKey: Both\.create already has @idempotencyKeyExempt/);
    expect(keyedThenManual).to.throw(ConflictingDecoratorsError, /@idempotencyKeyManual: Both\.create already has @idempotencyKey/);
  });

  for (const [options, pattern] of [
    [{ ttl: -1 }, /@idempotencyKey on Probe\.method: option ttl must be a positive number of milliseconds, got -1/],
    [{ inFlight: 'queue' }, /@idempotencyKey on Probe\.method: option inFlight must be 'wait', 'conflict' or 'locked', got "queue"/],
    [{ header: 'bad header' }, /option header must be a header field name, got "bad header"/],
    [{ storeOnStatuses: [200, 99] }, /option storeOnStatuses/],
    [{ conflictStatusCode: '409' }, /option conflictStatusCode/],
    [{ fingerprint: 42 }, /option fingerprint/],
    [{ lock: 7 }, /option lock/],
    [{ ttls: 1 }, /option ttls/],
  ] as const) {
    it(`rejects ${JSON.stringify(options)} when the decorator is applied`, () => {
      expect(() => decorate(idempotencyKey(options as never))).to.throw(InvalidOptionError, pattern);
    });
  }

  it('rejects bad idempotency settings in configureExtensions', () => {
    expect(() => configureExtensions({ idempotency: { maxWaitMs: 0 } })).to.throw(
      InvalidOptionError,
      /configureExtensions: idempotency: option maxWaitMs/,
    );
    resetExtensions();
  });
});
