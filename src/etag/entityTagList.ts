import { InvalidOptionError } from '../errors';
import { type EntityTag, isOws, scanEntityTag, isEntityTag } from './entityTags';

/**
 * A request header as frameworks hand it over: one string (lines already combined with `, `),
 * every field line separately, or `undefined` when absent.
 *
 * @example
 * ```ts
 * const ifNoneMatch: HeaderFieldValue = ['"v1"', '"v2"']; // two field lines
 * ```
 */
export type HeaderFieldValue = string | readonly string[] | undefined;

/**
 * Caps on an `If-Match` / `If-None-Match` list. Past a cap the header is *too large*: RFC 9110
 * §5.4 says a server that will not process a field MUST answer 4xx, so `evaluatePreconditions`
 * answers 431 (RFC 6585 §5 allows it for one oversized field) rather than matching a prefix.
 *
 * @example
 * ```ts
 * const limits: EntityTagListLimits = { maxMembers: 16, maxLength: 2048 };
 * ```
 */
export interface EntityTagListLimits {
  /**
   * Most list members (tags or `*`) accepted over all field lines.
   * @default 64
   */
  readonly maxMembers: number;
  /**
   * Most characters accepted over all field lines (each extra line counts 2 for its `, `).
   * @default 8192
   */
  readonly maxLength: number;
}

/** The caps used when none are given. */
export const DEFAULT_ENTITY_TAG_LIST_LIMITS: EntityTagListLimits = Object.freeze({ maxMembers: 64, maxLength: 8192 });

/**
 * Checks caps eagerly and merges them with the defaults.
 * @throws InvalidOptionError when a cap is not a positive integer.
 * @example
 * ```ts
 * resolveEntityTagListLimits({ maxMembers: 8 }); // { maxMembers: 8, maxLength: 8192 }
 * ```
 */
export function resolveEntityTagListLimits(
  limits: Partial<EntityTagListLimits> | undefined,
  owner = 'evaluatePreconditions',
): EntityTagListLimits {
  if (limits === undefined || limits === DEFAULT_ENTITY_TAG_LIST_LIMITS) return DEFAULT_ENTITY_TAG_LIST_LIMITS;
  for (const name of ['maxMembers', 'maxLength'] as const) {
    const value = limits[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new InvalidOptionError(owner, `limits.${name}`, 'a positive integer', value);
    }
  }
  return { ...DEFAULT_ENTITY_TAG_LIST_LIMITS, ...limits };
}

/**
 * How a list header scanned: absent, `*`, a list (possibly empty), invalid syntax, or past a cap.
 * @internal
 */
export type ListScan = 'absent' | 'any' | 'list' | 'invalid' | 'too-large';

/** Receives each member tag as a `[start, end)` slice of one field line. @internal */
export type MemberVisitor = (line: string, start: number, end: number) => void;

/**
 * Scans `"*" / #entity-tag` (RFC 9110 §13.1.1, §13.1.2) over one or more field lines in one
 * pass, never splitting on commas (a comma is legal inside a tag). Empty list elements and OWS
 * are skipped (§5.6.1); `*` mixed with tags is invalid. Allocation-free and linear in the input.
 * @internal
 */
export function scanEntityTagList(field: HeaderFieldValue, limits: EntityTagListLimits, visit: MemberVisitor): ListScan {
  if (field === undefined) return 'absent';
  if (typeof field === 'string') {
    if (field.length > limits.maxLength) return 'too-large';
    const members = scanLine(field, 0, limits.maxMembers, visit);
    return members === STAR ? 'any' : members === TOO_MANY ? 'too-large' : members === INVALID ? 'invalid' : 'list';
  }
  if (!Array.isArray(field)) return 'invalid';
  let length = 0;
  for (let i = 0; i < field.length; i += 1) {
    const line: unknown = field[i];
    if (typeof line !== 'string') return 'invalid';
    length += line.length + (i === 0 ? 0 : 2);
  }
  if (length > limits.maxLength) return 'too-large';
  let count = 0;
  let star = false;
  for (const line of field as readonly string[]) {
    const members = scanLine(line, count, limits.maxMembers, visit);
    if (members === TOO_MANY) return 'too-large';
    if (members === INVALID) return 'invalid';
    if (members === STAR) {
      if (star || count > 0) return 'invalid';
      star = true;
      count += 1;
    } else if (star && members > count) {
      return 'invalid';
    } else {
      count = members;
    }
  }
  return star ? 'any' : field.length === 0 ? 'absent' : 'list';
}

const INVALID = -1;
const TOO_MANY = -2;
const STAR = -3;

