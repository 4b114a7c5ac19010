import type { KeyBitContext } from '../KeyBit';
import { RecordKeyBit, type NamesParam } from '../RecordKeyBit';

/**
 * Request header values by name, case-insensitive; data keys are the lower-cased names and
 * repeated field lines come combined with `, ` (RFC 9110 §5.3). `'*'` takes every header,
 * `Cookie` and `Authorization` included, which makes the key per client (drf-extensions'
 * `'*'` yields nothing, and `Content-Type` is out of its reach; both work here). Declares the
 * names for `Vary` (`'*'` declares `Vary: *`: no cache in front may reuse the response).
 *
 * @example
 * ```ts
 * class GeoKeyConstructor extends KeyConstructor {
 *   headers = new HeadersKeyBit(['User-Agent', 'X-Geobase-Id']);
 *   // data: { 'user-agent': 'curl/8.5', 'x-geobase-id': '123' }
 * }
 * ```
 */
export class HeadersKeyBit extends RecordKeyBit {
  /** @param params - header names, `'*'` for all, or `null` for none */
  constructor(params: NamesParam) {
    super(params);
  }

  getSource({ request }: KeyBitContext): Readonly<Record<string, string>> {
    return request.headers;
  }

  override vary(params: NamesParam): readonly string[] {
    if (params === null) return [];
    return params === '*' ? ['*'] : params.map((name) => name.toLowerCase());
  }

  protected override sourceKey(name: string): string {
    return name.toLowerCase();
  }

  protected override dataKey(name: string): string {
    return name.toLowerCase();
  }
}
