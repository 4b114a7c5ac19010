import type { RequestView } from '../../http/RequestView';
import { KeyBit, type KeyBitContext } from '../KeyBit';
import { validateNames } from '../RecordKeyBit';

/** The request facts `RequestMetaKeyBit` can read. */
export const REQUEST_META_NAMES = Object.freeze(['ip', 'method', 'path', 'url', 'route', 'host', 'protocol'] as const);

/**
 * The header each fact comes from when the framework trusts a proxy (Express `trust proxy`, Koa
 * `app.proxy`): declared for `Vary`, since a cache in front cannot know whether the app trusts it.
 */
const FORWARDED_HEADERS: Readonly<Partial<Record<RequestMetaName, string>>> = Object.freeze({
  ip: 'x-forwarded-for',
  host: 'x-forwarded-host',
  protocol: 'x-forwarded-proto',
});

/** One of `REQUEST_META_NAMES`. */
export type RequestMetaName = (typeof REQUEST_META_NAMES)[number];

/**
 * Facts about the request by name: `ip`, `method`, `path` (as received), `url` (path and query),
 * `route` (the matched pattern, e.g. `/books/:id`), `host` (lower-cased, with its port), `protocol`.
 * `ip`, `host` and `protocol` are what the framework resolved: `X-Forwarded-For`, `-Host` and
 * `-Proto` count only where it trusts the proxy (Express `trust proxy`, Koa `app.proxy`), and
 * those headers are declared for `Vary`. Names are checked when the bit is built
 * (drf-extensions reads raw WSGI environ keys, and its `'*'` puts a per-request memory address
 * into the key; here `'*'` is just every fact above).
 *
 * @example
 * ```ts
 * class ClientKeyConstructor extends KeyConstructor {
 *   meta = new RequestMetaKeyBit(['ip', 'method']); // { ip: '10.0.0.7', method: 'GET' }
 * }
 * ```
 */
export class RequestMetaKeyBit extends KeyBit<readonly RequestMetaName[] | '*' | null> {
  /** @param params - fact names, `'*'` for all, or `null` for none */
  constructor(params: readonly RequestMetaName[] | '*' | null) {
    super(params);
  }

  getData({ request }: KeyBitContext, params: readonly RequestMetaName[] | '*' | null): Partial<Record<RequestMetaName, string>> {
    const data: Partial<Record<RequestMetaName, string>> = {};
    if (params === null) return data;
    for (const name of params === '*' ? REQUEST_META_NAMES : params) {
      const value: RequestView[RequestMetaName] = request[name];
      if (value !== undefined && value !== null) data[name] = value;
    }
    return data;
  }

  override vary(params: readonly RequestMetaName[] | '*' | null): readonly string[] {
    if (params === null) return [];
    const headers: string[] = [];
    for (const name of params === '*' ? REQUEST_META_NAMES : params) {
      const header = FORWARDED_HEADERS[name];
      if (header !== undefined) headers.push(header);
    }
    return headers;
  }

  override validateParams(params: unknown): readonly RequestMetaName[] | '*' | null {
    return validateNames(this.constructor.name, params, REQUEST_META_NAMES) as readonly RequestMetaName[] | '*' | null;
  }
}
