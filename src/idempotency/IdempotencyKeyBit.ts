import { InvalidOptionError } from '../errors';
import { ActionExchange, StateKey } from '../http/ActionExchange';
import { KeyBit, type KeyBitContext } from '../keys/KeyBit';

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

/** Longest key accepted, in characters (Stripe's limit, as the research recommends). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** What the `Idempotency-Key` field lines of a request amount to. */
export type ParsedIdempotencyKey =
  { readonly kind: 'key'; readonly key: string } | { readonly kind: 'missing' } | { readonly kind: 'invalid'; readonly reason: string };

const BARE = /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+$/;

/**
 * Parses the field lines of the key header (draft-ietf-httpapi-idempotency-key-header §2: an
 * RFC 9651 §3.3.3 sf-string; its parameters are ignored). A bare token of printable characters
 * without `"`, `,` or `\` is accepted too unless `strict`, and names the same key as its quoted
 * form. More than one field line, an empty key or one longer than 255 characters is invalid.
 *
 * @example
 * ```ts
 * parseIdempotencyKey(['"abc";v=1']); // { kind: 'key', key: 'abc' }
 * parseIdempotencyKey(['abc', 'def']); // { kind: 'invalid', reason: 'more than one field line' }
 * ```
 */
export function parseIdempotencyKey(lines: readonly string[], strict = false): ParsedIdempotencyKey {
  if (lines.length === 0) return { kind: 'missing' };
  if (lines.length > 1) return invalid('more than one field line');
  const value = lines[0].trim();
  let key: string;
  if (value.startsWith('"')) {
    const parsed = parseSfString(value);
    if (typeof parsed !== 'string') return parsed;
    key = parsed;
  } else {
    if (strict) return invalid('not a quoted sf-string');
    if (value === '') return invalid('empty');
    if (!BARE.test(value)) return invalid('a bare key may hold only printable characters other than ", , and \\');
    key = value;
  }
  if (key.length === 0) return invalid('empty');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) return invalid(`longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  return { kind: 'key', key };
}

function parseSfString(value: string): string | ParsedIdempotencyKey {
  let key = '';
  for (let index = 1; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code === 0x5c) {
      const next = value[index + 1];
      if (next !== '"' && next !== '\\') return invalid('bad escape in sf-string');
      key += next;
      index += 1;
    } else if (code === 0x22) {
      const rest = value.slice(index + 1);
      // Parameters (`;name=value`) may follow an sf-item; they carry nothing for us.
      if (rest !== '' && !rest.startsWith(';')) return invalid('characters after the sf-string');
      return key;
    } else if (code < 0x20 || code > 0x7e) {
      return invalid('non-printable character in sf-string');
    } else {
      key += value[index];
    }
  }
  return invalid('unterminated sf-string');
}

function invalid(reason: string): ParsedIdempotencyKey {
  return { kind: 'invalid', reason };
}
