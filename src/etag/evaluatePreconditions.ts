import { InvalidOptionError } from '../errors';
import { type EntityTagListLimits, type HeaderFieldValue, matchEntityTagList, resolveEntityTagListLimits } from './entityTagList';
import { isOws, parseEntityTag } from './entityTags';
import { parseHttpDate, toHttpDatePrecision } from './httpDate';
import { type PreconditionResult, RESULTS } from './PreconditionResult';

/**
 * What `evaluatePreconditions` needs: the request and the current state of the target resource.
 *
 * @example
 * ```ts
 * const input: PreconditionInput = { method: 'PUT', headers: { 'if-match': '"v2"' }, etag: '"v2"' };
 * ```
 */
export interface PreconditionInput {
  /** Request method; compared upper-cased. */
  readonly method: string;
  /** Request headers by lower-cased name; an array holds separate field lines. */
  readonly headers: Readonly<Record<string, HeaderFieldValue>>;
  /**
   * The current representation's entity tag as sent in `ETag` (`"abc"` or `W/"abc"`). An
   * invalid tag is treated as no tag (it can match nothing): format tags with `formatEntityTag`.
   * @default undefined (no entity tag)
   */
  readonly etag?: string;
  /**
   * The current representation's modification time. Truncated to the second and clamped to
   * `now` (RFC 9110 §8.8.2.1), as it is sent in `Last-Modified`.
   * @default undefined (no modification date)
   */
  readonly lastModified?: Date | number;
  /**
   * Whether the target resource currently has a representation. When false, `etag` and
   * `lastModified` are ignored, `If-Match: *` fails and `If-None-Match: *` passes.
   * @default true
   */
  readonly exists?: boolean;
  /**
   * Answer 428 (RFC 6585 §3) when a request sends neither `If-Match` nor
   * `If-Unmodified-Since` (an empty value counts as not sent). `true` covers every unsafe method
   * (all but GET, HEAD, OPTIONS, TRACE); a list names the methods. `If-None-Match: *` also
   * satisfies it: it is the lost-update guard for creating a resource with PUT.
   * @default false
   */
  readonly requirePrecondition?: boolean | readonly string[];
  /**
   * Caps on `If-Match` / `If-None-Match` lists; past one the answer is 431.
   * @default DEFAULT_ENTITY_TAG_LIST_LIMITS (64 members, 8192 characters)
   */
  readonly limits?: Partial<EntityTagListLimits>;
  /**
   * The current time in ms (or a Date): clamps `lastModified`, reads RFC 850 two-digit years
   * and decides whether `lastModified` is strong enough for `If-Range`.
   * @default Date.now()
   */
  readonly now?: number | Date;
}

const NO_HEADERS: Readonly<Record<string, HeaderFieldValue>> = Object.freeze({});

/**
 * Evaluates conditional request headers in the order of RFC 9110 §13.2.2: `If-Match`
 * (strong comparison), else `If-Unmodified-Since`; then `If-None-Match` (weak comparison),
 * else `If-Modified-Since` (GET/HEAD only); then `If-Range` (GET with `Range`). A false
 * If-None-Match / If-Modified-Since gives 304 for GET and HEAD, every other failure 412.
 * Malformed values never throw: an invalid If-Match is false, an invalid If-None-Match true,
 * an invalid or repeated date is ignored. A list past `limits` gives 431.
 *
 * Call it only when the response would otherwise be 2xx (§13.2.1: errors and redirects take
 * precedence). CONNECT, OPTIONS and TRACE always proceed. Pure: same input, same result; a
 * request without conditional headers returns a shared constant without allocating.
 *
 * @throws InvalidOptionError for a bad `requirePrecondition` or `limits` (never for headers).
 * @example
 * ```ts
 * evaluatePreconditions({ method: 'GET', headers: { 'if-none-match': 'W/"v2"' }, etag: '"v2"' });
 * // { outcome: 'not-modified', status: 304, header: 'if-none-match' }
 * ```
 */
