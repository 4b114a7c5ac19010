import type { NamesParam } from '../RecordKeyBit';
import { QueryParamsKeyBit } from './QueryParamsKeyBit';

/** The query parameters `PaginationKeyBit` reads unless told otherwise. */
export const DEFAULT_PAGINATION_PARAMS: readonly string[] = Object.freeze(['page', 'pageSize', 'page_size', 'limit', 'offset', 'cursor']);

/**
 * The pagination query parameters, so every page gets its own key (drf-extensions reads them
 * from the view's paginator, which broke with DRF 3.1: its issues #92, #203). Pass the names
 * your API uses; missing ones are skipped.
 *
 * @example
 * ```ts
 * class ListKeyConstructor extends KeyConstructor {
 *   pagination = new PaginationKeyBit(); // ?page=2&limit=20&q=x → { page: '2', limit: '20' }
 *   custom = new PaginationKeyBit(['p', 'per']);
 * }
 * ```
 */
export class PaginationKeyBit extends QueryParamsKeyBit {
  /** @param params - the pagination parameter names (default `DEFAULT_PAGINATION_PARAMS`) */
  constructor(params: NamesParam = DEFAULT_PAGINATION_PARAMS) {
    super(params);
  }
}
