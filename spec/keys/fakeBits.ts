import { createHash } from 'node:crypto';
import { KeyBit, type KeyBitContext } from '../../src/keys/KeyBit';
import { KeyConstructor } from '../../src/keys/KeyConstructor';

/** A bit whose data is its params (drf's constant `TestFormatKeyBit`, `TestLanguageKeyBit`). */
export class ConstantKeyBit extends KeyBit<unknown> {
  getData(_context: KeyBitContext, params: unknown): unknown {
    return params;
  }
}

/** A bit returning what it receives. */
export class EchoKeyBit extends KeyBit<unknown> {
  getData(context: KeyBitContext, params: unknown): unknown {
    return { params, context };
  }
}

/** A bit whose data is its params, asynchronously. */
export class AsyncKeyBit extends KeyBit<unknown> {
  getData(_context: KeyBitContext, params: unknown): Promise<unknown> {
    return Promise.resolve().then(() => params);
  }
}

/** A bit that throws or rejects. */
export class FailingKeyBit extends KeyBit<'throw' | 'reject'> {
  getData(): unknown {
    if (this.params === 'throw') throw new Error('boom');
    return Promise.reject(new Error('async boom'));
  }
}

/** format 'json' + language 'ru'. */
export class FormatLanguage extends KeyConstructor {
  format = new ConstantKeyBit('json');
  language = new ConstantKeyBit('ru');
}

/** The same bits declared in the other order. */
export class LanguageFormat extends KeyConstructor {
  language = new ConstantKeyBit('ru');
  format = new ConstantKeyBit('json');
}

/** SHA-256 hex, computed independently of the library. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
