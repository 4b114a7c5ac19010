import { expect } from 'chai';
import { InvalidOptionError } from '../../src/errors';
import { evaluatePreconditions, type PreconditionInput } from '../../src/etag/evaluatePreconditions';
import type { PreconditionResult } from '../../src/etag/PreconditionResult';

// Fixture of research/http-caching.md §3: /items/1 is at strong ETag "v2" (previously "v1"),
// last modified Tue, 15 Nov 2022 12:45:26.900 GMT; the clock reads one day later.
const LM = Date.UTC(2022, 10, 15, 12, 45, 26, 900);
const NOW = Date.UTC(2022, 10, 16, 12, 45, 26);
const LM_DATE = 'Tue, 15 Nov 2022 12:45:26 GMT';
const LM_PLUS_1S = 'Tue, 15 Nov 2022 12:45:27 GMT';
const LM_MINUS_1S = 'Tue, 15 Nov 2022 12:45:25 GMT';
const LM_MINUS_1D = 'Mon, 14 Nov 2022 12:45:26 GMT';

const PROCEED = { outcome: 'proceed', ignoreRange: false } as const;
const IGNORE_RANGE = { outcome: 'proceed', ignoreRange: true } as const;
const NOT_MODIFIED = { outcome: 'not-modified', status: 304, header: 'if-none-match' } as const;
const NOT_MODIFIED_BY_DATE = { outcome: 'not-modified', status: 304, header: 'if-modified-since' } as const;
const FAILED_IF_MATCH = { outcome: 'precondition-failed', status: 412, header: 'if-match' } as const;
const FAILED_IF_NONE_MATCH = { outcome: 'precondition-failed', status: 412, header: 'if-none-match' } as const;
const FAILED_IF_UNMODIFIED_SINCE = { outcome: 'precondition-failed', status: 412, header: 'if-unmodified-since' } as const;
const REQUIRED = { outcome: 'precondition-required', status: 428 } as const;
const TOO_LARGE_IF_NONE_MATCH = { outcome: 'header-too-large', status: 431, header: 'if-none-match' } as const;
const TOO_LARGE_IF_MATCH = { outcome: 'header-too-large', status: 431, header: 'if-match' } as const;

interface Row {
  readonly name: string;
  readonly input: Partial<PreconditionInput> & Pick<PreconditionInput, 'method' | 'headers'>;
  readonly expected: PreconditionResult;
}

function evaluate(input: Row['input']): PreconditionResult {
  return evaluatePreconditions({ etag: '"v2"', lastModified: new Date(LM), now: NOW, ...input });
}

function runTable(rows: readonly Row[]): void {
  for (const { name, input, expected } of rows) {
    it(name, () => {
      expect(evaluate(input)).to.deep.equal(expected);
    });
  }
}

const tags = (count: number, last = '"v2"'): string => [...Array.from({ length: count - 1 }, (_, i) => `"t${i}"`), last].join(', ');

