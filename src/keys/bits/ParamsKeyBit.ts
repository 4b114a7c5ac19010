import type { KeyBitContext } from '../KeyBit';
import { RecordKeyBit, type NamesParam } from '../RecordKeyBit';

/**
 * Route parameters by name (drf-extensions' `KwargsKeyBit`), so `/books/1` and `/books/2` get
 * different keys. Default `'*'`: every route parameter.
 *
 * @example
 * ```ts
 * class BookKeyConstructor extends KeyConstructor {
 *   route = new ParamsKeyBit(['id']); // GET /books/:id with /books/7 → { id: '7' }
 * }
 * ```
 */
export class ParamsKeyBit extends RecordKeyBit {
  /** @param params - route parameter names, `'*'` for all, or `null` for none */
  constructor(params: NamesParam = '*') {
    super(params);
  }

  getSource({ request }: KeyBitContext): Readonly<Record<string, string>> {
    return request.params;
  }
}
