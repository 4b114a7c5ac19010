import { canonicalJson } from '../keys/canonicalJson';
import { KeyConstructor, type KeyConstructorOptions } from '../keys/KeyConstructor';
import { BodyKeyBit } from '../keys/bits/BodyKeyBit';
import { ParamsKeyBit } from '../keys/bits/ParamsKeyBit';
import { QueryParamsKeyBit } from '../keys/bits/QueryParamsKeyBit';
import { RequestMetaKeyBit } from '../keys/bits/RequestMetaKeyBit';
import { UserKeyBit } from '../keys/bits/UserKeyBit';
import { cachedHashKey } from './cachedHashKey';
import { IdempotencyKeyBit } from './IdempotencyKeyBit';

/**
 * The default record key of `@idempotencyKey`: the client's key and the current user, hashed, so
 * one user's key never replays to another (research §3.3: scope by principal, not credential).
 * Method and path are deliberately left out: they belong to the fingerprint, so a key reused on
 * another endpoint is a 422, not a silent second execution.
 *
 * @example
 * ```ts
 * @idempotencyKey({ keyFunc: new IdempotencyScopeKeyConstructor({ params: { key: 'X-Request-Key' } }) })
 * ```
 */
export class IdempotencyScopeKeyConstructor extends KeyConstructor {
  key = new IdempotencyKeyBit();
  user = new UserKeyBit();

  constructor(options: KeyConstructorOptions = {}) {
    super({ memoizeForRequest: false, ...options });
  }

  /** The base class's key (SHA-256 of the canonical JSON), remembered for recent texts. */
  override prepareKey(data: Record<string, unknown>): string {
    return cachedHashKey(canonicalJson(data));
  }
}

/**
 * The default request fingerprint of `@idempotencyKey`: method, route pattern, route params,
 * query (canonical: names sorted) and body (canonical JSON: key order and whitespace do not
 * matter). A key reused with another fingerprint is answered 422.
 *
 * @example
 * ```ts
 * @idempotencyKey({ fingerprint: new IdempotencyFingerprint({ params: { body: ['amount', 'currency'] } }) })
 * ```
 */
export class IdempotencyFingerprint extends KeyConstructor {
  request = new RequestMetaKeyBit(['method', 'route']);
  params = new ParamsKeyBit('*');
  query = new QueryParamsKeyBit('*');
  body = new BodyKeyBit('*');

  constructor(options: KeyConstructorOptions = {}) {
    super({ memoizeForRequest: false, ...options });
  }

  /** The base class's key (SHA-256 of the canonical JSON), remembered for recent texts. */
  override prepareKey(data: Record<string, unknown>): string {
    return cachedHashKey(canonicalJson(data));
  }
}
