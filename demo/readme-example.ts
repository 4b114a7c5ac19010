// The README's Example, verbatim between the two markers (spec/demo/readmeExample.spec.ts keeps
// them equal), then a few requests that check it behaves as the README says. It imports the
// library by its package name, which Node resolves to this package's own build (dist/): CI runs
// it after `npm run build`, as `npm run demo:readme` (PORT=0: any free port).

// --- README Example ---
import 'reflect-metadata';
import { Body, createExpressServer, Get, JsonController, NotFoundError, Param, Patch } from 'routing-controllers';
import {
  cacheResponse,
  FormatKeyBit,
  invalidates,
  KeyConstructor,
  LanguageKeyBit,
  ParamsKeyBit,
  UniqueMethodIdKeyBit,
} from 'routing-controllers-extensions';

interface City {
  id: number;
  name: string;
  population: number;
}
type CityPatch = Partial<Omit<City, 'id'>>;

/** Stands in for your repository. */
class CityRepository {
  private readonly rows = new Map<number, City>([[1, { id: 1, name: 'Lisbon', population: 545_000 }]]);

  find(id: number): City {
    const city = this.rows.get(id);
    if (!city) throw new NotFoundError(`no city ${id}`);
    return city;
  }

  update(id: number, patch: CityPatch): City {
    const city = { ...this.find(id), ...patch, id };
    this.rows.set(id, city);
    return city;
  }
}

class CityKeyConstructor extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  params = new ParamsKeyBit(['id']);
  format = new FormatKeyBit();
  language = new LanguageKeyBit();
}

@JsonController('/cities')
export class CityController {
  private readonly cities = new CityRepository();

  @Get('/:id')
  @cacheResponse({ ttl: 15 * 60_000, keyFunc: new CityKeyConstructor() })
  one(@Param('id') id: number) {
    return this.cities.find(id);
  }

  @Patch('/:id')
  @invalidates() // drops every cached variant of GET /cities/:id
  update(@Param('id') id: number, @Body() patch: CityPatch) {
    return this.cities.update(id, patch);
  }
}

const server = createExpressServer({ controllers: [CityController] }).listen(Number(process.env.PORT ?? 3000));
// --- end of README Example ---

import type { AddressInfo } from 'node:net';

/** One request to the example app: status, Cache-Status and body. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; cache: string; body: unknown }> {
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, cache: response.headers.get('cache-status') ?? '-', body: await response.json() };
}

const checks: Array<[string, boolean]> = [];

server.on('listening', async () => {
  try {
    const miss = await call('GET', '/cities/1');
    const hit = await call('GET', '/cities/1');
    const patched = await call('PATCH', '/cities/1', { population: 548_000 });
    const fresh = await call('GET', '/cities/1');
    for (const [label, response] of Object.entries({ miss, hit, patched, fresh })) {
      console.log(`${label.padEnd(8)} ${response.status} Cache-Status: ${response.cache} ${JSON.stringify(response.body)}`);
    }
    checks.push(
      ['the first GET is a miss', miss.status === 200 && miss.cache.includes('fwd=uri-miss')],
      ['the second GET is served from the cache', hit.cache.includes('hit') && JSON.stringify(hit.body) === JSON.stringify(miss.body)],
      ['the PATCH succeeds', patched.status === 200],
      ['the GET after the PATCH is fresh', fresh.cache.includes('fwd=uri-miss') && (fresh.body as City).population === 548_000],
    );
  } catch (error) {
    checks.push([`requests failed: ${String(error)}`, false]);
  } finally {
    server.close();
    const failed = checks.filter(([, ok]) => !ok);
    for (const [what] of failed) console.log(`FAIL ${what}`);
    console.log(
      failed.length === 0 ? `readme example: all ${checks.length} checks passed` : `readme example: ${failed.length} checks failed`,
    );
    process.exitCode = failed.length === 0 && checks.length > 0 ? 0 : 1;
  }
});
