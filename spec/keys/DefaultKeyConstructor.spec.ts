import { expect } from 'chai';
import { DefaultKeyConstructor } from '../../src/keys/DefaultKeyConstructor';
import { AuthorController, keyContext } from './context';

describe('DefaultKeyConstructor', () => {
  const constructor = new DefaultKeyConstructor();

  it('reads the method id, route params, query, Accept, Accept-Language and the resolved host', async () => {
    const context = keyContext({
      url: '/books/1?q=x&tag=a&tag=b',
      params: { id: '1' },
      headers: { Accept: 'text/html, */*;q=0.1', 'Accept-Language': 'ru, en;q=0.5' },
      host: 'shop.example',
    });

    const data = await constructor.getData(context);

    expect(data).to.deep.equal({
      uniqueMethodId: 'BookController.one',
      routeParams: { id: '1' },
      queryParams: { q: 'x', tag: ['a', 'b'] },
      format: ['text/html', '*/*;q=0.1'],
      language: ['ru', 'en;q=0.5'],
      host: { host: 'shop.example' },
    });
  });

  it('keys on the negotiated format and language when the settings list what the app serves', async () => {
    const bitDefaults = { availableFormats: ['json', 'xml'], availableLanguages: ['en', 'fr'] };
    const context = keyContext({ headers: { Accept: 'text/xml', 'Accept-Language': 'de, fr;q=0.5' } });

    const data = await constructor.getData(context, { bitDefaults });

    expect(data).to.include({ format: 'xml', language: 'fr' });
  });

  it('declares Accept, Accept-Language and X-Forwarded-Host for Vary', () => {
    expect(constructor.varyHeaders()).to.deep.equal(['accept', 'accept-language', 'x-forwarded-host']);
  });

  it('gives /books/1 and /books/2 different keys', async () => {
    const first = await constructor.getKey(keyContext({ url: '/books/1', params: { id: '1' } }));
    const second = await constructor.getKey(keyContext({ url: '/books/2', params: { id: '2' } }));

    expect(first).to.not.equal(second);
  });

  it('gives ?q=x and ?q=y different keys', async () => {
    const first = await constructor.getKey(keyContext({ url: '/books?q=x' }));
    const second = await constructor.getKey(keyContext({ url: '/books?q=y' }));

    expect(first).to.not.equal(second);
  });

  it('gives the same key whatever the query parameter order', async () => {
    const first = await constructor.getKey(keyContext({ url: '/books?a=1&b=2' }));
    const second = await constructor.getKey(keyContext({ url: '/books?b=2&a=1' }));

    expect(first).to.equal(second);
  });

  it('gives different keys to different formats, languages, hosts and actions', async () => {
    const base = await constructor.getKey(keyContext());

    const others = await Promise.all([
      constructor.getKey(keyContext({ headers: { accept: 'application/xml' } })),
      constructor.getKey(keyContext({ headers: { 'accept-language': 'en' } })),
      constructor.getKey(keyContext({ host: 'tenant-b.example' })),
      constructor.getKey(keyContext({}, { methodName: 'list' })),
      constructor.getKey(keyContext({}, { controller: new AuthorController() })),
    ]);

    expect(new Set([base, ...others]).size).to.equal(6);
  });

  it('ignores headers, the user and the body', async () => {
    const plain = await constructor.getKey(keyContext());

    const other = await constructor.getKey(keyContext({ headers: { 'User-Agent': 'x' }, user: { id: 1 }, body: { a: 1 } }));

    expect(other).to.equal(plain);
  });
});
