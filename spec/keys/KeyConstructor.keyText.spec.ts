import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalJson, hashKey } from '../../src/keys/canonicalJson';
import { KeyBit } from '../../src/keys/KeyBit';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { keyContext } from './context';

/** A bit answering whatever the test sets, synchronously or as a promise. */
class ValueBit extends KeyBit {
  constructor(
    public value: unknown,
    public asynchronous = false,
  ) {
    super();
  }

  getData(): unknown {
    return this.asynchronous ? Promise.resolve(this.value) : this.value;
  }
}

describe('KeyConstructor key text', () => {
  it('gives the SHA-256 of canonicalJson(getData()) for any bit data, whatever the bit names', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.string({ maxLength: 6 }).filter((name) => !['bits', 'getKey', 'getData', 'prepareKey', 'validate'].includes(name)),
          fc.tuple(fc.jsonValue(), fc.boolean()),
          { maxKeys: 6 },
        ),
        async (bits) => {
          const constructor = new KeyConstructor();
          for (const [name, [value, asynchronous]] of Object.entries(bits)) constructor.bits[name] = new ValueBit(value, asynchronous);
          const context = keyContext();

          expect(await constructor.getKey(context)).to.equal(hashKey(canonicalJson(await constructor.getData(context))));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves out a bit whose data is undefined, as canonicalJson leaves out an undefined member', async () => {
    const constructor = new KeyConstructor();
    constructor.bits.kept = new ValueBit('x');
    constructor.bits.missing = new ValueBit(undefined);

    expect(await constructor.getKey(keyContext())).to.equal(hashKey('{"kept":"x"}'));
  });

  it('sees a bit added, replaced or deleted after the first key', async () => {
    const constructor = new KeyConstructor();
    constructor.bits.a = new ValueBit(1);
    const first = await constructor.getKey(keyContext());
    constructor.bits.b = new ValueBit(2);
    const added = await constructor.getKey(keyContext());
    constructor.bits.a = new ValueBit(3);
    const replaced = await constructor.getKey(keyContext());
    delete constructor.bits.b;
    const deleted = await constructor.getKey(keyContext());

    expect(first).to.equal(hashKey('{"a":1}'));
    expect(added).to.equal(hashKey('{"a":1,"b":2}'));
    expect(replaced).to.equal(hashKey('{"a":3,"b":2}'));
    expect(deleted).to.equal(hashKey('{"a":3}'));
  });

  it('names the bit whose data has a cycle', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const constructor = new KeyConstructor();
    constructor.bits.loop = new ValueBit(cyclic);

    const error = await constructor.getKey(keyContext()).catch((caught: unknown) => caught);

    expect(String(error)).to.match(/key bit "loop" failed: canonical JSON: circular reference at \$\.loop\.self/);
  });
});