describe('evaluatePreconditions', () => {
  describe('§3.1 If-None-Match on GET and HEAD', () => {
    runTable([
      {
        name: 'A1: answers 304 to GET with If-None-Match "v2"',
        input: { method: 'GET', headers: { 'if-none-match': '"v2"' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A2: proceeds on GET with If-None-Match "v1"',
        input: { method: 'GET', headers: { 'if-none-match': '"v1"' } },
        expected: PROCEED,
      },
      {
        name: 'A3: answers 304 to If-None-Match W/"v2" (weak comparison)',
        input: { method: 'GET', headers: { 'if-none-match': 'W/"v2"' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A4: answers 304 to the list "v1", "v2"',
        input: { method: 'GET', headers: { 'if-none-match': '"v1", "v2"' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A5: answers 304 to "v1",W/"v2" without a space',
        input: { method: 'GET', headers: { 'if-none-match': '"v1",W/"v2"' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A6: answers 304 to If-None-Match * when the resource exists',
        input: { method: 'GET', headers: { 'if-none-match': '*' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A7: proceeds on If-None-Match * when the resource is missing (the route answers 404)',
        input: { method: 'GET', headers: { 'if-none-match': '*' }, exists: false },
        expected: PROCEED,
      },
      {
        name: 'A8: proceeds on "V2" (tags are case-sensitive)',
        input: { method: 'GET', headers: { 'if-none-match': '"V2"' } },
        expected: PROCEED,
      },
      {
        name: 'A9: proceeds on unquoted v2 (invalid, condition true)',
        input: { method: 'GET', headers: { 'if-none-match': 'v2' } },
        expected: PROCEED,
      },
      {
        name: 'A10: proceeds on w/"v2" (W/ is case-sensitive)',
        input: { method: 'GET', headers: { 'if-none-match': 'w/"v2"' } },
        expected: PROCEED,
      },
      {
        name: 'A11: answers 304 when empty elements and OWS surround "v2"',
        input: { method: 'GET', headers: { 'if-none-match': ' , ,"v2", ' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A12: answers 304 when two field lines "v1" and "v2" are combined',
        input: { method: 'GET', headers: { 'if-none-match': ['"v1"', '"v2"'] } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A13: answers 304 to "a,b" for the tag "a,b" (no comma splitting)',
        input: { method: 'GET', etag: '"a,b"', headers: { 'if-none-match': '"a,b"' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A13: proceeds on "a,b" for the tag "a" (a quoted comma splits nothing)',
        input: { method: 'GET', etag: '"a"', headers: { 'if-none-match': '"a,b"' } },
        expected: PROCEED,
      },
      { name: 'A14: proceeds on the unterminated "v2', input: { method: 'GET', headers: { 'if-none-match': '"v2' } }, expected: PROCEED },
      {
        name: 'A15: proceeds on the invalid mix *, "v1"',
        input: { method: 'GET', headers: { 'if-none-match': '*, "v1"' } },
        expected: PROCEED,
      },
      {
        name: 'A15: proceeds on * and "v2" sent as two field lines',
        input: { method: 'GET', headers: { 'if-none-match': ['*', '"v2"'] } },
        expected: PROCEED,
      },
      {
        name: 'A16: answers 304 to HEAD with If-None-Match "v2"',
        input: { method: 'HEAD', headers: { 'if-none-match': '"v2"' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'A18: answers 304 despite request Cache-Control: no-cache when the tag is still "v2"',
        input: { method: 'GET', headers: { 'if-none-match': '"v2"', 'cache-control': 'no-cache' } },
        expected: NOT_MODIFIED,
      },
      { name: 'A19: proceeds on an empty If-None-Match', input: { method: 'GET', headers: { 'if-none-match': '' } }, expected: PROCEED },
      {
        name: 'A20: answers 304 to "v2" with leading and trailing spaces',
        input: { method: 'GET', headers: { 'if-none-match': '   "v2"\t ' } },
        expected: NOT_MODIFIED,
      },
    ]);
  });

  describe('§3.2 unsafe methods', () => {
    runTable([
      { name: 'B1: proceeds on PUT with If-Match "v2"', input: { method: 'PUT', headers: { 'if-match': '"v2"' } }, expected: PROCEED },
      {
        name: 'B2: answers 412 to PUT with If-Match "v1"',
        input: { method: 'PUT', headers: { 'if-match': '"v1"' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'B3: answers 412 to If-Match W/"v2" (strong comparison)',
        input: { method: 'PUT', headers: { 'if-match': 'W/"v2"' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'B4: answers 412 to If-Match W/"v2" when the current tag is weak W/"v2"',
        input: { method: 'PUT', etag: 'W/"v2"', headers: { 'if-match': 'W/"v2"' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'B5: proceeds on PUT with If-Match * when the resource exists',
        input: { method: 'PUT', headers: { 'if-match': '*' } },
        expected: PROCEED,
      },
      {
        name: 'B5: answers 412 to PUT with If-Match * when the resource is missing',
        input: { method: 'PUT', headers: { 'if-match': '*' }, exists: false },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'B6: proceeds on PUT with If-Match "v1", "v2"',
        input: { method: 'PUT', headers: { 'if-match': '"v1", "v2"' } },
        expected: PROCEED,
      },
      {
        name: 'B7: answers 412 to PATCH with If-Match garbage',
        input: { method: 'PATCH', headers: { 'if-match': 'garbage' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'B7: answers 412 to If-Match "v2", garbage (one bad member invalidates the list)',
        input: { method: 'PATCH', headers: { 'if-match': '"v2", garbage' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'B8: answers 412, not 304, to GET with If-Match "v1"',
        input: { method: 'GET', headers: { 'if-match': '"v1"' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'B9: answers 412 to PUT with If-None-Match * when the resource exists',
        input: { method: 'PUT', headers: { 'if-none-match': '*' } },
        expected: FAILED_IF_NONE_MATCH,
      },
      {
        name: 'B10: proceeds on PUT with If-None-Match * when the resource is missing',
        input: { method: 'PUT', headers: { 'if-none-match': '*' }, exists: false },
        expected: PROCEED,
      },
      {
        name: 'B11: answers 412 to POST with If-None-Match "v2"',
        input: { method: 'POST', headers: { 'if-none-match': '"v2"' } },
        expected: FAILED_IF_NONE_MATCH,
      },
      {
        name: 'B12: proceeds on DELETE with If-None-Match "v1"',
        input: { method: 'DELETE', headers: { 'if-none-match': '"v1"' } },
        expected: PROCEED,
      },
      {
        name: 'B13: answers 428 to PUT without If-Match when required',
        input: { method: 'PUT', headers: {}, requirePrecondition: true },
        expected: REQUIRED,
      },
      {
        name: 'B13: answers 428 to POST without If-Match when required for every unsafe method',
        input: { method: 'POST', headers: {}, requirePrecondition: true },
        expected: REQUIRED,
      },
      {
        name: 'B13: answers 428 to PUT with an empty If-Match when required',
        input: { method: 'PUT', headers: { 'if-match': ' ' }, requirePrecondition: true },
        expected: REQUIRED,
      },
      {
        name: 'B13: answers 428 to PUT with only If-None-Match "v1" when required',
        input: { method: 'PUT', headers: { 'if-none-match': '"v1"' }, requirePrecondition: true },
        expected: REQUIRED,
      },
      {
        name: 'B13: answers 428 to a listed method (case-insensitive list)',
        input: { method: 'DELETE', headers: {}, requirePrecondition: ['put', 'delete'] },
        expected: REQUIRED,
      },
      {
        name: 'B13: proceeds on a method outside the required list',
        input: { method: 'PATCH', headers: {}, requirePrecondition: ['PUT'] },
        expected: PROCEED,
      },
      {
        name: 'B13: proceeds on GET when required for unsafe methods',
        input: { method: 'GET', headers: {}, requirePrecondition: true },
        expected: PROCEED,
      },
      {
        name: 'B13: proceeds on required PUT with If-Unmodified-Since = LM',
        input: { method: 'PUT', headers: { 'if-unmodified-since': LM_DATE }, requirePrecondition: true },
        expected: PROCEED,
      },
      {
        name: 'B13+B10: accepts If-None-Match * as the precondition of a create-only PUT',
        input: { method: 'PUT', headers: { 'if-none-match': '*' }, exists: false, requirePrecondition: true },
        expected: PROCEED,
      },
      {
        name: 'B15: answers 412 to a stale If-Match even if the change is already applied',
        input: { method: 'PUT', headers: { 'if-match': '"v1"' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'B18: ignores If-None-Match "v2" on OPTIONS',
        input: { method: 'OPTIONS', headers: { 'if-none-match': '"v2"' } },
        expected: PROCEED,
      },
      { name: 'B18: ignores If-Match "v1" on TRACE', input: { method: 'TRACE', headers: { 'if-match': '"v1"' } }, expected: PROCEED },
    ]);
  });

  describe('§3.3 dates', () => {
    runTable([
      {
        name: 'C1: answers 304 to If-Modified-Since = LM',
        input: { method: 'GET', lastModified: Date.UTC(2022, 10, 15, 12, 45, 26), headers: { 'if-modified-since': LM_DATE } },
        expected: NOT_MODIFIED_BY_DATE,
      },
      {
        name: 'C2: answers 304 to If-Modified-Since = LM + 1 s',
        input: { method: 'GET', headers: { 'if-modified-since': LM_PLUS_1S } },
        expected: NOT_MODIFIED_BY_DATE,
      },
      {
        name: 'C3: proceeds on If-Modified-Since = LM - 1 s',
        input: { method: 'GET', headers: { 'if-modified-since': LM_MINUS_1S } },
        expected: PROCEED,
      },
      {
        name: 'C4: answers 304 to 12:45:26 when the true mtime is 12:45:26.900',
        input: { method: 'GET', headers: { 'if-modified-since': LM_DATE } },
        expected: NOT_MODIFIED_BY_DATE,
      },
      {
        name: 'C5: answers 304 to an RFC 850 If-Modified-Since = LM',
        input: { method: 'GET', headers: { 'if-modified-since': 'Tuesday, 15-Nov-22 12:45:26 GMT' } },
        expected: NOT_MODIFIED_BY_DATE,
      },
      {
        name: 'C5: answers 304 to an RFC 850 If-Modified-Since = LM + 1 s',
        input: { method: 'GET', headers: { 'if-modified-since': 'Tuesday, 15-Nov-22 12:45:27 GMT' } },
        expected: NOT_MODIFIED_BY_DATE,
      },
      {
        name: 'C5: proceeds on an RFC 850 If-Modified-Since = LM - 1 s',
        input: { method: 'GET', headers: { 'if-modified-since': 'Tuesday, 15-Nov-22 12:45:25 GMT' } },
        expected: PROCEED,
      },
      {
        name: 'C5: answers 304 to an asctime If-Modified-Since = LM',
        input: { method: 'GET', headers: { 'if-modified-since': 'Tue Nov 15 12:45:26 2022' } },
        expected: NOT_MODIFIED_BY_DATE,
      },
      {
        name: 'C5: answers 304 to an asctime If-Modified-Since = LM + 1 s',
        input: { method: 'GET', headers: { 'if-modified-since': 'Tue Nov 15 12:45:27 2022' } },
        expected: NOT_MODIFIED_BY_DATE,
      },
      {
        name: 'C5: proceeds on an asctime If-Modified-Since = LM - 1 s',
        input: { method: 'GET', headers: { 'if-modified-since': 'Tue Nov 15 12:45:25 2022' } },
        expected: PROCEED,
      },
      {
        name: 'C6: ignores If-Modified-Since: yesterday',
        input: { method: 'GET', headers: { 'if-modified-since': 'yesterday' } },
        expected: PROCEED,
      },
      {
        name: 'C7: answers 304 to If-None-Match "v2" with If-Modified-Since a day before LM (IMS ignored)',
        input: { method: 'GET', headers: { 'if-none-match': '"v2"', 'if-modified-since': LM_MINUS_1D } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'C8: proceeds on If-None-Match "v1" with If-Modified-Since = LM (IMS ignored)',
        input: { method: 'GET', headers: { 'if-none-match': '"v1"', 'if-modified-since': LM_DATE } },
        expected: PROCEED,
      },
      {
        name: 'C9: ignores If-Modified-Since = LM on POST',
        input: { method: 'POST', headers: { 'if-modified-since': LM_DATE } },
        expected: PROCEED,
      },
      {
        name: 'C10: ignores If-Modified-Since when the resource has no Last-Modified',
        input: { method: 'GET', lastModified: undefined, headers: { 'if-modified-since': LM_DATE } },
        expected: PROCEED,
      },
      {
        name: 'C11: ignores two If-Modified-Since field lines',
        input: { method: 'GET', headers: { 'if-modified-since': [LM_DATE, LM_DATE] } },
        expected: PROCEED,
      },
      {
        name: 'C11: ignores two dates combined into one line',
        input: { method: 'GET', headers: { 'if-modified-since': `${LM_DATE}, ${LM_DATE}` } },
        expected: PROCEED,
      },
      {
        name: 'C11: reads a single If-Modified-Since field line given as an array',
        input: { method: 'GET', headers: { 'if-modified-since': [LM_DATE] } },
        expected: NOT_MODIFIED_BY_DATE,
      },
      {
        name: 'C12: proceeds on PUT with If-Unmodified-Since = LM',
        input: { method: 'PUT', headers: { 'if-unmodified-since': LM_DATE } },
        expected: PROCEED,
      },
      {
        name: 'C12: answers 412 to PUT with If-Unmodified-Since = LM - 1 s',
        input: { method: 'PUT', headers: { 'if-unmodified-since': LM_MINUS_1S } },
        expected: FAILED_IF_UNMODIFIED_SINCE,
      },
      {
        name: 'C12: ignores an invalid If-Unmodified-Since on PUT',
        input: { method: 'PUT', headers: { 'if-unmodified-since': 'not a date' } },
        expected: PROCEED,
      },
      {
        name: 'C12: ignores If-Unmodified-Since when the resource has no Last-Modified',
        input: { method: 'PUT', lastModified: undefined, headers: { 'if-unmodified-since': LM_MINUS_1S } },
        expected: PROCEED,
      },
      {
        name: 'C12: answers 412 to GET with If-Unmodified-Since = LM - 1 s',
        input: { method: 'GET', headers: { 'if-unmodified-since': LM_MINUS_1S } },
        expected: FAILED_IF_UNMODIFIED_SINCE,
      },
      {
        name: 'C13: proceeds on If-Match "v2" with If-Unmodified-Since a day before LM (IUS ignored)',
        input: { method: 'PUT', headers: { 'if-match': '"v2"', 'if-unmodified-since': LM_MINUS_1D } },
        expected: PROCEED,
      },
      {
        name: 'C14: clamps a Last-Modified later than now before comparing',
        input: { method: 'GET', now: LM, lastModified: LM + 3_600_000, headers: { 'if-modified-since': LM_DATE } },
        expected: NOT_MODIFIED_BY_DATE,
      },
    ]);
  });

  describe('§3.4 precedence and interplay', () => {
    const range = { range: 'bytes=0-9' };
    runTable([
      {
        name: 'D1: answers 412 to PUT with If-Match "v1" and If-None-Match "v1" (If-Match first)',
        input: { method: 'PUT', headers: { 'if-match': '"v1"', 'if-none-match': '"v1"' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'D2: answers 304 to GET with If-Match "v2" and If-None-Match "v2"',
        input: { method: 'GET', headers: { 'if-match': '"v2"', 'if-none-match': '"v2"' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'D3: answers 412 to GET with If-Match "v1" and If-None-Match "v2"',
        input: { method: 'GET', headers: { 'if-match': '"v1"', 'if-none-match': '"v2"' } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'D5: ignores Range when If-Range "v1" is stale',
        input: { method: 'GET', headers: { ...range, 'if-range': '"v1"' } },
        expected: IGNORE_RANGE,
      },
      {
        name: 'D5: keeps Range when If-Range "v2" matches strongly',
        input: { method: 'GET', headers: { ...range, 'if-range': '"v2"' } },
        expected: PROCEED,
      },
      {
        name: 'D5: ignores Range when If-Range is weak W/"v2"',
        input: { method: 'GET', headers: { ...range, 'if-range': 'W/"v2"' } },
        expected: IGNORE_RANGE,
      },
      {
        name: 'D5: keeps Range when If-Range equals a strong Last-Modified',
        input: { method: 'GET', headers: { ...range, 'if-range': LM_DATE } },
        expected: PROCEED,
      },
      {
        name: 'D5: ignores Range when If-Range is a date other than Last-Modified',
        input: { method: 'GET', headers: { ...range, 'if-range': LM_PLUS_1S } },
        expected: IGNORE_RANGE,
      },
      {
        name: 'D5: ignores Range when Last-Modified is too recent to be strong',
        input: { method: 'GET', now: LM + 50, headers: { ...range, 'if-range': LM_DATE } },
        expected: IGNORE_RANGE,
      },
      {
        name: 'D5: ignores Range when If-Range is garbage',
        input: { method: 'GET', headers: { ...range, 'if-range': 'garbage' } },
        expected: IGNORE_RANGE,
      },
      { name: 'D5: ignores If-Range without a Range header', input: { method: 'GET', headers: { 'if-range': '"v1"' } }, expected: PROCEED },
      { name: 'D5: ignores If-Range on HEAD', input: { method: 'HEAD', headers: { ...range, 'if-range': '"v1"' } }, expected: PROCEED },
    ]);
  });

  describe('§3.5 malformed and adversarial headers', () => {
    runTable([
      {
        name: 'E1: answers 431 to If-None-Match with 1,500 tags (past the member and length caps)',
        input: { method: 'GET', headers: { 'if-none-match': tags(1500) } },
        expected: TOO_LARGE_IF_NONE_MATCH,
      },
      {
        name: 'E1: answers 431 to If-None-Match with 65 tags (one past the member cap)',
        input: { method: 'GET', headers: { 'if-none-match': tags(65) } },
        expected: TOO_LARGE_IF_NONE_MATCH,
      },
      {
        name: 'E1: evaluates If-None-Match with exactly 64 tags',
        input: { method: 'GET', headers: { 'if-none-match': tags(64) } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'E1: counts the member cap over combined field lines',
        input: { method: 'GET', headers: { 'if-none-match': [tags(40, '"x"'), tags(25)] } },
        expected: TOO_LARGE_IF_NONE_MATCH,
      },
      {
        name: 'E1: answers 431 to an If-Match one character past the length cap',
        input: { method: 'PUT', headers: { 'if-match': `"v2", "${'a'.repeat(8185)}"` } },
        expected: TOO_LARGE_IF_MATCH,
      },
      {
        name: 'E1: evaluates an If-Match exactly at the length cap',
        input: { method: 'PUT', headers: { 'if-match': `"v2", "${'a'.repeat(8184)}"` } },
        expected: PROCEED,
      },
      {
        name: 'E1: honours raised caps',
        input: { method: 'GET', limits: { maxMembers: 2000, maxLength: 65_536 }, headers: { 'if-none-match': tags(1500) } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'E3: proceeds on a quote followed by 50,000 ", " (invalid, no backtracking)',
        input: { method: 'GET', limits: { maxLength: 200_000 }, headers: { 'if-none-match': `"${', '.repeat(50_000)}` } },
        expected: PROCEED,
      },
      {
        name: 'E3: answers 412 to the same value in If-Match',
        input: { method: 'PUT', limits: { maxLength: 200_000 }, headers: { 'if-match': `"${', '.repeat(50_000)}` } },
        expected: FAILED_IF_MATCH,
      },
      {
        name: 'E4: proceeds on If-None-Match holding a NUL inside the tag',
        input: { method: 'GET', headers: { 'if-none-match': '"v\u00002"' } },
        expected: PROCEED,
      },
      {
        name: 'E4: proceeds on If-None-Match "v2" followed by a control character',
        input: { method: 'GET', headers: { 'if-none-match': '"v2"\u0007' } },
        expected: PROCEED,
      },
      {
        name: 'E5: answers 304 to obs-text "caf\\xE9" compared byte-wise',
        input: { method: 'GET', etag: '"caf\u00e9"', headers: { 'if-none-match': '"caf\u00e9"' } },
        expected: NOT_MODIFIED,
      },
      {
        name: 'E5: proceeds on "cafe" for the tag "caf\\xE9"',
        input: { method: 'GET', etag: '"caf\u00e9"', headers: { 'if-none-match': '"cafe"' } },
        expected: PROCEED,
      },
      {
        name: 'E6: proceeds on "a\\"b" (no unescaping: the list is invalid)',
        input: { method: 'GET', etag: '"a\\"', headers: { 'if-none-match': '"a\\"b"' } },
        expected: PROCEED,
      },
      {
        name: 'E6: compares a backslash raw',
        input: { method: 'GET', etag: '"a\\b"', headers: { 'if-none-match': '"a\\b"' } },
        expected: NOT_MODIFIED,
      },
      { name: 'E11: ignores a request header named ETag', input: { method: 'GET', headers: { etag: '"v2"' } }, expected: PROCEED },
      {
        name: 'E12: treats an invalid current tag v2 as no tag under If-None-Match',
        input: { method: 'GET', etag: 'v2', headers: { 'if-none-match': '"v2"' } },
        expected: PROCEED,
      },
      {
        name: 'E12: treats an invalid current tag v2 as no tag under If-Match',
        input: { method: 'PUT', etag: 'v2', headers: { 'if-match': '"v2"' } },
        expected: FAILED_IF_MATCH,
      },
    ]);
  });

  describe('inputs', () => {
    it('returns one shared constant when a request has no conditional headers', () => {
      const first = evaluatePreconditions({ method: 'GET', headers: { accept: 'application/json' } });
      const second = evaluatePreconditions({ method: 'POST', headers: {}, etag: '"v9"' });

      expect(first).to.equal(second);
      expect(first).to.deep.equal(PROCEED);
      expect(Object.isFrozen(first)).to.equal(true);
    });

    it('treats an empty array of field lines as an absent header', () => {
      expect(evaluate({ method: 'PUT', headers: { 'if-match': [] } })).to.deep.equal(PROCEED);
    });

    it('upper-cases the method before evaluating', () => {
      expect(evaluate({ method: 'get', headers: { 'if-none-match': '"v2"' } })).to.deep.equal(NOT_MODIFIED);
    });

    it('ignores an invalid lastModified Date', () => {
      const input = { method: 'GET', lastModified: new Date(Number.NaN), headers: { 'if-modified-since': LM_DATE } };

      expect(evaluate(input)).to.deep.equal(PROCEED);
    });

    it('throws InvalidOptionError naming requirePrecondition when it is neither boolean nor list', () => {
      const input = { method: 'PUT', headers: {}, requirePrecondition: 'yes' as unknown as boolean };

      expect(() => evaluate(input)).to.throw(InvalidOptionError, /requirePrecondition.*"yes"/);
    });

    it('throws InvalidOptionError naming limits.maxMembers when it is not a positive integer', () => {
      const input = { method: 'GET', headers: { 'if-none-match': '"v2"' }, limits: { maxMembers: 0 } };

      expect(() => evaluate(input)).to.throw(InvalidOptionError, /limits\.maxMembers.*0/);
    });
  });
});
