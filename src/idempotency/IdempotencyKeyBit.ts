import { InvalidOptionError } from '../errors';
import { ActionExchange, StateKey } from '../http/ActionExchange';
import { KeyBit, type KeyBitContext } from '../keys/KeyBit';
import { parseIdempotencyKey } from './parseIdempotencyKey';

/** What the idempotency step leaves under {@link PARSED_IDEMPOTENCY_KEY}. @internal */
export interface ParsedKeyState {
  readonly header: string;
  readonly key: string;
}

/**
 * Where the idempotency step leaves the key it has parsed, so the bit does not parse the header
 * again.
 * @internal
 */
export const PARSED_IDEMPOTENCY_KEY = new StateKey<ParsedKeyState>('parsed-idempotency-key');

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

  getData(context: KeyBitContext, header: string): string | null {
    const known = context instanceof ActionExchange ? context.get(PARSED_IDEMPOTENCY_KEY) : undefined;
    if (known?.header === header) return known.key;
    const parsed = parseIdempotencyKey(context.request.headerLines(header));
    return parsed.kind === 'key' ? parsed.key : null;
  }

  override validateParams(params: unknown): string {
    const header = params ?? 'Idempotency-Key';
    if (typeof header !== 'string' || header === '') throw new InvalidOptionError(this.constructor.name, 'params', 'a header name', params);
    return header;
  }
}
