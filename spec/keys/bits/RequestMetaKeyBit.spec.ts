import { expect } from 'chai';
import { InvalidOptionError } from '../../../src/errors';
import { RequestMetaKeyBit } from '../../../src/keys/bits/RequestMetaKeyBit';
import { keyContext } from '../context';

describe('RequestMetaKeyBit', () => {
  const context = keyContext({
    method: 'POST',
    url: '/books/1?x=1',
    route: '/books/:id',
    ip: '10.0.0.7',
    host: 'example.org',
    protocol: 'https',
  });

  it('returns the named request facts', () => {
    const bit = new RequestMetaKeyBit(['ip', 'host']);

    expect(bit.getData(context, bit.params)).to.deep.equal({ ip: '10.0.0.7', host: 'example.org' });
  });

  it("returns every fact for '*'", () => {
    const bit = new RequestMetaKeyBit('*');

    expect(bit.getData(context, bit.params)).to.deep.equal({
      ip: '10.0.0.7',
      method: 'POST',
      path: '/books/1',
      url: '/books/1?x=1',
      route: '/books/:id',
      host: 'example.org',
      protocol: 'https',
    });
  });

  it('returns {} for null', () => {
    expect(new RequestMetaKeyBit(null).getData(context, null)).to.deep.equal({});
  });

  it('rejects an unknown fact name at construction', () => {
    expect(() => new RequestMetaKeyBit(['ip', 'REMOTE_ADDR' as never])).to.throw(
      InvalidOptionError,
      /RequestMetaKeyBit: option params must be .* among ip, method, path, url, route, host, protocol, got \["ip","REMOTE_ADDR"\]/,
    );
  });

  it('rejects missing params at construction', () => {
    expect(() => new RequestMetaKeyBit(undefined as never)).to.throw(InvalidOptionError);
  });
});
