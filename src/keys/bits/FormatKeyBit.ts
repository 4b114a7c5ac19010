import { KeyBit, type KeyBitContext } from '../KeyBit';

/**
 * The negotiated response format (`json`, `xml`, `html`, `text`, …) from `?format=` or the
 * `Accept` header, so an HTML and a JSON rendering of one URL never share a key
 * (drf-extensions' `FormatKeyBit`; its issue #76).
 *
 * @example
 * ```ts
 * class PageKeyConstructor extends KeyConstructor {
 *   format = new FormatKeyBit(); // data: 'json'
 * }
 * ```
 */
export class FormatKeyBit extends KeyBit {
  getData({ request }: KeyBitContext): string {
    return request.format;
  }
}
