import { expect } from 'chai';
import {
  Body,
  ContentType,
  Controller,
  JsonController,
  Get,
  Header,
  HttpCode,
  NotFoundError,
  OnUndefined,
  Param,
  Post,
  QueryParam,
  Redirect,
  Req,
  Res,
} from 'routing-controllers';
import { until } from '../helpers/latch';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import type { TestResponse } from '../helpers/http';
import { probe, type ProbeState } from '../fixtures/probeStep';

function newProbe(): ProbeState {
  return { ran: [], passed: 0 };
}

/** The same controller twice: once bare, once with a probe step on every action. */
function makeEchoController(prefix: string, state?: ProbeState) {
  const hook: MethodDecorator = state ? probe(state) : () => undefined;

  @JsonController(prefix)
  class EchoController {
    @Get('/items/:id')
    @hook
    item(@Param('id') id: string, @QueryParam('q') q: string, @Req() req: { method: string }) {
      return { id, q, method: req.method };
    }

    @Post('/items')
    @HttpCode(201)
    @hook
    create(@Body() body: object) {
      return { created: body };
    }

    @Get('/nothing')
    @OnUndefined(204)
    @hook
    nothing() {
      return undefined;
    }

    @Get('/undefined')
    @hook
    notFoundByUndefined() {
      return undefined;
    }

    @Get('/missing')
    @hook
    async missing() {
      await Promise.resolve();
      throw new NotFoundError('no such item');
    }

    @Get('/bytes')
    @ContentType('application/octet-stream')
    @hook
    bytes() {
      return Buffer.from([0, 1, 2, 255, 254]);
    }

    @Get('/header')
    @Header('X-Custom', 'yes')
    @ContentType('text/plain')
    @hook
    header() {
      return 'plain text';
    }

    @Get('/through-res')
    @hook
    throughRes(@Res() res: { set(name: string, value: string): void }) {
      res.set('X-Res', 'set-through-res');
      return { ok: true };
    }

    @Get('/redirect')
    @Redirect('/somewhere-else')
    @hook
    redirect() {
      return undefined;
    }
  }
  return EchoController;
}

const COMPARED_PATHS: Array<[string, { method?: string; body?: unknown }]> = [
  ['/items/7?q=books', {}],
  ['/items', { method: 'POST', body: { name: 'Ada', tags: ['x', 'y'] } }],
  ['/nothing', {}],
  ['/undefined', {}],
  ['/missing', {}],
  ['/bytes', {}],
  ['/header', {}],
  ['/through-res', {}],
  ['/redirect', {}],
  ['/items/7?q=books', { method: 'HEAD' }],
];

function comparable(response: TestResponse) {
  const { date, etag, ...headers } = response.headers;
  return { status: response.status, headers, body: response.body.toString('base64'), hasDate: !!date, hasEtag: !!etag };
}

for (const driver of DRIVERS) {
  describe(`action hook (${driver})`, () => {
    const state = newProbe();
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, {
        controllers: [makeEchoController('/plain'), makeEchoController('/hooked', state)],
      });
    });
    after(() => server.close());

    for (const [path, options] of COMPARED_PATHS) {
      it(`answers ${options.method ?? 'GET'} ${path} exactly as the bare action does`, async () => {
        const passedBefore = state.passed;
        const bare = await server.send(`/plain${path}`, options);
        const hooked = await server.send(`/hooked${path}`, options);

        expect(comparable(hooked)).to.deep.equal(comparable(bare));
        expect(state.passed).to.equal(passedBefore + 1);
      });
    }

    it('passes @Param, @QueryParam, @Req and @Body to the action in their places', async () => {
      const item = await server.send('/hooked/items/42?q=x%20y');
      const created = await server.send('/hooked/items', { method: 'POST', body: { a: 1 } });

      expect(item.json()).to.deep.equal({ id: '42', q: 'x y', method: 'GET' });
      expect(created.status).to.equal(201);
      expect(created.json()).to.deep.equal({ created: { a: 1 } });
    });
  });

  describe(`action hook short-circuit (${driver})`, () => {
    it('replays a captured response byte for byte without running the action again', async () => {
      const state: ProbeState = { ...newProbe(), replay: true };
      const server = await startServer(driver, { controllers: [makeEchoController('/replayed', state)] });
      try {
        for (const path of ['/items/9?q=a', '/bytes', '/header', '/nothing']) {
          state.recorded = undefined;
          const passedBefore = state.passed;
          const first = await server.send(`/replayed${path}`);
          await until(() => state.recorded !== undefined, `the response of ${path} was captured`);
          const second = await server.send(`/replayed${path}`);

          expect(state.passed, path).to.equal(passedBefore + 1);
          expect(second.status, path).to.equal(first.status);
          expect(second.body.equals(first.body), path).to.equal(true);
          expect(comparable(second).headers, path).to.deep.equal(comparable(first).headers);
        }
      } finally {
        await server.close();
      }
    });
  });

  describe(`action hook step order (${driver})`, () => {
    it('runs preconditions, idempotency, cache steps in that order whatever the decorator order', async () => {
      const state = newProbe();

      @Controller('/ordered')
      class OrderedController {
        @Get('/a')
        @probe(state, 'cache', 'cache')
        @probe(state, 'idempotency', 'idempotency')
        @probe(state, 'preconditions', 'preconditions')
        a() {
          state.ran.push('action');
          return 'a';
        }

        @Get('/b')
        @probe(state, 'preconditions', 'preconditions')
        @probe(state, 'cache', 'cache')
        @probe(state, 'idempotency', 'idempotency')
        b() {
          state.ran.push('action');
          return 'b';
        }
      }
      const server = await startServer(driver, { controllers: [OrderedController] });
      try {
        await server.send('/ordered/a');
        await server.send('/ordered/b');
      } finally {
        await server.close();
      }

      const once = ['preconditions', 'idempotency', 'cache', 'action'];
      expect(state.ran).to.deep.equal([...once, ...once]);
    });

    it('calls the original method unchanged when invoked directly, without routing-controllers', () => {
      const state = newProbe();
      class Direct {
        @probe(state)
        add(a: number, b: number) {
          return a + b;
        }
      }

      expect(new Direct().add(2, 3)).to.equal(5);
      expect(state.ran).to.deep.equal([]);
    });
  });
}