/** Scans one line; returns the running member count, STAR for a lone `*`, or a negative code. */
function scanLine(line: string, counted: number, maxMembers: number, visit: MemberVisitor): number {
  const end = line.length;
  let count = counted;
  let star = false;
  let i = 0;
  for (;;) {
    while (i < end && (isOws(line.charCodeAt(i)) || line.charCodeAt(i) === 0x2c)) i += 1;
    if (i >= end) break;
    let stop: number;
    if (line.charCodeAt(i) === 0x2a /* * */) {
      if (star || count > counted) return INVALID;
      star = true;
      stop = i + 1;
    } else {
      if (star) return INVALID;
      stop = scanEntityTag(line, i);
      if (stop < 0) return INVALID;
      count += 1;
      if (count > maxMembers) return TOO_MANY;
      visit(line, i, stop);
    }
    i = stop;
    while (i < end && isOws(line.charCodeAt(i))) i += 1;
    if (i < end && line.charCodeAt(i) !== 0x2c) return INVALID;
  }
  return star ? STAR : count;
}

/**
 * The parsed form of an `If-Match` / `If-None-Match` header (RFC 9110 §13.1.1, §13.1.2).
 *
 * @example
 * ```ts
 * const list: EntityTagList = { kind: 'tags', tags: [{ weak: false, value: 'v2' }] };
 * ```
 */
export type EntityTagList =
  | { readonly kind: 'absent' }
  | { readonly kind: 'any' }
  | { readonly kind: 'tags'; readonly tags: readonly EntityTag[] }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'too-large' };

/**
 * Parses `If-Match` / `If-None-Match` (`"*" / #entity-tag`, RFC 9110 §13.1.1–2) from one string
 * or several field lines, in linear time. Quoted commas stay inside their tag; `W/` is
 * case-sensitive; empty elements are skipped; an empty value is an empty list. Invalid syntax
 * anywhere gives `invalid`; more than `maxMembers` members or `maxLength` characters gives
 * `too-large` (no partial result). Never throws on header input.
 *
 * @example
 * ```ts
 * parseEntityTagList('"a,b", W/"c"'); // { kind: 'tags', tags: [{ weak: false, value: 'a,b' }, { weak: true, value: 'c' }] }
 * parseEntityTagList('*, "a"');       // { kind: 'invalid' }
 * ```
 */
export function parseEntityTagList(field: HeaderFieldValue, limits?: Partial<EntityTagListLimits>): EntityTagList {
  const tags: EntityTag[] = [];
  const scan = scanEntityTagList(field, resolveEntityTagListLimits(limits, 'parseEntityTagList'), (line, start, end) => {
    const weak = line.charCodeAt(start) === 0x57;
    tags.push({ weak, value: line.slice(start + (weak ? 3 : 1), end - 1) });
  });
  if (scan === 'list') return { kind: 'tags', tags };
  return { kind: scan };
}

/**
 * The answer of `matchEntityTagList`: `any` for `*`, `match` / `no-match` for a valid list,
 * `absent`, `invalid` (any syntax error, however many tags matched) or `too-large` (past a cap).
 * @internal
 */
export type EntityTagListMatch = 'absent' | 'any' | 'match' | 'no-match' | 'invalid' | 'too-large';

// The scan is synchronous and never re-entered, so one module-level state lets the visitor run
// without a closure or result object per request.
let currentTag = '';
let currentWeak = false;
let strongComparison = false;
let matched = false;

function visitMember(line: string, start: number, end: number): void {
  if (matched) return;
  const weak = line.charCodeAt(start) === 0x57;
  if (strongComparison && (weak || currentWeak)) return;
  const from = start + (weak ? 2 : 0);
  const to = currentWeak ? 2 : 0;
  const length = end - from;
  if (length !== currentTag.length - to) return;
  for (let i = 0; i < length; i += 1) {
    if (line.charCodeAt(from + i) !== currentTag.charCodeAt(to + i)) return;
  }
  matched = true;
}

/**
 * Compares the current entity tag with an `If-Match` / `If-None-Match` field in one linear,
 * allocation-free pass (RFC 9110 §8.8.3.2, §13.1.1–2). `comparison` is `strong` for If-Match,
 * `weak` for If-None-Match. A missing or invalid `current` tag matches nothing, but the field is
 * still validated and capped.
 *
 * @internal
 * @example
 * ```ts
 * matchEntityTagList('"v1", W/"v2"', '"v2"', 'weak', DEFAULT_ENTITY_TAG_LIST_LIMITS); // 'match'
 * ```
 */
export function matchEntityTagList(
  field: HeaderFieldValue,
  current: string | undefined,
  comparison: 'strong' | 'weak',
  limits: EntityTagListLimits,
): EntityTagListMatch {
  // The common hit: the client echoes the ETag it was given, byte for byte.
  if (field === current && typeof field === 'string' && field.length <= limits.maxLength && isEntityTag(field)) {
    return comparison === 'weak' || field.charCodeAt(0) !== 0x57 ? 'match' : 'no-match';
  }
  const usable = typeof current === 'string' && isEntityTag(current);
  currentTag = usable ? current : '';
  currentWeak = usable && current.charCodeAt(0) === 0x57;
  strongComparison = comparison === 'strong';
  // An unusable tag can match nothing: flag it as already decided so the visitor skips work.
  matched = !usable;
  const scan = scanEntityTagList(field, limits, visitMember);
  const found = usable && matched;
  matched = false;
  currentTag = '';
  if (scan === 'list') return found ? 'match' : 'no-match';
  return scan;
}
