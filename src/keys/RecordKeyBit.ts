import { InvalidOptionError } from '../errors';
import { KeyBit, type KeyBitContext } from './KeyBit';

/**
 * Params of a bit that reads named entries from a record: a list of names, `'*'` for all of
 * them, or `null` for none (the bit then yields `{}`, drf-extensions' `params=None`).
 */
export type NamesParam = readonly string[] | '*' | null;

/**
 * Checks a `NamesParam` when a bit is built or its params are overridden, and returns a frozen
 * copy of a list so later changes to the caller's array cannot change keys.
 *
 * @param owner - the bit's class name, for the error message
 * @param allowed - when given, the only names accepted
 * @example
 * ```ts
 * validateNames('HeadersKeyBit', ['accept']); // ['accept']
 * validateNames('HeadersKeyBit', 42); // throws InvalidOptionError
 * ```
 */
export function validateNames(owner: string, value: unknown, allowed?: readonly string[]): NamesParam {
  if (value === '*' || value === null) return value;
  const expected = allowed ? `'*', null or an array of names among ${allowed.join(', ')}` : `'*', null or an array of names`;
  if (!Array.isArray(value)) throw new InvalidOptionError(owner, 'params', expected, value);
  for (const name of value) {
    if (typeof name !== 'string' || name === '' || (allowed && !allowed.includes(name))) {
      throw new InvalidOptionError(owner, 'params', expected, value);
    }
  }
  return Object.freeze([...(value as string[])]);
}

/**
 * Base of the bits that copy named entries of a record (headers, query, route params…):
 * drf-extensions' `KeyBitDictBase`. A subclass names its source; params pick the entries
 * (`'*'` all, a list some, `null` none). Missing, `undefined` and `null` entries are skipped,
 * empty strings kept, values copied as they are (a repeated query value stays an array).
 *
 * @example
 * ```ts
 * class CookiesKeyBit extends RecordKeyBit {
 *   getSource({ request }: KeyBitContext) {
 *     return parseCookies(request.headers.cookie);
 *   }
 * }
 * new CookiesKeyBit(['theme']); // getData → { theme: 'dark' }
 * ```
 */
export abstract class RecordKeyBit extends KeyBit<NamesParam> {
  /** The record the entries are read from (`undefined` reads as empty). */
  abstract getSource(context: KeyBitContext): Readonly<Record<string, unknown>> | undefined;

  /** Maps a requested name to the source's key (drf's `prepare_key_for_value_retrieving`). */
  protected sourceKey(name: string): string {
    return name;
  }

  /** Maps a requested name to the key in the bit's data (drf's `prepare_key_for_value_assignment`). */
  protected dataKey(name: string): string {
    return name;
  }

  getData(context: KeyBitContext, params: NamesParam): Record<string, unknown> {
    const data: Record<string, unknown> = {};
    if (params === null) return data;
    const source = this.getSource(context);
    if (source === undefined || source === null) return data;
    const names = params === '*' ? Object.keys(source) : params;
    for (const name of names) {
      const key = params === '*' ? name : this.sourceKey(name);
      if (!Object.hasOwn(source, key)) continue;
      const value = source[key];
      if (value !== undefined && value !== null) data[this.dataKey(name)] = value;
    }
    return data;
  }

  override validateParams(params: unknown): NamesParam {
    return validateNames(this.constructor.name, params);
  }
}
