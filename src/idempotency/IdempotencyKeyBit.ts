import { InvalidOptionError } from '../errors';
import { KeyBit, type KeyBitContext } from '../keys/KeyBit';
import { parseIdempotencyKey } from './parseIdempotencyKey';

/**
 * The client's idempotency key, unquoted (`"abc"` and `abc` give `'abc'`), from the header named
 * by the params (default `Idempotency-Key`); `null` when absent or malformed. The building block
 * of record keys: combine it with `UserKeyBit` (or a tenant bit) in a custom `keyFunc`.
 *
 * @example
 * ```ts
 * class TenantIdempotencyKey extends KeyConstructor {
 *   key = new IdempotencyKeyBit(); // 'order-42'
 *   tenant = new HeadersKeyBit(['x-tenant']);
 * }
 * ```
 */
export class IdempotencyKeyBit extends KeyBit<string> {
  /** @param header - the header carrying the key */
  constructor(header = 'Idempotency-Key') {
    super(header);
  }

  getData({ request }: KeyBitContext, header: string): string | null {
    const parsed = parseIdempotencyKey(request.headerLines(header));
    return parsed.kind === 'key' ? parsed.key : null;
  }

  override validateParams(params: unknown): string {
    const header = params ?? 'Idempotency-Key';
    if (typeof header !== 'string' || header === '') throw new InvalidOptionError(this.constructor.name, 'params', 'a header name', params);
    return header;
  }
}
