import { expect } from 'chai';
import { JsonController, Post, useContainer } from 'routing-controllers';
import { Container, Service } from 'typedi';
import { resetExtensions } from '../../src/configure';
import { idempotencyKeyExempt } from '../../src/idempotency/idempotencyDecorators';
import { ExemptIdempotencyKeyMiddleware, IdempotencyKeyMiddleware } from '../../src/idempotency/idempotencyMiddlewares';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

let created = 0;

@Service()
@JsonController('/container-orders')
class ContainerOrderController {
  @Post('/')
  create() {
    return { run: ++created };
  }

  @Post('/search')
  @idempotencyKeyExempt()
  search() {
    return { searched: true };
  }
}

const CONTAINER_OPTIONS = { 'no options': undefined, '{ fallback: true }': { fallback: true } } as const;

for (const driver of DRIVERS) {
  for (const [label, options] of Object.entries(CONTAINER_OPTIONS)) {
    describe(`useContainer(Container) with ${label} (${driver})`, () => {
      let servers: TestServer[] = [];

      before(() => {
        resetExtensions();
        useContainer(Container, options);
      });
      after(async () => {
        await Promise.all(servers.map((server) => server.close()));
        servers = [];
        // routing-controllers keeps the container process-wide: give the other suites theirs back.
        useContainer(undefined as never);
      });
      beforeEach(() => {
        created = 0;
      });

      it('starts an app with IdempotencyKeyMiddleware, which then protects every unsafe action', async () => {
        const server = await startServer(driver, { controllers: [ContainerOrderController], middlewares: [IdempotencyKeyMiddleware] });
        servers.push(server);

        const unkeyed = await server.send('/container-orders', { method: 'POST' });
        const first = await server.send('/container-orders', {
          method: 'POST',
          headers: { 'idempotency-key': `${driver}-${label.replace(/\W+/g, '')}` },
        });
        const retry = await server.send('/container-orders', {
          method: 'POST',
          headers: { 'idempotency-key': `${driver}-${label.replace(/\W+/g, '')}` },
        });
        const exempt = await server.send('/container-orders/search', { method: 'POST' });

        expect(unkeyed.status).to.equal(400);
        expect(first.json()).to.deep.equal({ run: 1 });
        expect(retry.headers['idempotent-replayed']).to.equal('true');
        expect(exempt.status).to.equal(200);
        expect(created).to.equal(1);
      });

      it('starts an app with ExemptIdempotencyKeyMiddleware, which leaves undecorated actions alone', async () => {
        const server = await startServer(driver, {
          controllers: [ContainerOrderController],
          middlewares: [ExemptIdempotencyKeyMiddleware],
        });
        servers.push(server);

        const unkeyed = await server.send('/container-orders', { method: 'POST' });

        expect(unkeyed.status).to.equal(200);
        expect(created).to.equal(1);
      });
    });
  }
}
