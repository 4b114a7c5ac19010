import { ExtensionsError, InvalidOptionError } from '../errors';
import { isPlainObject } from '../options';
import type { KeyBitContext } from '../keys/KeyBit';
import { type EntityTagListLimits, resolveEntityTagListLimits } from './entityTagList';
import { isThenable } from '../promises';
import { KeyConstructor } from '../keys/KeyConstructor';
import { resolveKeyFunc, type KeyFunc, type KeyFuncDefaults } from '../keys/KeyFunc';
import { controllerName } from '../keys/bits/UniqueControllerIdKeyBit';
import { isStorage, type Storage } from '../storage/Storage';
import { parseTagList, type TagList, type TagTemplates } from '../cache/tagTemplates';
import { formatEntityTag, isEntityTag } from './entityTags';

/**
 * Options of {@link etag}. Unset fields fall back to the defaults below or to
 * `configureExtensions` settings.
 *
 * @example
 * ```ts
 * const options: EtagOptions = { etagFunc: 'version', rebuildAfterMethodEvaluation: true, requirePrecondition: true };
 * const byTags: EtagOptions = { tags: ['city:{id}'] }; // changes exactly when @invalidates(['city:{id}']) runs
 * ```
 */
export interface EtagOptions {
  /**
   * Computes the current entity tag BEFORE the action, so a 304 or 412 costs no handler run: a
   * `KeyConstructor`, a function of the context, or a controller method name. A function may
   * return a bare value (`v2`, quoted for you), a formatted tag (`"v2"`, `W/"v2"`), or `null` /
   * `undefined` for "no current representation" (`If-Match: *` then fails, `If-None-Match: *`
   * passes). Not allowed together with `content`.
   * @default settings.defaultEtagFunc (DefaultKeyConstructor), unless `content` is set
   */
  etagFunc?: KeyFunc | ((context: KeyBitContext) => string | null | undefined | Promise<string | null | undefined>);
  /**
   * Derive a strong tag from the final body bytes after the action instead (RFC 9110 §8.8.3:
   * per representation by construction). GET/HEAD answer 304 after the action ran, without
   * sending the body. Other methods cannot know the tag beforehand: only `If-Match: *` and
   * `If-None-Match: *` can pass there. A HEAD carries a tag only when served from a stored GET.
   * @default false
   */
  content?: boolean;
  /**
   * Build a strong tag from the current versions of these invalidation tags in the shared store
   * (`cache`), plus the request path's own tag: the tag changes exactly when `@invalidates` or
   * `invalidateTags` bump one of them, in every process sharing the store, and a 304 costs one
   * read of the versions (no action run, no cache entry read). Names may hold `{param}`
   * placeholders for route parameters (`['city:{id}']`, checked when the app is built), or a
   * function of the context returns them. With `etagFunc` as well, its value joins the
   * versions (give it the bits the representation varies on, e.g. a `FormatKeyBit`). Not
   * allowed together with `content`.
   * @default none
   */
  tags?: TagList;
  /**
   * With `tags`: the store whose tag versions make the tag, the one `@invalidates` bumps (a
   * configured store's name or a `Storage`).
   * @default settings.defaultUseCache ('default')
   */
  cache?: string | Storage;
  /**
   * The representation's modification time (a `Last-Modified` validator for `If-Modified-Since`
   * and `If-Unmodified-Since`), computed before the action; `null` / `undefined` for none.
   * @default none
   */
  lastModified?: (context: KeyBitContext) => Date | number | null | undefined | Promise<Date | number | null | undefined>;
  /**
   * Send weak tags (`W/"…"`, RFC 9110 §8.8.1): for tags that stand for semantically equal but
   * not byte-identical representations. A weak tag never satisfies `If-Match`.
   * @default false
   */
  weak?: boolean;
  /**
   * After a successful unsafe action (not GET, HEAD, OPTIONS, TRACE), compute the tag and the
   * modification time again (never from a per-request memo) and send them: they describe the
   * new state. Without it an unsafe response carries no validators, since the ones computed
   * before the action are stale (RFC 9110 §13.1.1).
   * @default false
   */
  rebuildAfterMethodEvaluation?: boolean;
  /**
   * Answer 428 (RFC 6585 §3) to unsafe requests that send neither `If-Match` nor
   * `If-Unmodified-Since` (`If-None-Match: *` also counts): `true` for every unsafe method, or a
   * list of methods. drf-extensions' `APIETag` idea.
   * @default false
   */
  requirePrecondition?: boolean | readonly string[];
  /**
   * Caps on `If-Match` / `If-None-Match` lists; past one the answer is 431.
   * @default DEFAULT_ENTITY_TAG_LIST_LIMITS (64 members, 8192 characters)
   */
  limits?: Partial<EntityTagListLimits>;
  /**
   * With `content`: the largest body hashed, in bytes. Larger bodies stream out without a tag.
   * @default 1048576 (1 MiB)
   */
  maxContentBytes?: number;
}

