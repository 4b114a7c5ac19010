import { KeyBit, type KeyBitContext } from './KeyBit';
import { validateNames, type NamesParam } from './validateNames';

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
