import { FormatKeyBit } from './bits/FormatKeyBit';
import { LanguageKeyBit } from './bits/LanguageKeyBit';
import { ParamsKeyBit } from './bits/ParamsKeyBit';
import { QueryParamsKeyBit } from './bits/QueryParamsKeyBit';
import { RequestMetaKeyBit } from './bits/RequestMetaKeyBit';
import { UniqueMethodIdKeyBit } from './bits/UniqueMethodIdKeyBit';
import { KeyConstructor } from './KeyConstructor';

/**
 * The key used when none is given: the action's identity, every route parameter, every query
 * parameter, the requested format (`Accept`, `?format=`), the language (`Accept-Language`) and
 * the host the framework resolved. drf-extensions' default has neither route nor query
 * parameters and so serves `/books/2` the cache of `/books/1` and `?q=y` the cache of `?q=x`
 * (its issue #169); this one does not, nor does it serve one tenant's host another's response.
 * Format and language key on the whole preference lists unless the settings `availableFormats`
 * / `availableLanguages` say what the app serves. It has no user: use a constructor with a
 * `UserKeyBit` for per-user responses. `Vary`: Accept, Accept-Language, X-Forwarded-Host.
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
  host = new RequestMetaKeyBit(['host']);
}
