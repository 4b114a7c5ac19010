import { expect } from 'chai';
import { InvalidOptionError } from '../../../src/errors';
import { HeadersKeyBit } from '../../../src/keys/bits/HeadersKeyBit';
import { keyContext } from '../context';

describe('HeadersKeyBit', () => {
  const context = keyContext({ headers: { 'Accept-Language': 'Ru', 'X-Geobase-Id': '123', 'Content-Type': 'application/json' } });

  it('returns the named headers under lower-cased names, skipping missing ones', () => {
    const bit = new HeadersKeyBit(['Accept-Language', 'X-Geobase-Id', 'Not-Existing-Header']);

    expect(bit.getData(context, bit.params)).to.deep.equal({ 'accept-language': 'Ru', 'x-geobase-id': '123' });
  });

  it('matches names case-insensitively', () => {
    const bit = new HeadersKeyBit(['ACCEPT-LANGUAGE', 'x-geobase-id']);

    expect(bit.getData(context, bit.params)).to.deep.equal({ 'accept-language': 'Ru', 'x-geobase-id': '123' });
  });

  it('reads Content-Type like any other header', () => {
    const bit = new HeadersKeyBit(['content-type']);

    expect(bit.getData(context, bit.params)).to.deep.equal({ 'content-type': 'application/json' });
  });

  it("returns all headers for '*'", () => {
    const bit = new HeadersKeyBit('*');

    expect(bit.getData(context, bit.params)).to.deep.equal({
      'accept-language': 'Ru',
      'x-geobase-id': '123',
      'content-type': 'application/json',
    });
  });

  it('returns repeated field lines combined', () => {
    const bit = new HeadersKeyBit(['accept']);

    expect(bit.getData(keyContext({ headers: { accept: ['text/html', 'application/json'] } }), bit.params)).to.deep.equal({
      accept: 'text/html, application/json',
    });
  });

  it('returns {} for null', () => {
    expect(new HeadersKeyBit(null).getData(context, null)).to.deep.equal({});
  });

  it('rejects params that are not names at construction', () => {
    expect(() => new HeadersKeyBit(42 as never)).to.throw(
      InvalidOptionError,
      "HeadersKeyBit: option params must be '*', null or an array of names, got 42",
    );
  });
});
