import { ExtensionsError, InvalidOptionError } from '../errors';
import type { RequestView } from '../http/RequestView';
import { BodyKeyBit } from '../keys/bits/BodyKeyBit';
import { FormatKeyBit } from '../keys/bits/FormatKeyBit';
import { LanguageKeyBit } from '../keys/bits/LanguageKeyBit';
import { RequestMetaKeyBit } from '../keys/bits/RequestMetaKeyBit';
import { controllerName } from '../keys/bits/UniqueControllerIdKeyBit';
import { UserKeyBit } from '../keys/bits/UserKeyBit';
import { canonicalJson, hashKey } from '../keys/canonicalJson';
import type { KeyBitContext } from '../keys/KeyBit';
import { KeyConstructor } from '../keys/KeyConstructor';
import { RecordKeyBit } from '../keys/RecordKeyBit';

/** Builds the entry key of one call of a `@cached` method. @internal */
export type CachedKeyOf = (instance: object, methodName: string, args: readonly unknown[]) => Promise<string>;

/** The library's bits that read the request (a `@cached` call has none). */
const REQUEST_BITS: readonly Function[] = [BodyKeyBit, FormatKeyBit, LanguageKeyBit, RecordKeyBit, RequestMetaKeyBit, UserKeyBit];

const EXPECTED = 'a function of the arguments or a KeyConstructor';

/**
 * Checks the `key` option when the decorator is applied: a function (not a class), or a
 * `KeyConstructor` none of whose bits is one of the library's request bits.
 * @internal
 */
export function checkCachedKey(key: unknown, owner: string): void {
  if (key instanceof KeyConstructor) {
    key.validate();
    for (const [name, bit] of Object.entries(key.bits)) {
      const requestBit = REQUEST_BITS.find((cls) => bit instanceof cls);
      if (requestBit) {
        throw new InvalidOptionError(
          owner,
          'key',
          `a KeyConstructor whose bits read no request (ArgsKeyBit, UniqueMethodIdKeyBit, your own): bit "${name}" is a ${bit.constructor.name}`,
          key,
        );
      }
    }
    return;
  }
  if (typeof key !== 'function') throw new InvalidOptionError(owner, 'key', EXPECTED, key);
  if (/^class[\s{]/.test(Function.prototype.toString.call(key)))
    throw new InvalidOptionError(owner, 'key', `${EXPECTED} (not a class)`, key);
}

/**
 * The key function of a `@cached` method: the `key` option's, or by default a hash of the
 * instance's class, the method and the canonical JSON of the arguments.
 * @internal
 */
export function cachedKeyOf(key: unknown, owner: string): CachedKeyOf {
  if (key === undefined) {
    return (instance, methodName, args) => {
      try {
        return Promise.resolve(hashKey(canonicalJson({ method: `${controllerName(instance)}.${methodName}`, args })));
      } catch (error) {
        return Promise.reject(
          new ExtensionsError(`${owner}: the arguments cannot be encoded as a key: ${String(error)}`, { cause: error }),
        );
      }
    };
  }
  if (key instanceof KeyConstructor) {
    return (instance, methodName, args) =>
      key.getKey({ request: NO_REQUEST, controller: instance, methodName, args, keyMemos: new Map() } satisfies KeyBitContext);
  }
  const fn = key as (...args: unknown[]) => unknown;
  return async (instance, _methodName, args) => {
    const value = await fn.apply(instance, [...args]);
    if (typeof value !== 'string' || value === '') {
      throw new ExtensionsError(`${owner}: option key returned ${value === '' ? 'an empty string' : typeof value}, expected a string`);
    }
    return value;
  };
}

/** The request view of a call that has none: a bit of yours that reads it fails, naming itself. */
const NO_REQUEST: RequestView = new Proxy({} as RequestView, {
  get(_target, property) {
    if (property === 'then') return undefined;
    throw new ExtensionsError(
      `a @cached method has no request: key bits may read args, controller and methodName only (read "${String(property)}")`,
    );
  },
});
