import { performance } from 'node:perf_hooks';
import type { RequestView } from '../src/http/RequestView';
import { FormatKeyBit } from '../src/keys/bits/FormatKeyBit';
import { HeadersKeyBit } from '../src/keys/bits/HeadersKeyBit';
import { LanguageKeyBit } from '../src/keys/bits/LanguageKeyBit';
import { ParamsKeyBit } from '../src/keys/bits/ParamsKeyBit';
import { QueryParamsKeyBit } from '../src/keys/bits/QueryParamsKeyBit';
import { UniqueMethodIdKeyBit } from '../src/keys/bits/UniqueMethodIdKeyBit';
import { UserKeyBit } from '../src/keys/bits/UserKeyBit';
import { DefaultKeyConstructor } from '../src/keys/DefaultKeyConstructor';
import type { KeyBitContext } from '../src/keys/KeyBit';
import { KeyConstructor } from '../src/keys/KeyConstructor';

class SixBitKeyConstructor extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  route = new ParamsKeyBit();
  query = new QueryParamsKeyBit();
  format = new FormatKeyBit();
  language = new LanguageKeyBit();
  user = new UserKeyBit();
}

class SyncSixBitKeyConstructor extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  route = new ParamsKeyBit();
  query = new QueryParamsKeyBit();
  format = new FormatKeyBit();
  language = new LanguageKeyBit();
  headers = new HeadersKeyBit(['accept', 'user-agent']);
}

class BookController {
  one(): void {}
}

const controller = new BookController();
const user = { id: 42, name: 'Ann' };

function requestView(): RequestView {
  return {
    driver: 'express',
    method: 'GET',
    path: '/books/17',
    url: '/books/17?q=tolkien&page=2&tag=a&tag=b',
    route: '/books/:id',
    params: { id: '17' },
    query: { q: 'tolkien', page: '2', tag: ['a', 'b'] },
    headers: { accept: 'application/json', 'user-agent': 'bench/1.0', 'accept-language': 'en-GB,en;q=0.8' },
    headerLines: () => [],
    body: undefined,
    ip: '127.0.0.1',
    protocol: 'http',
    host: 'localhost',
    format: 'json',
    language: 'en-gb',
    currentUser: () => Promise.resolve(user),
    raw: {},
  };
}

function contextOf(request: RequestView): KeyBitContext {
  return { request, controller, methodName: 'one', args: ['17'] };
}

async function measure(constructor: KeyConstructor, freshRequest: boolean, ms: number): Promise<number> {
  const shared = contextOf(requestView());
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 1000; i++) {
      await constructor.getKey(freshRequest ? contextOf(requestView()) : shared);
    }
    count += 1000;
    elapsed = performance.now() - start;
  }
  return (count / elapsed) * 1000;
}

async function main(): Promise<void> {
  const rows: { constructor: string; memoized: string; request: string; 'keys/s': string }[] = [];
  const cases: [string, () => KeyConstructor][] = [
    ['DefaultKeyConstructor (5 bits)', () => new DefaultKeyConstructor()],
    ['6 bits incl. async UserKeyBit', () => new SixBitKeyConstructor()],
    ['6 bits, all synchronous', () => new SyncSixBitKeyConstructor()],
  ];
  for (const [name, make] of cases) {
    for (const memoizeForRequest of [true, false]) {
      const constructor = new (make().constructor as new (options: object) => KeyConstructor)({ memoizeForRequest });
      for (const fresh of memoizeForRequest ? [false, true] : [true]) {
        await measure(constructor, fresh, 300);
        const rate = await measure(constructor, fresh, 1500);
        rows.push({
          constructor: name,
          memoized: String(memoizeForRequest),
          request: fresh ? 'fresh each call' : 'same request',
          'keys/s': Math.round(rate).toLocaleString('en-US'),
        });
      }
    }
  }
  console.log(`node ${process.version}, sequential awaited getKey() calls`);
  console.table(rows);
}

void main();
