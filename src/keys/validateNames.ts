import { InvalidOptionError } from '../errors';

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
