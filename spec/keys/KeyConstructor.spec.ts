import { expect } from 'chai';
import { KeyConstructionError } from '../../src/errors';
import { ArgsKeyBit } from '../../src/keys/bits/ArgsKeyBit';
import { FormatKeyBit } from '../../src/keys/bits/FormatKeyBit';
import { KeyConstructor } from '../../src/keys/KeyConstructor';
import { keyContext } from './context';
import { AsyncKeyBit, ConstantKeyBit, EchoKeyBit, FailingKeyBit, FormatLanguage, LanguageFormat, sha256 } from './fakeBits';

describe('KeyConstructor', () => {
  describe('getData()', () => {
    it('passes the bit its own params and the whole context', async () => {
      class Echo extends KeyConstructor {
        echo = new EchoKeyBit({ hello: 'world' });
      }
      const context = keyContext();

      const data = await new Echo().getData(context);

      expect(data.echo).to.deep.equal({ params: { hello: 'world' }, context });
      expect((data.echo as { context: unknown }).context).to.equal(context);
    });

    it('passes constructor params instead of the bit params, by bit name', async () => {
      class Echo extends KeyConstructor {
        usedParams = new ConstantKeyBit({ hello: 'world' });
        other = new ConstantKeyBit('own');
      }

      const data = await new Echo({ params: { usedParams: { goodbye: 'moon' } } }).getData(keyContext());

      expect(data).to.deep.equal({ usedParams: { goodbye: 'moon' }, other: 'own' });
    });

    it('passes a null constructor param as a value', async () => {
      class WithArgs extends KeyConstructor {
        args = new ArgsKeyBit('*');
      }

      const data = await new WithArgs({ params: { args: null } }).getData(keyContext({}, { args: [1, 2] }));

      expect(data).to.deep.equal({ args: [] });
    });

    it('awaits asynchronous bits alongside synchronous ones', async () => {
      class Mixed extends KeyConstructor {
        format = new ConstantKeyBit('json');
        version = new AsyncKeyBit('v7');
      }

      const data = await new Mixed().getData(keyContext());

      expect(data).to.deep.equal({ format: 'json', version: 'v7' });
    });

    it('names a bit that throws', async () => {
      class Broken extends FormatLanguage {
        broken = new FailingKeyBit('throw');
      }

      const error = await new Broken().getData(keyContext()).catch((caught: unknown) => caught);

      expect(error).to.be.instanceOf(KeyConstructionError).with.property('bitName', 'broken');
      expect((error as Error).message).to.equal('Broken: key bit "broken" failed: boom');
    });

    it('names a bit that rejects', async () => {
      class Broken extends FormatLanguage {
        broken = new FailingKeyBit('reject');
      }

      const error = await new Broken().getKey(keyContext()).catch((caught: unknown) => caught);

      expect(error).to.be.instanceOf(KeyConstructionError).with.property('bitName', 'broken');
      expect((error as Error).message).to.match(/async boom/);
    });
  });

  describe('getKey()', () => {
    it('hashes the canonical JSON of the bits data with SHA-256', async () => {
      const key = await new FormatLanguage().getKey(keyContext());

      expect(key).to.equal(sha256('{"format":"json","language":"ru"}'));
    });

    it('returns the same key whatever the bit declaration order', async () => {
      const context = keyContext();

      expect(await new FormatLanguage().getKey(context)).to.equal(await new LanguageFormat().getKey(context));
    });

    it('returns the same key for async and sync bits with the same data', async () => {
      class Async extends KeyConstructor {
        format = new AsyncKeyBit('json');
        language = new AsyncKeyBit('ru');
      }

      expect(await new Async().getKey(keyContext())).to.equal(await new FormatLanguage().getKey(keyContext()));
    });

    it('returns different keys for different data', async () => {
      const changed = new FormatLanguage({ params: { language: 'en' } });

      expect(await changed.getKey(keyContext())).to.not.equal(await new FormatLanguage().getKey(keyContext()));
    });

    it('names the bit whose data has a circular reference', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      class Cyclic extends FormatLanguage {
        loop = new ConstantKeyBit(cyclic);
      }

      const error = await new Cyclic().getKey(keyContext()).catch((caught: unknown) => caught);

      expect(error).to.be.instanceOf(KeyConstructionError).with.property('bitName', 'loop');
      expect((error as Error).message).to.match(/circular reference at \$\.loop\.self/);
    });

    it('uses an overridden prepareKey', async () => {
      class Readable extends FormatLanguage {
        override prepareKey(data: Record<string, unknown>): string {
          return `books:${data.format}:${data.language}`;
        }
      }

      expect(await new Readable().getKey(keyContext())).to.equal('books:json:ru');
    });

    it('builds a key from a bare KeyConstructor with bits added later', async () => {
      const constructor = new KeyConstructor();
      constructor.bits.format = new FormatKeyBit();

      const key = await constructor.getKey(keyContext({ url: '/?format=xml' }));

      expect(key).to.equal(sha256('{"format":"xml"}'));
    });
  });

  describe('prepareKey()', () => {
    it('returns the same key for records built in different insertion orders', () => {
      const constructor = new KeyConstructor();

      const first = constructor.prepareKey({ a: 1, b: { c: [1, '1'], d: null } });
      const second = constructor.prepareKey({ b: { d: null, c: [1, '1'] }, a: 1 });

      expect(first)
        .to.equal(second)
        .and.to.match(/^[0-9a-f]{64}$/);
    });
  });
});
