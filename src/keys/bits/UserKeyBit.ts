import { InvalidOptionError, ExtensionsError } from '../../errors';
import { KeyBit, type KeyBitContext } from '../KeyBit';

/** Params of `UserKeyBit`: how to read an id from the current user. */
export type UserIdExtractor = (user: unknown) => unknown;

/** The data of `UserKeyBit` when nobody is logged in. */
export const ANONYMOUS_USER = 'anonymous';

const ID_FIELDS = ['id', '_id', 'userId', 'username'] as const;

/**
 * The current user's id, so one user's response never serves another
 * (drf-extensions' `UserKeyBit`). The user comes from the app's `currentUserChecker`, else
 * `req.user` / `ctx.state.user`. No user (`undefined`, `null`, `false`, `''`) gives
 * `'anonymous'`; a string or number is the id itself; from an object the first present of
 * `id`, `_id`, `userId`, `username` (an object id such as Mongo's `ObjectId` as its string).
 * A user object with none of these fails the key rather than share one key between users;
 * pass an extractor (drf's `_get_id_from_user` hook) for other shapes.
 *
 * @example
 * ```ts
 * class PrivateKeyConstructor extends KeyConstructor {
 *   user = new UserKeyBit(); // data: 42, or 'anonymous'
 *   account = new UserKeyBit((user) => (user as Account).email);
 * }
 * ```
 */
export class UserKeyBit extends KeyBit<UserIdExtractor | undefined> {
  getData({ request }: KeyBitContext, extract: UserIdExtractor | undefined): Promise<unknown> {
    return request.currentUser().then((user) => (isAnonymous(user) ? ANONYMOUS_USER : extract ? extract(user) : idOf(user)));
  }

  override identifiesUser(): boolean {
    return true;
  }

  override validateParams(params: unknown): UserIdExtractor | undefined {
    if (params === undefined || params === null || typeof params === 'function')
      return (params ?? undefined) as UserIdExtractor | undefined;
    throw new InvalidOptionError(this.constructor.name, 'params', 'a function returning the user id', params);
  }
}

function isAnonymous(user: unknown): boolean {
  return user === undefined || user === null || user === false || user === '';
}

function idOf(user: unknown): unknown {
  if (typeof user === 'string' || typeof user === 'number') return user;
  if (typeof user === 'bigint') return user.toString();
  if (typeof user === 'object' && user !== null) {
    for (const field of ID_FIELDS) {
      const id: unknown = (user as Record<string, unknown>)[field];
      if (id === undefined || id === null) continue;
      return typeof id === 'object' ? String(id) : id;
    }
  }
  throw new ExtensionsError(`UserKeyBit: the current user has none of ${ID_FIELDS.join(', ')}; pass new UserKeyBit((user) => id)`);
}
