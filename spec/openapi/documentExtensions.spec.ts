import { expect } from 'chai';
import { Body, Get, getMetadataArgsStorage, HttpCode, JsonController, Param, Post, Put } from 'routing-controllers';
import type { MetadataArgsStorage } from 'routing-controllers/types/metadata-builder/MetadataArgsStorage';
import { routingControllersToSpec } from 'routing-controllers-openapi';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { etag } from '../../src/etag/etag';
import { idempotencyKey, idempotencyKeyExempt } from '../../src/idempotency/idempotencyDecorators';
import { IDEMPOTENCY_PROBLEM_BASE } from '../../src/idempotency/idempotencyProblems';
import { IdempotencyKeyMiddleware } from '../../src/idempotency/idempotencyMiddlewares';
import { documentExtensions } from '../../src/openapi/documentExtensions';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

let version = 1;

@JsonController('/docs/cities')
class DocsCityController {
  @Get('/')
  list() {
    return [];
  }

  @Get('/:id')
  @etag(() => `v${version}`)
  @cacheResponse(60_000)
  one(@Param('id') id: string) {
    return { id, version };
  }

  @Put('/:id')
  @etag({ etagFunc: () => `v${version}`, requirePrecondition: true })
  update(@Param('id') id: string, @Body() city: object) {
    version++;
    return { id, ...city };
  }
}

@JsonController('/docs/orders')
class DocsOrderController {
  @Post('/')
  @HttpCode(201)
  @idempotencyKey()
  create(@Body() order: object) {
    return order;
  }

  @Post('/drafts')
  @idempotencyKey({ optional: true, fingerprint: false, inFlight: 'locked' })
  draft() {
    return {};
  }

  @Post('/search')
  search() {
    return [];
  }

  @Post('/exempt')
  @idempotencyKeyExempt()
  exempt() {
    return {};
  }
}

const CONTROLLERS: Function[] = [DocsCityController, DocsOrderController];

/**
 * routing-controllers' metadata narrowed to this file's controllers: routing-controllers-openapi
 * documents every action it holds, and the other suites' abstract base classes (actions of a
 * class without `@Controller`) make it throw.
 */
function storageOf(controllers: readonly Function[]): MetadataArgsStorage {
  const storage = getMetadataArgsStorage();
  return Object.assign(Object.create(storage) as MetadataArgsStorage, {
    controllers: storage.controllers.filter((controller) => controllers.includes(controller.target)),
    actions: storage.actions.filter((action) => controllers.includes(action.target)),
  });
}

type Parameter = { in: string; name: string; required?: boolean };
type Response = {
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: { $ref?: string }; examples?: Record<string, { value: { type: string } }> }>;
};
type Operation = { parameters?: Parameter[]; responses: Record<string, Response> };
type Spec = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const generate = () => routingControllersToSpec(storageOf(CONTROLLERS), { routePrefix: '/api' }) as unknown as Spec;
const header = (operation: Operation, name: string) => operation.parameters?.find((p) => p.in === 'header' && p.name === name);
const statuses = (operation: Operation) => Object.keys(operation.responses).sort();
const problemTypes = (response: Response) =>
  Object.values(response.content?.['application/problem+json']?.examples ?? {}).map((example) => example.value.type);

