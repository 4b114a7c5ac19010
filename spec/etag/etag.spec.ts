import { expect } from 'chai';
import {
  Authorized,
  Body,
  ContentType,
  Delete,
  Get,
  Header,
  JsonController,
  NotFoundError,
  OnUndefined,
  Param,
  Put,
  type Action,
} from 'routing-controllers';
import { etag } from '../../src/etag/etag';
import { formatHttpDate } from '../../src/etag/httpDate';
import type { KeyBitContext } from '../../src/keys/KeyBit';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
const items = new Map<string, { version: number; name: string }>();

/** The current version of `/items/:id` as a bare tag, or null when the item does not exist. */
function versionOf({ request }: KeyBitContext): string | null {
  const item = items.get(request.params.id);
  return item ? `v${item.version}` : null;
}

const MODIFIED = new Date(Date.UTC(2022, 10, 15, 12, 45, 26, 900));
const MODIFIED_FIELD = 'Tue, 15 Nov 2022 12:45:26 GMT';
const secondsFromModified = (seconds: number) => formatHttpDate(Date.UTC(2022, 10, 15, 12, 45, 26) + seconds * 1000);

/** Headers with one field line per value (Node's types allow a single line for these names). */
const lines = (name: string, ...values: string[]): Record<string, string[]> => ({ [name]: values });

@JsonController('/e')
class ItemController {
  @Get('/items/:id')
  @Header('Cache-Control', 'max-age=60')
  @Header('Vary', 'Accept-Language')
  @etag(versionOf)
  item(@Param('id') id: string) {
    count('item');
    const item = items.get(id);
    if (!item) throw new NotFoundError('no such item');
    return item;
  }

  @Put('/items/:id')
  @etag({ etagFunc: versionOf, rebuildAfterMethodEvaluation: true })
  update(@Param('id') id: string, @Body() body: { name: string }) {
    count('update');
    const item = items.get(id)!;
    items.set(id, { version: item.version + 1, name: body.name });
    return items.get(id);
  }

  @Delete('/items/:id')
  @OnUndefined(204)
  @etag(versionOf)
  remove(@Param('id') id: string) {
    count('remove');
    items.delete(id);
    return undefined;
  }

  @Get('/gone/:id')
  @etag(versionOf)
  gone() {
    count('gone');
    throw new NotFoundError('soft-deleted');
  }

  @Put('/guarded/:id')
  @etag(versionOf, { requirePrecondition: true })
  guarded(@Param('id') id: string) {
    count('guarded');
    return { id };
  }

  @Put('/validated/:id')
  @etag(versionOf)
  validated(@Param('id') id: string, @Body({ required: true }) body: { name: string }) {
    count('validated');
    return { id, body };
  }

  @Get('/weak/:id')
  @etag(versionOf, { weak: true })
  weak(@Param('id') id: string) {
    count('weak');
    return items.get(id);
  }

  @Get('/dated/:id')
  @etag({ etagFunc: versionOf, lastModified: () => MODIFIED })
  dated(@Param('id') id: string) {
    count('dated');
    return items.get(id);
  }

  @Put('/dated/:id')
  @etag({ etagFunc: versionOf, lastModified: () => MODIFIED })
  updateDated(@Param('id') id: string) {
    count('updateDated');
    return { id };
  }

  @Get('/handler-tag')
  @Header('ETag', '"handler"')
  @etag(() => 'ours')
  handlerTag() {
    count('handlerTag');
    return { tagged: 'by the handler' };
  }

  @Get('/bytes')
  @ContentType('application/octet-stream')
  @etag(() => 'bytes-v1')
  bytes() {
    count('bytes');
    return Buffer.from([0, 255, 1, 254]);
  }

  @Get('/protected/:id')
  @Authorized()
  @etag(versionOf)
  protectedItem(@Param('id') id: string) {
    count('protected');
    return items.get(id);
  }
}

function authorizationChecker(action: Action): boolean {
  const header: string | undefined = action.context ? action.context.get('authorization') : action.request.headers.authorization;
  return header === 'Bearer ok';
}