/** Defaults of {@link EtagOptions} that do not come from settings. */
export const DEFAULT_ETAG_OPTIONS = Object.freeze({
  content: false,
  weak: false,
  rebuildAfterMethodEvaluation: false,
  requirePrecondition: false as boolean | readonly string[],
  maxContentBytes: 1 << 20,
});

/** Options as validated when the decorator is applied. @internal */
export interface ValidatedEtagOptions {
  /** Undefined: `settings.defaultEtagFunc` (unless `content`), resolved when a route is bound. */
  readonly etagFunc?: EtagOptions['etagFunc'];
  readonly content: boolean;
  readonly lastModified?: EtagOptions['lastModified'];
  readonly weak: boolean;
  readonly rebuildAfterMethodEvaluation: boolean;
  readonly requirePrecondition: boolean | readonly string[];
  readonly limits: EntityTagListLimits;
  readonly maxContentBytes: number;
  readonly tags?: TagTemplates;
  readonly cache?: string | Storage;
}

const KNOWN = new Set([
  'etagFunc',
  'content',
  'lastModified',
  'weak',
  'rebuildAfterMethodEvaluation',
  'requirePrecondition',
  'limits',
  'maxContentBytes',
  'tags',
  'cache',
]);
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Validates `@etag(etagFuncOrOptions, options)` when the decorator is applied; every error is an
 * `InvalidOptionError` naming `owner` (the decorator and `Controller.method`), the option and the value.
 * @internal
 */
export function validateEtagOptions(etagFuncOrOptions: unknown, extra: EtagOptions | undefined, owner: string): ValidatedEtagOptions {
  return validateMergedEtagOptions(etagOptionsOf(etagFuncOrOptions, extra, owner), owner);
}

/** Like {@link validateEtagOptions}, for the arguments already merged into one object. @internal */
export function validateMergedEtagOptions(options: EtagOptions, owner: string): ValidatedEtagOptions {
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw new InvalidOptionError(owner, name, `one of ${[...KNOWN].join(', ')}`, name);
  }
  const { content, weak, rebuildAfterMethodEvaluation, requirePrecondition, lastModified, maxContentBytes } = options;
  for (const [name, value] of [
    ['content', content],
    ['weak', weak],
    ['rebuildAfterMethodEvaluation', rebuildAfterMethodEvaluation],
  ] as const) {
    if (value !== undefined && typeof value !== 'boolean') throw new InvalidOptionError(owner, name, 'a boolean', value);
  }
  if (content && options.etagFunc !== undefined) {
    throw new InvalidOptionError(owner, 'content', 'false when etagFunc is given (one source of tags)', content);
  }
  const tags = options.tags === undefined ? undefined : parseTagList(options.tags, owner, 'tags');
  if (content && tags) throw new InvalidOptionError(owner, 'content', 'false when tags are given (one source of tags)', content);
  const { cache } = options;
  if (cache !== undefined && !(typeof cache === 'string' ? cache !== '' : isStorage(cache)))
    throw new InvalidOptionError(owner, 'cache', 'a store name or a Storage', cache);
  if (cache !== undefined && !tags) throw new InvalidOptionError(owner, 'cache', 'given only with tags (where their versions live)', cache);
  if (content && rebuildAfterMethodEvaluation) {
    throw new InvalidOptionError(
      owner,
      'rebuildAfterMethodEvaluation',
      'false with content: true (the tag comes from the body)',
      rebuildAfterMethodEvaluation,
    );
  }
  if (
    requirePrecondition !== undefined &&
    typeof requirePrecondition !== 'boolean' &&
    !(
      Array.isArray(requirePrecondition) &&
      requirePrecondition.length > 0 &&
      requirePrecondition.every((m) => typeof m === 'string' && METHOD.test(m))
    )
  ) {
    throw new InvalidOptionError(owner, 'requirePrecondition', 'a boolean or a non-empty list of methods', requirePrecondition);
  }
  if (lastModified !== undefined && typeof lastModified !== 'function') {
    throw new InvalidOptionError(owner, 'lastModified', 'a function (context) => Date', lastModified);
  }
  if (maxContentBytes !== undefined && !(Number.isSafeInteger(maxContentBytes) && maxContentBytes > 0)) {
    throw new InvalidOptionError(owner, 'maxContentBytes', 'a positive integer number of bytes', maxContentBytes);
  }
  if (options.limits !== undefined && (options.limits === null || typeof options.limits !== 'object')) {
    throw new InvalidOptionError(owner, 'limits', 'an object { maxMembers, maxLength }', options.limits);
  }
  return Object.freeze({
    etagFunc: options.etagFunc === undefined ? undefined : (resolveEtagFunc(options.etagFunc, owner, 'etagFunc'), options.etagFunc),
    content: content ?? DEFAULT_ETAG_OPTIONS.content,
    lastModified,
    weak: weak ?? DEFAULT_ETAG_OPTIONS.weak,
    rebuildAfterMethodEvaluation: rebuildAfterMethodEvaluation ?? DEFAULT_ETAG_OPTIONS.rebuildAfterMethodEvaluation,
    requirePrecondition: Array.isArray(requirePrecondition)
      ? Object.freeze(requirePrecondition.map((m: string) => m.toUpperCase()))
      : (requirePrecondition ?? DEFAULT_ETAG_OPTIONS.requirePrecondition),
    limits: resolveEntityTagListLimits(options.limits, owner),
    maxContentBytes: maxContentBytes ?? DEFAULT_ETAG_OPTIONS.maxContentBytes,
    tags,
    cache,
  });
}

