import { expect } from 'chai';
import { Body, JsonController, Param, Put } from 'routing-controllers';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { etag } from '../../src/etag/etag';
import { idempotencyKey, idempotencyKeyManual } from '../../src/idempotency/idempotencyDecorators';
import { IDEMPOTENCY_PROBLEM_BASE } from '../../src/idempotency/idempotencyProblems';
import type { KeyBitContext } from '../../src/keys/KeyBit';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { count, resetRuns, runs } from './fixtures';

const documents = new Map<string, { version: number; text: string }>();

function versionOf({ request }: KeyBitContext): string | null {
  const document = documents.get(request.params.id);
  return document ? `v${document.version}` : null;
}

@JsonController('/cr')
class DocumentController {
  @Put('/docs/:id')
  @idempotencyKey()
  @etag({ etagFunc: versionOf, rebuildAfterMethodEvaluation: true })
  replace(@Param('id') id: string, @Body() body: { text: string }) {
    count('replace');
    const document = documents.get(id)!;
    documents.set(id, { version: document.version + 1, text: body.text });
    return documents.get(id);
  }

  @Put('/guarded/:id')
  @etag(versionOf, { requirePrecondition: true })
  @idempotencyKey()
  guarded(@Param('id') id: string, @Body() body: { text: string }) {
    count('guarded');
    const document = documents.get(id)!;
    documents.set(id, { version: document.version + 1, text: body.text });
    return documents.get(id);
  }

  @Put('/manual/:id')
  @etag(versionOf)
  @idempotencyKeyManual()
  manual(@Param('id') id: string, @Body() body: { text: string }) {
    count('manual');
    const document = documents.get(id)!;
    documents.set(id, { version: document.version + 1, text: body.text });
    return documents.get(id);
  }
}

const put = (server: TestServer, path: string, headers: Record<string, string>, text = 'new text') =>
  server.send(path, { method: 'PUT', headers, body: { text } });

for (const driver of DRIVERS) {
  describe(`@idempotencyKey with @etag: a retried conditional write (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, { controllers: [DocumentController] });
    });
    after(() => server.close());
    beforeEach(() => {
      resetExtensions();
      configureExtensions({ caches: { records: new MemoryStorage() }, idempotency: { cache: 'records' } });
      resetRuns();
      documents.clear();
      documents.set('d1', { version: 1, text: 'old text' });
    });

    it('replays the first response to a retry carrying the If-Match the write itself made stale', async () => {
      const first = await put(server, '/cr/docs/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' });
      const retry = await put(server, '/cr/docs/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' });

      expect(first.status).to.equal(200);
      expect(first.headers.etag).to.equal('"v2"');
      expect(retry.status).to.equal(200);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(retry.headers.etag).to.equal('"v2"');
      expect(retry.text).to.equal(first.text);
      expect(runs.replace).to.equal(1);
    });

    it('still answers 412 to a new request with that stale If-Match, and runs nothing', async () => {
      await put(server, '/cr/docs/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' });
      const other = await put(server, '/cr/docs/d1', { 'if-match': '"v1"', 'idempotency-key': 'k2' });

      expect(other.status).to.equal(412);
      expect(runs.replace).to.equal(1);
    });

    it('answers 412, not 422, to the key reused with another body and a stale If-Match', async () => {
      await put(server, '/cr/docs/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' });
      const reused = await put(server, '/cr/docs/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' }, 'other text');

      expect(reused.status).to.equal(412);
      expect(runs.replace).to.equal(1);
    });

    it('answers 428 before 400 to an unconditional write without a key on a route requiring preconditions', async () => {
      const unconditional = await put(server, '/cr/guarded/d1', {});
      const conditional = await put(server, '/cr/guarded/d1', { 'if-match': '"v1"' });

      expect(unconditional.status).to.equal(428);
      expect(conditional.status).to.equal(400);
      expect(conditional.json<{ type: string }>().type).to.equal(`${IDEMPOTENCY_PROBLEM_BASE}missing-key`);
      expect(runs.guarded).to.equal(undefined);
    });

    it('replays a retried conditional write on a route requiring preconditions', async () => {
      const first = await put(server, '/cr/guarded/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' });
      const retry = await put(server, '/cr/guarded/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' });

      expect(first.status).to.equal(200);
      expect(retry.headers['idempotent-replayed']).to.equal('true');
      expect(runs.guarded).to.equal(1);
    });

    it('keeps the preconditions in front of a manual action, which decides on duplicates itself', async () => {
      await put(server, '/cr/manual/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' });
      const retry = await put(server, '/cr/manual/d1', { 'if-match': '"v1"', 'idempotency-key': 'k1' });

      expect(retry.status).to.equal(412);
      expect(runs.manual).to.equal(1);
    });
  });
}
