import { InvalidOptionError } from '../errors';
import { canonicalJson, hashKey } from '../keys/canonicalJson';
import { KeyBit, type KeyBitContext } from '../keys/KeyBit';
import { KeyConstructor, type KeyConstructorOptions } from '../keys/KeyConstructor';
import { BodyKeyBit } from '../keys/bits/BodyKeyBit';
import { ParamsKeyBit } from '../keys/bits/ParamsKeyBit';
import { QueryParamsKeyBit } from '../keys/bits/QueryParamsKeyBit';
import { RequestMetaKeyBit } from '../keys/bits/RequestMetaKeyBit';
import { UserKeyBit } from '../keys/bits/UserKeyBit';
import { IdempotencyKeyBit } from './IdempotencyKeyBit';

/** Whether a current user (from `currentUserChecker`, `req.user`, `ctx.state.user`) means nobody. @internal */
export function isAnonymous(user: unknown): boolean {
  return user === undefined || user === null || user === false || user === '';
}

/**
 * The credentials a request presents, hashed, when it has no resolved user; nothing (`undefined`,
 * which leaves the key as it is) when it has one or presents none. Params: the credential headers
 * (the `credentialHeaders` setting). So callers an app cannot tell apart by user still get one
 * scope per credential: a second bearer token never replays the first one's response, while a
 * logged-in user's refreshed token still does (the user, not the token, is the scope then).
 *
 * @example
 * ```ts
 * class ScopeKey extends KeyConstructor {
 *   key = new IdempotencyKeyBit();
 *   user = new UserKeyBit();
 *   credentials = new IdempotencyCredentialsKeyBit(['authorization', 'x-api-key']);
 * }
 * ```
 */
export class IdempotencyCredentialsKeyBit extends KeyBit<readonly string[]> {
  /** @param headers - the request headers carrying credentials */
  constructor(headers: readonly string[] = ['authorization', 'cookie']) {
    super(headers);
  }

  getData({ request }: KeyBitContext, headers: readonly string[]): Promise<string | undefined> | undefined {
    const presented: [string, string][] = [];
    for (const name of headers) {
      const value = request.headers[name];
      if (value !== undefined) presented.push([name, value]);
    }
    // No credentials, nothing to add: no need to know the user (and no promise on the hot path).
    if (presented.length === 0) return undefined;
    // Hashed here, so no credential text is kept, not even in the hash cache.
    return request.currentUser().then((user) => (isAnonymous(user) ? hashKey(canonicalJson(presented)) : undefined));
  }

  override validateParams(params: unknown): readonly string[] {
    const headers = params ?? ['authorization', 'cookie'];
    if (!Array.isArray(headers) || !headers.every((name) => typeof name === 'string' && name !== '')) {
      throw new InvalidOptionError(this.constructor.name, 'params', 'an array of header names', params);
    }
    return Object.freeze(headers.map((name: string) => name.toLowerCase()));
  }
}

/**
 * The default record key of `@idempotencyKey`: the client's key and the current user, hashed, so
 * one user's key never replays to another (research §3.3: scope by principal, not credential);
 * without a resolved user, the credentials presented (`IdempotencyCredentialsKeyBit` with the
 * `credentialHeaders` setting) take the user's place. Method and path are deliberately left
 * out: they belong to the fingerprint, so a key reused on another endpoint is a 422, not a
 * silent second execution.
 *
 * @example
 * ```ts
 * @idempotencyKey({ keyFunc: new IdempotencyScopeKeyConstructor({ params: { key: 'X-Request-Key' } }) })
 * ```
 */
export class IdempotencyScopeKeyConstructor extends KeyConstructor {
  key = new IdempotencyKeyBit();
  user = new UserKeyBit();
  credentials = new IdempotencyCredentialsKeyBit();

  constructor(options: KeyConstructorOptions = {}) {
    super({ memoizeForRequest: false, ...options });
  }
}

/**
 * The default request fingerprint of `@idempotencyKey`: method, route pattern, route params,
 * query (canonical: names sorted) and body (canonical JSON: key order and whitespace do not
 * matter; any nesting depth). A key reused with another fingerprint is answered 422.
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
}
