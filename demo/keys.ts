import {
  FormatKeyBit,
  KeyBit,
  KeyConstructor,
  LanguageKeyBit,
  ParamsKeyBit,
  QueryParamsKeyBit,
  UniqueMethodIdKeyBit,
  type KeyBitContext,
} from '../src';
import { cityStore } from './cityStore';

/**
 * drf-extensions' `UpdatedAtKeyBit`: a version read from the data store and bumped by every
 * write, so any write changes every key built with it (no invalidation needed).
 */
export class UpdatedAtKeyBit extends KeyBit {
  getData(): number {
    return cityStore.updatedAt;
  }
}

/** The key of the city list: method, the filter and paging query params, format, language, data version. */
export class CityListKeyConstructor extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  query = new QueryParamsKeyBit(['country', 'page']);
  format = new FormatKeyBit({ available: ['json'] });
  language = new LanguageKeyBit({ available: ['en', 'de'] }); // negotiated: every German speaker shares one entry
  updatedAt = new UpdatedAtKeyBit();
}

/** The key of one city: method, route params, format, language. */
export class CityKeyConstructor extends KeyConstructor {
  method = new UniqueMethodIdKeyBit();
  params = new ParamsKeyBit(['id']);
  format = new FormatKeyBit({ available: ['json'] });
  language = new LanguageKeyBit({ available: ['en', 'de'] });
}

/** Shared by `@etag` and `@cacheResponse` on one action: computed once per request. */
export const cityListKey = new CityListKeyConstructor({ memoizeForRequest: true });

/** The entity tag of a city: its stored version (cheap, read before the action runs). */
export function cityVersionTag({ request }: KeyBitContext): string {
  const city = cityStore.get(Number(request.params.id));
  return city ? `city-${city.id}-v${city.version}` : 'missing';
}
