import { expect } from 'chai';
import { ExtensionsError, InvalidOptionError } from '../../src/errors';
import { DefaultKeyConstructor } from '../../src/keys/DefaultKeyConstructor';
import type { KeyBitContext } from '../../src/keys/KeyBit';
import { resolveKeyFunc } from '../../src/keys/KeyFunc';
import { BookController, keyContext } from './context';

class VersionedController extends BookController {
  version = 'v3';

  cityVersion(context: KeyBitContext): Promise<string> {
    return Promise.resolve(`${this.version}:${context.request.params.id}`);
  }
}

describe('resolveKeyFunc()', () => {
  it('calls getKey of a KeyConstructor', async () => {
    const constructor = new DefaultKeyConstructor();
    const context = keyContext({ url: '/books/1' });

    const key = await resolveKeyFunc(constructor, '@cacheResponse', 'keyFunc')(context);

    expect(key).to.equal(await constructor.getKey(context));
  });

  it('passes refresh to a memoized KeyConstructor', async () => {
    let calls = 0;
    const constructor = new DefaultKeyConstructor({ memoizeForRequest: true });
    constructor.prepareKey = () => `key-${++calls}`;
    const keyOf = resolveKeyFunc(constructor, '@etag', 'etagFunc');
    const context = keyContext();

    const first = await keyOf(context);
    const memoized = await keyOf(context);
    const refreshed = await keyOf(context, { refresh: true });

    expect([first, memoized, refreshed]).to.deep.equal(['key-1', 'key-1', 'key-2']);
  });

  it('checks the params of a KeyConstructor at resolve time', () => {
    const constructor = new DefaultKeyConstructor({ params: { nope: 1 } });

    expect(() => resolveKeyFunc(constructor, '@cacheResponse', 'keyFunc')).to.throw(InvalidOptionError, /params\.nope/);
  });

  it('calls a synchronous function with the context', async () => {
    const keyOf = resolveKeyFunc(({ request }: KeyBitContext) => `city:${request.params.id}`, '@cacheResponse', 'keyFunc');

    expect(await keyOf(keyContext({ params: { id: '7' } }))).to.equal('city:7');
  });

  it('awaits an asynchronous function', async () => {
    const keyOf = resolveKeyFunc(async () => 'async-key', '@cacheResponse', 'keyFunc');

    expect(await keyOf(keyContext())).to.equal('async-key');
  });

  it('turns a throwing function into a rejection', async () => {
    const keyOf = resolveKeyFunc(
      () => {
        throw new Error('nope');
      },
      '@cacheResponse',
      'keyFunc',
    );

    const result = keyOf(keyContext());

    expect(result).to.be.instanceOf(Promise);
    expect(await result.catch((error: Error) => error.message)).to.equal('nope');
  });

  it('rejects when a function returns something other than a string', async () => {
    const keyOf = resolveKeyFunc(() => 42 as unknown as string, '@cacheResponse', 'keyFunc');

    const error = await keyOf(keyContext()).catch((caught: unknown) => caught);

    expect(error).to.be.instanceOf(ExtensionsError);
    expect((error as Error).message).to.equal('@cacheResponse: option keyFunc returned 42, expected a string');
  });

  it('calls a controller method named by a string, bound to the controller', async () => {
    const keyOf = resolveKeyFunc('cityVersion', '@etag', 'etagFunc');

    const key = await keyOf(keyContext({ params: { id: '9' } }, { controller: new VersionedController() }));

    expect(key).to.equal('v3:9');
  });

  it('rejects clearly when the controller has no such method', async () => {
    const keyOf = resolveKeyFunc('cityVersion', '@etag', 'etagFunc');

    const error = await keyOf(keyContext()).catch((caught: unknown) => caught);

    expect((error as Error).message).to.equal('@etag: option etagFunc names method "cityVersion", but BookController has no such method');
  });

  it('rejects clearly when the named member is not a function', async () => {
    const keyOf = resolveKeyFunc('version', '@etag', 'etagFunc');

    const error = await keyOf(keyContext({}, { controller: new VersionedController() })).catch((caught: unknown) => caught);

    expect((error as Error).message).to.match(/names method "version", but VersionedController has no such method/);
  });

  for (const [label, value] of [
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['a plain object', { getKey: () => 'x' }],
    ['an empty string', ''],
    ['a KeyConstructor class', DefaultKeyConstructor],
    ['another class', class Foo {}],
  ] as const) {
    it(`throws InvalidOptionError at resolve time for ${label}`, () => {
      expect(() => resolveKeyFunc(value, '@cacheResponse', 'keyFunc')).to.throw(
        InvalidOptionError,
        /^@cacheResponse: option keyFunc must be a KeyConstructor, a function or a controller method name/,
      );
    });
  }
});