export function evaluatePreconditions(input: PreconditionInput): PreconditionResult {
  const headers = input.headers ?? NO_HEADERS;
  const ifMatch = present(headers['if-match']);
  const ifUnmodifiedSince = present(headers['if-unmodified-since']);
  const ifNoneMatch = present(headers['if-none-match']);
  const ifModifiedSince = present(headers['if-modified-since']);
  const ifRange = present(headers['if-range']);
  const required = input.requirePrecondition;
  if (
    ifMatch === undefined &&
    ifUnmodifiedSince === undefined &&
    ifNoneMatch === undefined &&
    ifModifiedSince === undefined &&
    ifRange === undefined &&
    (required === undefined || required === false)
  ) {
    return RESULTS.proceed;
  }

  const method = normalizeMethod(input.method);
  if (method === 'OPTIONS' || method === 'CONNECT' || method === 'TRACE') return RESULTS.proceed;
  const limits = resolveEntityTagListLimits(input.limits);
  if (
    isRequired(required, method) &&
    isBlank(ifMatch) &&
    isBlank(ifUnmodifiedSince) &&
    matchEntityTagList(ifNoneMatch, undefined, 'weak', limits) !== 'any'
  ) {
    return RESULTS.required;
  }

  const exists = input.exists !== false;
  const etag = exists ? input.etag : undefined;
  // Only dates need the clock: tag-only requests skip reading it.
  const dated = ifUnmodifiedSince !== undefined || ifModifiedSince !== undefined || ifRange !== undefined;
  const now = !dated ? Number.NaN : input.now === undefined ? Date.now() : Number(input.now);
  const lastModified = exists && dated ? toLastModified(input.lastModified, now) : undefined;
  const getOrHead = method === 'GET' || method === 'HEAD';

  if (ifMatch !== undefined) {
    const match = matchEntityTagList(ifMatch, etag, 'strong', limits);
    if (match === 'too-large') return RESULTS.tooLargeIfMatch;
    if (!(match === 'match' || (match === 'any' && exists))) return RESULTS.failedIfMatch;
  } else if (ifUnmodifiedSince !== undefined && lastModified !== undefined) {
    const date = parseDateField(ifUnmodifiedSince, now);
    if (date !== undefined && lastModified > date) return RESULTS.failedIfUnmodifiedSince;
  }

  if (ifNoneMatch !== undefined) {
    const match = matchEntityTagList(ifNoneMatch, etag, 'weak', limits);
    if (match === 'too-large') return RESULTS.tooLargeIfNoneMatch;
    if (match === 'match' || (match === 'any' && exists)) {
      return getOrHead ? RESULTS.notModifiedByIfNoneMatch : RESULTS.failedIfNoneMatch;
    }
  } else if (getOrHead && ifModifiedSince !== undefined && lastModified !== undefined) {
    const date = parseDateField(ifModifiedSince, now);
    if (date !== undefined && lastModified <= date) return RESULTS.notModifiedByIfModifiedSince;
  }

  if (method === 'GET' && ifRange !== undefined && !isBlank(present(headers.range))) {
    if (!evaluateIfRange(ifRange, etag, lastModified, now)) return RESULTS.proceedIgnoringRange;
  }
  return RESULTS.proceed;
}

/** An empty array of field lines is the same as an absent header. */
function present(field: HeaderFieldValue): HeaderFieldValue {
  return Array.isArray(field) && field.length === 0 ? undefined : field;
}

function isBlank(field: HeaderFieldValue): boolean {
  if (field === undefined) return true;
  const lines: readonly unknown[] = typeof field === 'string' ? [field] : field;
  for (const line of lines) {
    if (typeof line !== 'string') return false;
    for (let i = 0; i < line.length; i += 1) if (!isOws(line.charCodeAt(i))) return false;
  }
  return true;
}

function normalizeMethod(method: unknown): string {
  if (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'POST') return method;
  return typeof method === 'string' ? method.toUpperCase() : '';
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function isRequired(required: boolean | readonly string[] | undefined, method: string): boolean {
  if (required === undefined || required === false) return false;
  if (required === true) return !SAFE_METHODS.has(method);
  if (Array.isArray(required) && required.every((name) => typeof name === 'string')) {
    return required.some((name: string) => name.toUpperCase() === method);
  }
  throw new InvalidOptionError('evaluatePreconditions', 'requirePrecondition', 'a boolean or a list of methods', required);
}

/** Seconds-precision Last-Modified, clamped to now; undefined when absent or not a valid time. */
function toLastModified(value: Date | number | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const time = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(time)) return undefined;
  return toHttpDatePrecision(Number.isFinite(now) && time > now ? now : time);
}

/** RFC 9110 §13.1.3–4: a date field with more than one member is ignored, as is an invalid one. */
function parseDateField(field: HeaderFieldValue, now: number): number | undefined {
  if (typeof field === 'string') return parseHttpDate(field, now);
  return field !== undefined && field.length === 1 ? parseHttpDate(field[0], now) : undefined;
}

/**
 * Evaluates `If-Range` (RFC 9110 §13.1.5): true only when the field is one entity tag that
 * strongly matches the current tag, or one HTTP-date exactly equal to a strong `lastModified`
 * (seconds precision). A weak tag, an invalid value or several field lines give false.
 *
 * @param lastModified - the current Last-Modified in ms, already truncated to the second.
 * @param now - the current time in ms (Last-Modified is strong only a second or more before it).
 * @internal
 * @example
 * ```ts
 * evaluateIfRange('"v2"', '"v2"', undefined, Date.now()); // true
 * ```
 */
export function evaluateIfRange(field: HeaderFieldValue, etag: string | undefined, lastModified: number | undefined, now: number): boolean {
  const value = typeof field === 'string' ? field : field !== undefined && field.length === 1 ? field[0] : undefined;
  if (typeof value !== 'string') return false;
  const tag = parseEntityTag(value);
  if (tag !== undefined) {
    const current = etag === undefined ? undefined : parseEntityTag(etag);
    return current !== undefined && !tag.weak && !current.weak && tag.value === current.value;
  }
  const date = parseHttpDate(value, now);
  // Last-Modified is only a strong validator if at least one second passed since it (§8.8.2.2).
  const strong = lastModified !== undefined && toHttpDatePrecision(now) - lastModified >= 1000;
  return date !== undefined && strong && date === lastModified;
}
