import { FormatKeyBit } from './bits/FormatKeyBit';
import { LanguageKeyBit } from './bits/LanguageKeyBit';
import { ParamsKeyBit } from './bits/ParamsKeyBit';
import { QueryParamsKeyBit } from './bits/QueryParamsKeyBit';
import { UniqueMethodIdKeyBit } from './bits/UniqueMethodIdKeyBit';
import { KeyConstructor } from './KeyConstructor';

/**
 * The key used when none is given: the action's identity, every route parameter, every query
 * parameter, the negotiated format and the preferred language. drf-extensions' default has
 * neither route nor query parameters and so serves `/books/2` the cache of `/books/1` and
 * `?q=y` the cache of `?q=x` (its issue #169); this one does not. It has no user: use a
 * constructor with a `UserKeyBit` for per-user responses.
 *
 * @example
 * ```ts
 * @Get('/books/:id')
 * @cacheResponse({ keyFunc: new DefaultKeyConstructor({ params: { queryParams: ['fields'] } }) })
 * one(@Param('id') id: string) { ... }
 * ```
 */
export class DefaultKeyConstructor extends KeyConstructor {
  uniqueMethodId = new UniqueMethodIdKeyBit();
  routeParams = new ParamsKeyBit('*');
  queryParams = new QueryParamsKeyBit('*');
  format = new FormatKeyBit();
  language = new LanguageKeyBit();
}
