import { expect } from 'chai';
import fc from 'fast-check';
import { Body, HttpCode, JsonController, Post } from 'routing-controllers';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

@JsonController('/bw')
class DeepController {
  @Post('/plain')
  @HttpCode(201)
  plain(@Body() body: unknown) {
    return { received: typeof body };
  }

  @Post('/keyed')
  @HttpCode(201)
  @idempotencyKey()
  keyed(@Body() body: unknown) {
    return { received: typeof body };
  }

  @Post('/keyed-no-body-param')
  @HttpCode(201)
  @idempotencyKey()
  keyedWithoutBody() {
    return { received: 'nothing' };
  }
}

/** A JSON text of `depth` nested containers around `width` numbers, as a client could send it. */
function nestedJson(depth: number, width: number, shape: 'arrays' | 'objects' | 'mixed'): string {
  const leaf = `[${Array.from({ length: width }, (_, index) => index).join(',')}]`;
  let open = '';
  let close = '';
  for (let level = 0; level < depth; level += 1) {
    const asObject = shape === 'objects' || (shape === 'mixed' && level % 2 === 1);
    open += asObject ? `{"k${level % 7}":` : '[';
    close = (asObject ? '}' : ']') + close;
  }
  return open + leaf + close;
}

const bodies = fc.record({
  depth: fc.integer({ min: 0, max: 6_000 }),
  width: fc.integer({ min: 0, max: 2_000 }),
  shape: fc.constantFrom('arrays' as const, 'objects' as const, 'mixed' as const),
});

for (const driver of DRIVERS) {
  describe(`@idempotencyKey on deep and large request bodies (${driver})`, () => {
    let server: TestServer;
    let sequence = 0;

    before(async () => {
      server = await startServer(driver, { controllers: [DeepController] });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { records: new MemoryStorage({ maxBytes: 256 * 1024 * 1024 }) }, idempotency: { cache: 'records' } });
    });

    const send = (path: string, body: string, key?: string) =>
      server.send(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
        body,
      });

    it('answers a body nested 3 000 deep like an undecorated route, and replays it', async () => {
      const body = nestedJson(3_000, 1, 'arrays');
      const plain = await send('/bw/plain', body);
      const first = await send('/bw/keyed', body, 'deep-1');
      const retry = await send('/bw/keyed', body, 'deep-1');

      expect(plain.status).to.equal(201);
      expect(first.status).to.equal(201);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
    });

    it('never answers 500 to any depth and size, with or without a @Body parameter, where an undecorated route does not', async function () {
      this.timeout(120_000);
      await fc.assert(
        fc.asyncProperty(bodies, async ({ depth, width, shape }) => {
          const body = nestedJson(depth, width, shape);
          sequence += 1;
          const plain = await send('/bw/plain', body);
          const keyed = await send('/bw/keyed', body, `fuzz-${sequence}`);
          const withoutParam = await send('/bw/keyed-no-body-param', body, `fuzz-bare-${sequence}`);

          expect(keyed.status, keyed.text).to.equal(plain.status);
          expect(withoutParam.status, withoutParam.text).to.be.oneOf([201, 413]);
          expect([plain.status, keyed.status, withoutParam.status]).not.to.include(500);
        }),
        { numRuns: 40 },
      );
    });
  });
}
