import { expect } from 'chai';
import { InvalidOptionError } from '../../../src/errors';
import { ArgsKeyBit } from '../../../src/keys/bits/ArgsKeyBit';
import { KeyConstructor } from '../../../src/keys/KeyConstructor';
import { keyContext } from '../context';

describe('ArgsKeyBit', () => {
  const context = keyContext({}, { args: ['abc', 'foobar', 'xyz'] });

  it('returns [] for null', () => {
    expect(new ArgsKeyBit(null).getData(context, null)).to.deep.equal([]);
  });

  it("returns every argument for '*'", () => {
    const bit = new ArgsKeyBit('*');

    expect(bit.getData(context, bit.params)).to.deep.equal(['abc', 'foobar', 'xyz']);
  });

  it('returns the arguments at the given positions', () => {
    const bit = new ArgsKeyBit([0, 2]);

    expect(bit.getData(context, bit.params)).to.deep.equal(['abc', 'xyz']);
  });

  it('returns null for a position past the end', () => {
    const bit = new ArgsKeyBit([5]);

    expect(bit.getData(context, bit.params)).to.deep.equal([null]);
  });

  it("defaults to '*'", () => {
    expect(new ArgsKeyBit().params).to.equal('*');
  });

  it("gives 1 and '1' different keys", async () => {
    class ArgsKey extends KeyConstructor {
      args = new ArgsKeyBit();
    }
    const constructor = new ArgsKey();

    const number = await constructor.getKey(keyContext({}, { args: [1] }));
    const string = await constructor.getKey(keyContext({}, { args: ['1'] }));

    expect(number).to.not.equal(string);
  });

  for (const bad of [42, [-1], [1.5], ['0'], 'all']) {
    it(`rejects params ${JSON.stringify(bad)} at construction`, () => {
      expect(() => new ArgsKeyBit(bad as never)).to.throw(
        InvalidOptionError,
        /ArgsKeyBit: option params must be '\*', null or an array of argument positions/,
      );
    });
  }
});