for (const driver of DRIVERS) {
  describe(`@etag (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, { controllers: [ItemController], authorizationChecker });
    });
    after(() => server.close());
    beforeEach(() => {
      for (const name of Object.keys(runs)) delete runs[name];
      items.clear();
      items.set('1', { version: 1, name: 'one' });
    });

    it('sends its strong ETag on a 200 and answers a matching If-None-Match with 304 without running the action', async () => {
      const first = await server.send('/e/items/1');
      const second = await server.send('/e/items/1', { headers: { 'if-none-match': first.headers.etag } });

      expect(first.status).to.equal(200);
      expect(first.headers.etag).to.equal('"v1"');
      expect(second.status).to.equal(304);
      expect(second.body.length).to.equal(0);
      expect(runs.item).to.equal(1);
    });

    it('repeats ETag, Cache-Control and Vary on a 304 and leaves the content headers out', async () => {
      const response = await server.send('/e/items/1', { headers: { 'if-none-match': '"v1"' } });

      expect(response.status).to.equal(304);
      expect(response.headers.etag).to.equal('"v1"');
      expect(response.headers['cache-control']).to.equal('max-age=60');
      expect(response.headers.vary).to.equal('Accept-Language');
      expect(response.headers.date).to.be.a('string');
      expect(response.headers['content-type']).to.equal(undefined);
    });

    for (const [value, status] of [
      ['"v0", "v1"', 304],
      ['"v0",W/"v1"', 304],
      [' , ,"v1", ', 304],
      ['*', 304],
      ['W/"v1"', 304],
      ['"v0"', 200],
      ['"V1"', 200],
      ['v1', 200],
      ['w/"v1"', 200],
      ['"v1', 200],
      ['*, "v1"', 200],
    ] as const) {
      it(`answers If-None-Match: ${value} on a GET with ${status}`, async () => {
        const response = await server.send('/e/items/1', { headers: { 'if-none-match': value } });

        expect(response.status).to.equal(status);
        expect(runs.item ?? 0).to.equal(status === 200 ? 1 : 0);
      });
    }

    it('combines repeated If-None-Match lines', async () => {
      const response = await server.send('/e/items/1', { headers: lines('if-none-match', '"v0"', '"v1"') });

      expect(response.status).to.equal(304);
    });

    it('answers a conditional HEAD like a GET, with no body either way', async () => {
      const plain = await server.send('/e/items/1', { method: 'HEAD' });
      const conditional = await server.send('/e/items/1', { method: 'HEAD', headers: { 'if-none-match': '"v1"' } });

      expect(plain.status).to.equal(200);
      expect(plain.headers.etag).to.equal('"v1"');
      expect(plain.body.length).to.equal(0);
      expect(conditional.status).to.equal(304);
      expect(conditional.headers.etag).to.equal('"v1"');
    });

    it('sends W/ tags with weak: true and still answers a strong If-None-Match with 304', async () => {
      const first = await server.send('/e/weak/1');
      const second = await server.send('/e/weak/1', { headers: { 'if-none-match': '"v1"' } });

      expect(first.headers.etag).to.equal('W/"v1"');
      expect(second.status).to.equal(304);
      expect(second.headers.etag).to.equal('W/"v1"');
    });

    it('performs a PUT whose If-Match matches and sends the rebuilt tag of the new state', async () => {
      const response = await server.send('/e/items/1', { method: 'PUT', headers: { 'if-match': '"v0", "v1"' }, body: { name: 'uno' } });
      const after = await server.send('/e/items/1');

      expect(response.status).to.equal(200);
      expect(response.headers.etag).to.equal('"v2"');
      expect(after.headers.etag).to.equal('"v2"');
      expect(runs.update).to.equal(1);
    });

    it('answers a stale If-Match on a PUT with 412 and a problem body without running the action', async () => {
      items.set('1', { version: 2, name: 'changed meanwhile' });
      const response = await server.send('/e/items/1', { method: 'PUT', headers: { 'if-match': '"v1"' }, body: { name: 'lost update' } });

      expect(response.status).to.equal(412);
      expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(response.json()).to.deep.equal({
        type: 'about:blank',
        title: 'Precondition Failed',
        status: 412,
        detail: 'If-Match does not match the current entity tag',
      });
      expect(response.headers.etag).to.equal('"v2"');
      expect(runs.update ?? 0).to.equal(0);
      expect(items.get('1')!.name).to.equal('changed meanwhile');
    });

    for (const value of ['W/"v1"', 'garbage', '*']) {
      it(`answers If-Match: ${value} with ${value === '*' ? 'the action' : '412'} (strong comparison)`, async () => {
        const response = await server.send('/e/items/1', { method: 'PUT', headers: { 'if-match': value }, body: { name: 'x' } });

        expect(response.status).to.equal(value === '*' ? 200 : 412);
      });
    }

    it('answers If-Match: * with 412 when the resource does not exist', async () => {
      const response = await server.send('/e/items/9', { method: 'PUT', headers: { 'if-match': '*' }, body: { name: 'x' } });

      expect(response.status).to.equal(412);
      expect(runs.update ?? 0).to.equal(0);
    });

    it('answers a GET with a failing If-Match with 412, not 304', async () => {
      const response = await server.send('/e/items/1', { headers: { 'if-match': '"v0"' } });

      expect(response.status).to.equal(412);
    });

    it('performs a DELETE whose If-None-Match does not match and refuses one that does', async () => {
      const refused = await server.send('/e/items/1', { method: 'DELETE', headers: { 'if-none-match': '"v1"' } });
      const performed = await server.send('/e/items/1', { method: 'DELETE', headers: { 'if-none-match': '"v0"' } });

      expect(refused.status).to.equal(412);
      expect(performed.status).to.equal(204);
      expect(performed.headers.etag).to.equal(undefined);
      expect(runs.remove).to.equal(1);
      expect(items.has('1')).to.equal(false);
    });

    it('answers 428 to an unconditional PUT with requirePrecondition and performs a conditional one', async () => {
      const refused = await server.send('/e/guarded/1', { method: 'PUT' });
      const performed = await server.send('/e/guarded/1', { method: 'PUT', headers: { 'if-match': '"v1"' } });

      expect(refused.status).to.equal(428);
      expect(refused.json()).to.include({ status: 428, title: 'Precondition Required' });
      expect(performed.status).to.equal(200);
      expect(runs.guarded).to.equal(1);
    });

    it('answers 431 to an If-None-Match list past the member cap', async () => {
      const list = Array.from({ length: 65 }, (_, i) => `"t${i}"`).join(', ');
      const response = await server.send('/e/items/1', { headers: { 'if-none-match': list } });

      expect(response.status).to.equal(431);
      expect(response.json()).to.include({ status: 431 });
      expect(runs.item ?? 0).to.equal(0);
    });

    it('leaves a header section over 16 KiB to Node, which answers 431 before the app', async () => {
      const response = await server.send('/e/items/1', { headers: { 'if-none-match': `"${'x'.repeat(17_000)}"` } });

      expect(response.status).to.equal(431);
      expect(runs.item ?? 0).to.equal(0);
    });

    it('lets If-None-Match: * through to the 404 of a missing resource', async () => {
      const response = await server.send('/e/items/9', { headers: { 'if-none-match': '*' } });

      expect(response.status).to.equal(404);
      expect(runs.item).to.equal(1);
    });

    it('takes its ETag back when the action answers an error', async () => {
      const response = await server.send('/e/gone/1');

      expect(response.status).to.equal(404);
      // Express tags every body it sends with its own weak tag; ours must not be there.
      expect(response.headers.etag).to.not.equal('"v1"');
    });

    it('sends Last-Modified and answers If-Modified-Since at one-second precision', async () => {
      const plain = await server.send('/e/dated/1');
      const same = await server.send('/e/dated/1', { headers: { 'if-modified-since': MODIFIED_FIELD } });
      const later = await server.send('/e/dated/1', { headers: { 'if-modified-since': secondsFromModified(1) } });
      const earlier = await server.send('/e/dated/1', { headers: { 'if-modified-since': secondsFromModified(-1) } });
      const withTag = await server.send('/e/dated/1', { headers: { 'if-none-match': '"v0"', 'if-modified-since': MODIFIED_FIELD } });

      expect(plain.headers['last-modified']).to.equal(MODIFIED_FIELD);
      expect([same.status, later.status, earlier.status]).to.deep.equal([304, 304, 200]);
      expect(withTag.status).to.equal(200);
    });

    it('ignores two If-Modified-Since lines, where Express alone would answer 304', async () => {
      const response = await server.send('/e/dated/1', { headers: lines('if-modified-since', MODIFIED_FIELD, MODIFIED_FIELD) });

      expect(response.status).to.equal(200);
      expect(runs.dated).to.equal(1);
    });

    it('answers If-Unmodified-Since on a PUT: 412 when modified after, the action otherwise', async () => {
      const refused = await server.send('/e/dated/1', { method: 'PUT', headers: { 'if-unmodified-since': secondsFromModified(-1) } });
      const performed = await server.send('/e/dated/1', { method: 'PUT', headers: { 'if-unmodified-since': MODIFIED_FIELD } });
      const byTag = await server.send('/e/dated/1', {
        method: 'PUT',
        headers: { 'if-match': '"v1"', 'if-unmodified-since': secondsFromModified(-86_400) },
      });

      expect([refused.status, performed.status, byTag.status]).to.deep.equal([412, 200, 200]);
      expect(refused.json()).to.include({ detail: 'The resource was modified after If-Unmodified-Since' });
      expect(runs.updateDated).to.equal(2);
    });

    it('keeps an ETag the handler set', async () => {
      const response = await server.send('/e/handler-tag');

      expect(response.headers.etag).to.equal('"handler"');
    });

    it('handles a Buffer returned by the action', async () => {
      const first = await server.send('/e/bytes');
      const second = await server.send('/e/bytes', { headers: { 'if-none-match': '"bytes-v1"' } });

      expect(first.body.equals(Buffer.from([0, 255, 1, 254]))).to.equal(true);
      expect(first.headers.etag).to.equal('"bytes-v1"');
      expect(second.status).to.equal(304);
      expect(runs.bytes).to.equal(1);
    });

    it('answers 401 before any precondition on a protected route', async () => {
      const anonymous = await server.send('/e/protected/1', { headers: { 'if-none-match': '"v1"' } });
      const authorized = await server.send('/e/protected/1', { headers: { 'if-none-match': '"v1"', authorization: 'Bearer ok' } });

      expect(anonymous.status).to.equal(401);
      expect(anonymous.headers.etag).to.not.equal('"v1"');
      expect(authorized.status).to.equal(304);
    });

    it('answers 400 for an invalid body before a failing If-Match', async () => {
      const response = await server.send('/e/validated/1', { method: 'PUT', headers: { 'if-match': '"v0"' } });

      expect(response.status).to.equal(400);
      expect(runs.validated ?? 0).to.equal(0);
    });
  });
}
