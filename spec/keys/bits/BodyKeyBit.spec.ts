import { expect } from 'chai';
import { InvalidOptionError } from '../../../src/errors';
import { BodyKeyBit } from '../../../src/keys/bits/BodyKeyBit';
import { KeyConstructor } from '../../../src/keys/KeyConstructor';
import { keyContext } from '../context';

class BodyKey extends KeyConstructor {
  body = new BodyKeyBit();
}

describe('BodyKeyBit', () => {
  const body = { amount: 100, currency: 'EUR', note: 'x' };

  it("returns the whole body for '*'", () => {
    const bit = new BodyKeyBit();

    expect(bit.getData(keyContext({ body }), bit.params)).to.equal(body);
  });

  it('returns null when there is no body', () => {
    const bit = new BodyKeyBit();

    expect(bit.getData(keyContext(), bit.params)).to.equal(null);
  });

  it('returns the named top-level fields, skipping missing ones', () => {
    const bit = new BodyKeyBit(['amount', 'currency', 'missing']);

    expect(bit.getData(keyContext({ body }), bit.params)).to.deep.equal({ amount: 100, currency: 'EUR' });
  });

  it('returns {} for named fields of a body that is not an object', () => {
    const bit = new BodyKeyBit(['amount']);

    expect(bit.getData(keyContext({ body: 'text' }), bit.params)).to.deep.equal({});
  });

  it('gives the same key to bodies differing only in key order', async () => {
    const first = await new BodyKey().getKey(keyContext({ body: { a: 1, b: { c: 2, d: 3 } } }));
    const second = await new BodyKey().getKey(keyContext({ body: { b: { d: 3, c: 2 }, a: 1 } }));

    expect(first).to.equal(second);
  });

  it('gives different keys to 100 and "100"', async () => {
    const first = await new BodyKey().getKey(keyContext({ body: { amount: 100 } }));
    const second = await new BodyKey().getKey(keyContext({ body: { amount: '100' } }));

    expect(first).to.not.equal(second);
  });

  it('rejects bad params at construction', () => {
    expect(() => new BodyKeyBit(7 as never)).to.throw(InvalidOptionError, /BodyKeyBit: option params/);
  });
});
