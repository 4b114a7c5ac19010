const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const LONG_DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
/** No valid HTTP-date is longer than an rfc850-date with `Wednesday` (33 characters). */
const MAX_DATE_LENGTH = 33;

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three forms and returns milliseconds since
 * the epoch (always a whole second), or `undefined` when the value is not a valid date. The
 * grammar is case-sensitive and exact:
 * - IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT` (the one to generate);
 * - obsolete RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`: a two-digit year is read within the
 *   window from 49 years before to 50 years after `now`, so a year more than 50 years ahead is
 *   the most recent past year with those digits (§5.6.7);
 * - obsolete asctime `Sun Nov  6 08:49:37 1994`.
 * Surrounding spaces and tabs are ignored; calendar fields are range-checked (no `Feb 30`);
 * second 60 (a leap second) is accepted and rolls over. Never throws; linear in the input.
 *
 * @param now - the clock for rfc850 years, in ms; default `Date.now()`.
 * @example
 * ```ts
 * parseHttpDate('Tue, 15 Nov 2022 12:45:26 GMT'); // 1668516326000
 * parseHttpDate('yesterday');                      // undefined
 * ```
 */
export function parseHttpDate(value: string, now?: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start += 1;
  while (end > start && isOws(value.charCodeAt(end - 1))) end -= 1;
  if (end - start > MAX_DATE_LENGTH) return undefined;
  const text = start === 0 && end === value.length ? value : value.slice(start, end);
  if (text.length === 29 && text.charCodeAt(3) === 0x2c) return parseImfFixdate(text);
  if (text.length === 24 && text.charCodeAt(3) === 0x20) return parseAsctime(text);
  return parseRfc850(text, now ?? Date.now());
}

function parseImfFixdate(s: string): number | undefined {
  if (!DAY_NAMES.includes(s.slice(0, 3) as never) || !literal(s, 3, ', ') || s.charCodeAt(7) !== 0x20) return undefined;
  if (s.charCodeAt(11) !== 0x20 || s.charCodeAt(16) !== 0x20 || !literal(s, 25, ' GMT')) return undefined;
  return toMillis(digits(s, 12, 4), MONTHS.indexOf(s.slice(8, 11) as never), digits(s, 5, 2), s, 17);
}

function parseAsctime(s: string): number | undefined {
  if (!DAY_NAMES.includes(s.slice(0, 3) as never) || s.charCodeAt(7) !== 0x20 || s.charCodeAt(10) !== 0x20) {
    return undefined;
  }
  if (s.charCodeAt(19) !== 0x20) return undefined;
  const day = s.charCodeAt(8) === 0x20 ? digits(s, 9, 1) : digits(s, 8, 2);
  return toMillis(digits(s, 20, 4), MONTHS.indexOf(s.slice(4, 7) as never), day, s, 11);
}

function parseRfc850(s: string, now: number): number | undefined {
  const comma = s.indexOf(',');
  if (comma < 6 || comma > 9 || s.length !== comma + 24) return undefined;
  if (!LONG_DAY_NAMES.includes(s.slice(0, comma) as never) || s.charCodeAt(comma + 1) !== 0x20) return undefined;
  const k = comma + 2;
  if (s.charCodeAt(k + 2) !== 0x2d || s.charCodeAt(k + 6) !== 0x2d || s.charCodeAt(k + 9) !== 0x20) return undefined;
  if (!literal(s, k + 18, ' GMT')) return undefined;
  const twoDigits = digits(s, k + 7, 2);
  if (twoDigits < 0 || !Number.isFinite(now)) return undefined;
  const currentYear = new Date(now).getUTCFullYear();
  let year = currentYear - (currentYear % 100) + twoDigits;
  if (year > currentYear + 50) year -= 100;
  else if (year < currentYear - 49) year += 100;
  return toMillis(year, MONTHS.indexOf(s.slice(k + 3, k + 6) as never), digits(s, k, 2), s, k + 10);
}

/** Validates the calendar fields and `HH:MM:SS` at `timeAt`, then converts without `Date`. */
function toMillis(year: number, month: number, day: number, s: string, timeAt: number): number | undefined {
  if (s.charCodeAt(timeAt + 2) !== 0x3a || s.charCodeAt(timeAt + 5) !== 0x3a) return undefined;
  const hour = digits(s, timeAt, 2);
  const minute = digits(s, timeAt + 3, 2);
  const second = digits(s, timeAt + 6, 2);
  if (year < 0 || month < 0 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  return ((daysFromCivil(year, month + 1, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}

/** Reads `count` ASCII digits at `at`; -1 if any is not a digit. */
function digits(s: string, at: number, count: number): number {
  let result = 0;
  for (let i = at; i < at + count; i += 1) {
    const code = s.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return -1;
    result = result * 10 + (code - 0x30);
  }
  return result;
}

function literal(s: string, at: number, expected: string): boolean {
  return s.startsWith(expected, at);
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; any year). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Formats a time as an IMF-fixdate (RFC 9110 §5.6.7), the only HTTP-date form to generate,
 * e.g. for `Last-Modified` or `Date`. Milliseconds are dropped (HTTP dates have one-second
 * resolution).
 *
 * @throws RangeError for an invalid date or a year outside 0000–9999 (IMF years have 4 digits).
 * @example
 * ```ts
 * formatHttpDate(new Date(Date.UTC(2022, 10, 15, 12, 45, 26, 900))); // 'Tue, 15 Nov 2022 12:45:26 GMT'
 * ```
 */
export function formatHttpDate(date: Date | number): string {
  const time = typeof date === 'number' ? date : date instanceof Date ? date.getTime() : Number.NaN;
  const d = new Date(time);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(time) || year < 0 || year > 9999) {
    throw new RangeError(`formatHttpDate: date must be a valid time in years 0000-9999, got ${String(date)}`);
  }
  return (
    `${DAY_NAMES[d.getUTCDay()]}, ${pad(d.getUTCDate(), 2)} ${MONTHS[d.getUTCMonth()]} ${pad(year, 4)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)} GMT`
  );
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * Truncates a time to the whole second at or before it: HTTP dates carry seconds only, so a
 * `Last-Modified` of 12:45:26.900 is sent, and must be compared, as 12:45:26 (RFC 9110 §5.6.7).
 *
 * @example
 * ```ts
 * toHttpDatePrecision(1668516326900); // 1668516326000
 * ```
 */
export function toHttpDatePrecision(time: number): number {
  return Math.floor(time / 1000) * 1000;
}
