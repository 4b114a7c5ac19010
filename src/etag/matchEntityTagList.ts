import { type EntityTagListLimits, type HeaderFieldValue, scanEntityTagList } from './entityTagList';
import { isEntityTag } from './entityTags';

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