describe('documentExtensions on the spec routing-controllers-openapi generates', () => {
  beforeEach(() => resetExtensions());
  after(() => resetExtensions());

  it('documents If-None-Match, 304, 412 and the ETag and Cache-Status headers of a cached @etag GET', () => {
    const spec = documentExtensions(generate(), { routePrefix: '/api' });
    const get = spec.paths['/api/docs/cities/{id}'].get;

    expect(header(get, 'If-None-Match')).to.include({ required: false });
    expect(header(get, 'If-Match')).to.include({ required: false });
    expect(statuses(get)).to.deep.equal(['200', '304', '412', '431']);
    expect(get.responses['200'].headers).to.have.keys('ETag', 'Cache-Status', 'Age');
    expect(get.responses['412'].content?.['application/problem+json'].schema).to.deep.equal({
      $ref: '#/components/schemas/ProblemDetails',
    });
    expect(spec.components.schemas.ProblemDetails).to.include({ type: 'object' });
  });

  it('makes If-Match required and documents 428 where @etag requires a precondition', () => {
    const spec = documentExtensions(generate(), { routePrefix: '/api' });
    const put = spec.paths['/api/docs/cities/{id}'].put;

    expect(header(put, 'If-Match')).to.include({ required: true });
    expect(statuses(put)).to.deep.equal(['200', '412', '428', '431']);
  });

  it('documents a required Idempotency-Key and the 400, 409, 422 and 503 problems with their type URIs', () => {
    const spec = documentExtensions(generate(), { routePrefix: '/api' });
    const post = spec.paths['/api/docs/orders/'].post;

    expect(header(post, 'Idempotency-Key')).to.include({ required: true });
    expect(statuses(post)).to.deep.equal(['201', '400', '409', '422', '503']);
    expect(problemTypes(post.responses['422'])).to.deep.equal([`${IDEMPOTENCY_PROBLEM_BASE}key-reused`]);
    expect(problemTypes(post.responses['400'])).to.have.members([
      `${IDEMPOTENCY_PROBLEM_BASE}missing-key`,
      `${IDEMPOTENCY_PROBLEM_BASE}invalid-key`,
    ]);
    expect(post.responses['503'].headers).to.have.key('Retry-After');
    expect(post.responses['201'].headers).to.have.key('Idempotent-Replayed');
  });

  it('follows the options: an optional key, no fingerprint (no 422), 423 for inFlight locked', () => {
    const spec = documentExtensions(generate(), { routePrefix: '/api' });
    const draft = spec.paths['/api/docs/orders/drafts'].post;

    expect(header(draft, 'Idempotency-Key')).to.include({ required: false });
    expect(statuses(draft)).to.deep.equal(['200', '400', '409', '423', '503']);
    expect(problemTypes(draft.responses['409'])).to.deep.equal([`${IDEMPOTENCY_PROBLEM_BASE}replay-unavailable`]);
  });

  it('names the header the idempotency settings configure', () => {
    configureExtensions({ idempotency: { header: 'X-Request-Key' } });
    const spec = documentExtensions(generate(), { routePrefix: '/api' });

    expect(header(spec.paths['/api/docs/orders/'].post, 'X-Request-Key')).to.include({ required: true });
    expect(header(spec.paths['/api/docs/orders/'].post, 'Idempotency-Key')).to.equal(undefined);
  });

  it('leaves operations without decorators as generated, and the spec it was given unchanged', () => {
    const generated = generate();
    const before = structuredClone(generated);

    const spec = documentExtensions(generated, { routePrefix: '/api' });

    expect(spec.paths['/api/docs/cities/'].get).to.deep.equal(before.paths['/api/docs/cities/'].get);
    expect(spec.paths['/api/docs/orders/search'].post).to.deep.equal(before.paths['/api/docs/orders/search'].post);
    expect(generated).to.deep.equal(before);
  });

  it('documents every unsafe operation as idempotent for an app with IdempotencyKeyMiddleware, except exempt ones', () => {
    const spec = documentExtensions(generate(), { routePrefix: '/api', middlewares: [IdempotencyKeyMiddleware] });

    expect(header(spec.paths['/api/docs/orders/search'].post, 'Idempotency-Key')).to.include({ required: true });
    expect(header(spec.paths['/api/docs/orders/exempt'].post, 'Idempotency-Key')).to.equal(undefined);
    expect(spec.paths['/api/docs/cities/'].get.parameters ?? []).to.deep.equal([]);
  });

  it('finds the operations by operationId when the routePrefix is not given', () => {
    const spec = documentExtensions(generate());

    expect(header(spec.paths['/api/docs/orders/'].post, 'Idempotency-Key')).to.include({ required: true });
    expect(header(spec.paths['/api/docs/cities/{id}'].put, 'If-Match')).to.include({ required: true });
  });

  it('keeps a response the spec documents already', () => {
    const generated = generate();
    generated.paths['/api/docs/cities/{id}'].put.responses['412'] = { content: {}, headers: { 'X-Own': {} } } as Response;

    const spec = documentExtensions(generated, { routePrefix: '/api' });

    expect(spec.paths['/api/docs/cities/{id}'].put.responses['412']).to.deep.equal({ content: {}, headers: { 'X-Own': {} } });
  });

  for (const driver of DRIVERS) {
    describe(`matches what the ${driver} driver answers`, () => {
      let server: TestServer;
      let spec: Spec;

      before(async () => {
        resetExtensions();
        server = await startServer(driver, { controllers: CONTROLLERS, routePrefix: '/api' });
        spec = documentExtensions(generate(), { routePrefix: '/api' });
      });
      after(() => server.close());

      const documented = (path: string, method: string, status: number) =>
        expect(statuses(spec.paths[path][method]), `${method.toUpperCase()} ${path}`).to.include(String(status));

      it('answers only statuses the document lists for the @etag operations', async () => {
        const fresh = await server.send('/api/docs/cities/1');
        const notModified = await server.send('/api/docs/cities/1', { headers: { 'if-none-match': fresh.headers.etag } });
        const failed = await server.send('/api/docs/cities/1', { headers: { 'if-match': '"other"' } });
        const required = await server.send('/api/docs/cities/1', { method: 'PUT', body: { name: 'x' } });
        const mismatch = await server.send('/api/docs/cities/1', { method: 'PUT', headers: { 'if-match': '"v0"' }, body: { name: 'x' } });

        expect([fresh.status, notModified.status, failed.status, required.status, mismatch.status]).to.deep.equal([
          200, 304, 412, 428, 412,
        ]);
        documented('/api/docs/cities/{id}', 'get', notModified.status);
        documented('/api/docs/cities/{id}', 'get', failed.status);
        documented('/api/docs/cities/{id}', 'put', required.status);
        documented('/api/docs/cities/{id}', 'put', mismatch.status);
      });

      it('answers only statuses the document lists for the idempotent operation', async () => {
        const key = { 'idempotency-key': `"docs-${driver}"` };
        const missing = await server.send('/api/docs/orders', { method: 'POST', body: { item: 'tea' } });
        const first = await server.send('/api/docs/orders', { method: 'POST', headers: key, body: { item: 'tea' } });
        const reused = await server.send('/api/docs/orders', { method: 'POST', headers: key, body: { item: 'coffee' } });

        expect([missing.status, first.status, reused.status]).to.deep.equal([400, 201, 422]);
        for (const status of [missing.status, first.status, reused.status]) documented('/api/docs/orders/', 'post', status);
        expect(problemTypes(spec.paths['/api/docs/orders/'].post.responses['422'])).to.include(reused.json<{ type: string }>().type);
      });
    });
  }
});