/**
 * `@etag(func)`, `@etag(func, options)`, `@etag(options)` and `@etag()` as one options object.
 * @internal
 */
export function etagOptionsOf(first: unknown, extra: EtagOptions | undefined, owner: string): EtagOptions {
  if (extra !== undefined && (extra === null || typeof extra !== 'object' || Array.isArray(extra))) {
    throw new InvalidOptionError(owner, 'options', 'an options object', extra);
  }
  if (first === undefined || first === null) return { ...extra };
  if (isPlainObject(first)) {
    if (extra !== undefined)
      throw new InvalidOptionError(owner, 'options', 'given once (an options object first needs no second one)', extra);
    return first as EtagOptions;
  }
  if (extra?.etagFunc !== undefined) throw new InvalidOptionError(owner, 'etagFunc', 'given once', extra.etagFunc);
  return { ...extra, etagFunc: first as EtagOptions['etagFunc'] };
}

/**
 * An `etagFunc` in callable form: the raw tag, or `undefined` when the resource has no current
 * representation; synchronous when the user's function is. `refresh` bypasses a
 * `KeyConstructor`'s per-request memo. A throwing function throws (the action hook rejects).
 * @internal
 */
export type ResolvedEtagFunc = (context: KeyBitContext, refresh?: boolean) => string | undefined | Promise<string | undefined>;

/**
 * Like `resolveKeyFunc` (checked when the decorator is applied, a method name looked up on the
 * controller per call), except that a function or method may return `null` / `undefined` to
 * say "no current representation".
 * @internal
 */
export function resolveEtagFunc(etagFunc: unknown, owner: string, option: string, defaults?: KeyFuncDefaults): ResolvedEtagFunc {
  // Validates every form eagerly (classes, empty names, other types throw InvalidOptionError).
  const keyOf = resolveKeyFunc(etagFunc, owner, option, defaults);
  if (etagFunc instanceof KeyConstructor) return (context, refresh) => keyOf(context, refresh ? { refresh } : undefined);
  const call = (context: KeyBitContext): unknown => {
    if (typeof etagFunc === 'function') return etagFunc(context);
    const method = (context.controller as Record<string, unknown>)[etagFunc as string];
    if (typeof method !== 'function') {
      throw new ExtensionsError(
        `${owner}: option ${option} names method "${String(etagFunc)}", but ${controllerName(context.controller)} has no such method`,
      );
    }
    return method.call(context.controller, context);
  };
  return (context) => {
    const value = call(context);
    return isThenable(value) ? Promise.resolve(value).then((settled) => checked(settled, owner, option)) : checked(value, owner, option);
  };
}

function checked(value: unknown, owner: string, option: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw new ExtensionsError(
    `${owner}: option ${option} returned ${typeof value === 'string' ? 'an empty string' : typeof value}, expected a string, null or undefined`,
  );
}

/**
 * The `ETag` field value for a raw tag: a formatted tag (`"v2"`, `W/"v2"`) is kept (made weak
 * when `weak`), anything else is quoted with `formatEntityTag`.
 * @throws ExtensionsError naming the owner when the value cannot be sent as a tag.
 * @internal
 */
export function toEntityTag(raw: string, weak: boolean, owner: string): string {
  if (isEntityTag(raw)) return weak && !raw.startsWith('W/') ? `W/${raw}` : raw;
  try {
    return formatEntityTag(raw, weak);
  } catch (error) {
    throw new ExtensionsError(`${owner}: the tag ${JSON.stringify(raw)} cannot be sent in ETag`, { cause: error });
  }
}
