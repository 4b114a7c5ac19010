import type { KeyBitContext } from '../KeyBit';
import { RecordKeyBit, type NamesParam } from '../RecordKeyBit';

/**
 * Query string values by name: a single value as a string, a repeated one as an array in the
 * order received (drf-extensions keeps only the last, so `?a=1&a=2` equals `?a=2` there; not
 * here). Default `'*'`: every query parameter.
 *
 * @example
 * ```ts
 * class SearchKeyConstructor extends KeyConstructor {
 *   query = new QueryParamsKeyBit(['q', 'tag']); // ?q=x&tag=a&tag=b → { q: 'x', tag: ['a', 'b'] }
 * }
 * ```
 */
export class QueryParamsKeyBit extends RecordKeyBit {
  /** @param params - parameter names, `'*'` for all, or `null` for none */
  constructor(params: NamesParam = '*') {
    super(params);
  }

  getSource({ request }: KeyBitContext): Readonly<Record<string, string | readonly string[]>> {
    return request.query;
  }
}
