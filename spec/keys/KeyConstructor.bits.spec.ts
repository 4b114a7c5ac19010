import { expect } from 'chai';
import { InvalidOptionError } from '../../src/errors';
import { HeadersKeyBit } from '../../src/keys/bits/HeadersKeyBit';
import type { KeyBit } from '../../src/keys/KeyBit';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { keyContext } from './context';
import { ConstantKeyBit, FormatLanguage } from './fakeBits';

describe('KeyConstructor', () => {
  describe('bits', () => {
    it('collects the fields whose values are KeyBits', () => {
      const constructor = new FormatLanguage();

      expect(constructor.bits).to.deep.equal({ format: constructor.format, language: constructor.language });
    });

    it('collects the bits of parent classes', () => {
      class Parent extends KeyConstructor {
        format = new ConstantKeyBit('json');
      }
      class Child extends Parent {
        language = new ConstantKeyBit('ru');
      }

      const child = new Child();

      expect(Object.keys(child.bits).sort()).to.deep.equal(['format', 'language']);
    });

    it('lets a child replace a parent bit by name and remove it with a non-bit value', () => {
      class Parent extends KeyConstructor {
        format = new ConstantKeyBit('json');
        language: KeyBit<unknown> | null = new ConstantKeyBit('ru');
      }
      class Child extends Parent {
        override format = new ConstantKeyBit('xml');
        override language = null;
      }

      const child = new Child();

      expect(Object.keys(child.bits)).to.deep.equal(['format']);
      expect(child.bits.format.params).to.equal('xml');
    });

    it('gives every instance its own mutable bits record', async () => {
      const first = new FormatLanguage();
      const second = new FormatLanguage();

      first.bits.extra = new ConstantKeyBit('added');
      delete first.bits.language;

      expect(Object.keys(first.bits).sort()).to.deep.equal(['extra', 'format']);
      expect(Object.keys(second.bits).sort()).to.deep.equal(['format', 'language']);
      expect(await first.getData(keyContext())).to.deep.equal({ format: 'json', extra: 'added' });
    });

    it('lets a subclass constructor add a bit after super()', async () => {
      class WithMeta extends FormatLanguage {
        constructor() {
          super({ params: { meta: 'overridden' } });
          this.bits.meta = new ConstantKeyBit('declared');
        }
      }

      const data = await new WithMeta().getData(keyContext());

      expect(data).to.deep.equal({ format: 'json', language: 'ru', meta: 'overridden' });
    });

    it('rejects a field named like a KeyConstructor member', () => {
      class Clashing extends KeyConstructor {
        override validate = new ConstantKeyBit('x') as never;
      }

      expect(() => new Clashing().bits).to.throw(InvalidOptionError, /Clashing: option bit validate must be named otherwise/);
    });
  });

  describe('options', () => {
    it('rejects a non-boolean memoizeForRequest', () => {
      expect(() => new FormatLanguage({ memoizeForRequest: 'yes' as never })).to.throw(
        InvalidOptionError,
        /FormatLanguage: option memoizeForRequest must be a boolean, got "yes"/,
      );
    });

    it('rejects params that are not a record', () => {
      expect(() => new FormatLanguage({ params: ['format'] as never })).to.throw(InvalidOptionError, /option params/);
    });

    it('rejects params naming no bit, listing the bits', () => {
      const constructor = new FormatLanguage({ params: { formt: 'xml' } });

      expect(() => constructor.validate()).to.throw(
        InvalidOptionError,
        /params\.formt must be keyed by one of its bits \(format, language\)/,
      );
    });

    it('rejects params the bit cannot use', () => {
      class WithHeaders extends KeyConstructor {
        headers = new HeadersKeyBit(['accept']);
      }

      const constructor = new WithHeaders({ params: { headers: 42 } });

      expect(() => constructor.validate()).to.throw(InvalidOptionError, /HeadersKeyBit: option params/);
    });

    it('fails the key when params name no bit', async () => {
      const constructor = new FormatLanguage({ params: { missing: 1 } });

      const error = await constructor.getKey(keyContext()).catch((caught: unknown) => caught);

      expect(error).to.be.instanceOf(InvalidOptionError);
    });
  });
});
