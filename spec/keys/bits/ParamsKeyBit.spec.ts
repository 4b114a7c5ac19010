import { expect } from 'chai';
import { ParamsKeyBit } from '../../../src/keys/bits/ParamsKeyBit';
import { keyContext } from '../context';

describe('ParamsKeyBit', () => {
  const context = keyContext({ params: { one: '1', city: 'London' } });

  it("returns every route parameter for '*'", () => {
    const bit = new ParamsKeyBit('*');

    expect(bit.getData(context, bit.params)).to.deep.equal({ one: '1', city: 'London' });
  });

  it('returns the named route parameters, skipping missing ones', () => {
    const bit = new ParamsKeyBit(['one', 'not_existing_param']);

    expect(bit.getData(context, bit.params)).to.deep.equal({ one: '1' });
  });

  it('returns {} for null', () => {
    expect(new ParamsKeyBit(null).getData(context, null)).to.deep.equal({});
  });

  it("defaults to '*'", () => {
    expect(new ParamsKeyBit().params).to.equal('*');
  });
});
