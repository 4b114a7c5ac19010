import { expect } from 'chai';
import { QueryParamsKeyBit } from '../../../src/keys/bits/QueryParamsKeyBit';
import { keyContext } from '../context';

describe('QueryParamsKeyBit', () => {
  const context = keyContext({ url: '/cities?part=Londo&callback=jquery_callback' });

  it('returns the named parameters, skipping missing ones', () => {
    const bit = new QueryParamsKeyBit(['part', 'callback', 'not_existing_param']);

    expect(bit.getData(context, bit.params)).to.deep.equal({ part: 'Londo', callback: 'jquery_callback' });
  });

  it("returns every parameter for '*'", () => {
    const bit = new QueryParamsKeyBit('*');

    expect(bit.getData(context, bit.params)).to.deep.equal({ part: 'Londo', callback: 'jquery_callback' });
  });

  it("defaults to '*'", () => {
    expect(new QueryParamsKeyBit().params).to.equal('*');
  });

  it('keeps repeated values in order', () => {
    const bit = new QueryParamsKeyBit(['a']);

    expect(bit.getData(keyContext({ url: '/?a=2&a=1&a=3' }), bit.params)).to.deep.equal({ a: ['2', '1', '3'] });
  });

  it('keeps empty values', () => {
    const bit = new QueryParamsKeyBit();

    expect(bit.getData(keyContext({ url: '/?empty=' }), bit.params)).to.deep.equal({ empty: '' });
  });

  it('returns {} for null', () => {
    expect(new QueryParamsKeyBit(null).getData(context, null)).to.deep.equal({});
  });
});
