import { KeyBit, type KeyBitContext } from '../KeyBit';

/**
 * The preferred language parsed from `Accept-Language` (lower-cased tag with the highest q),
 * or `null` when the request states none (drf-extensions' `LanguageKeyBit`).
 *
 * @example
 * ```ts
 * class PageKeyConstructor extends KeyConstructor {
 *   language = new LanguageKeyBit(); // data: 'ru' for `Accept-Language: ru, en;q=0.5`
 * }
 * ```
 */
export class LanguageKeyBit extends KeyBit {
  getData({ request }: KeyBitContext): string | null {
    return request.language ?? null;
  }
}
