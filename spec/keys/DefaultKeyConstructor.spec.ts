import { expect } from 'chai';
import { DefaultKeyConstructor } from '../../src/keys/DefaultKeyConstructor';
import { AuthorController, keyContext } from './context';

describe('DefaultKeyConstructor', () => {
  const constructor = new DefaultKeyConstructor();

  it('reads the method id, route params, query, format and language', async () => {
    const context = keyContext({ url: '/books/1?q=x&tag=a&tag=b', params: { id: '1' }, format: 'html', language: 'ru' });

    const data = await constructor.getData(context);

    expect(data).to.deep.equal({
      uniqueMethodId: 'BookController.one',
      routeParams: { id: '1' },
      queryParams: { q: 'x', tag: ['a', 'b'] },
      format: 'html',
      language: 'ru',
    });
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

  it('gives different keys to different formats, languages and actions', async () => {
    const base = await constructor.getKey(keyContext());

    const others = await Promise.all([
      constructor.getKey(keyContext({ format: 'xml' })),
      constructor.getKey(keyContext({ language: 'en' })),
      constructor.getKey(keyContext({}, { methodName: 'list' })),
      constructor.getKey(keyContext({}, { controller: new AuthorController() })),
    ]);

    expect(new Set([base, ...others]).size).to.equal(5);
  });

  it('ignores headers, the user and the body', async () => {
    const plain = await constructor.getKey(keyContext());

    const other = await constructor.getKey(keyContext({ headers: { 'User-Agent': 'x' }, user: { id: 1 }, body: { a: 1 } }));

    expect(other).to.equal(plain);
  });
});
