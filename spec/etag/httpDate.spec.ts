import { expect } from 'chai';
import { formatHttpDate, parseHttpDate, toHttpDatePrecision } from '../../src/etag/httpDate';

const NOW_2022 = Date.UTC(2022, 10, 16);
const SUN_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseHttpDate', () => {
  const valid: ReadonlyArray<[string, string, number]> = [
    ['an IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', SUN_1994],
    ['an RFC 850 date', 'Sunday, 06-Nov-94 08:49:37 GMT', SUN_1994],
    ['an asctime date with a space-padded day', 'Sun Nov  6 08:49:37 1994', SUN_1994],
    ['an asctime date with a zero-padded day', 'Sun Nov 06 08:49:37 1994', SUN_1994],
    ['an RFC 850 date with the longest day name', 'Wednesday, 16-Nov-22 12:45:26 GMT', Date.UTC(2022, 10, 16, 12, 45, 26)],
    ['a date with surrounding OWS', ' \tSun, 06 Nov 1994 08:49:37 GMT\t ', SUN_1994],
    ['29 February of a leap year', 'Tue, 29 Feb 2000 00:00:00 GMT', Date.UTC(2000, 1, 29)],
    ['a leap second (rolls over)', 'Sat, 31 Dec 2016 23:59:60 GMT', Date.UTC(2017, 0, 1)],
  ];
  for (const [name, input, expected] of valid) {
    it(`parses ${name}`, () => {
      expect(parseHttpDate(input, NOW_2022)).to.equal(expected);
    });
  }

  it('parses year 0099 without the 1900 offset of Date.UTC', () => {
    const expected = new Date(0);
    expected.setUTCFullYear(99, 0, 1);

    expect(parseHttpDate('Thu, 01 Jan 0099 00:00:00 GMT')).to.equal(expected.getTime());
  });

  const invalid: ReadonlyArray<[string, string]> = [
    ['a lower-case gmt', 'Sun, 06 Nov 1994 08:49:37 gmt'],
    ['an unknown day name', 'Sux, 06 Nov 1994 08:49:37 GMT'],
    ['an upper-case month', 'Sun, 06 NOV 1994 08:49:37 GMT'],
    ['29 February of a common year', 'Tue, 29 Feb 2022 00:00:00 GMT'],
    ['31 April', 'Sun, 31 Apr 2022 00:00:00 GMT'],
    ['hour 24', 'Sun, 06 Nov 1994 24:00:00 GMT'],
    ['minute 60', 'Sun, 06 Nov 1994 08:60:00 GMT'],
    ['day 00', 'Sun, 00 Nov 1994 08:49:37 GMT'],
    ['a non-GMT zone', 'Sun, 06 Nov 1994 08:49:37 UTC'],
    ['a numeric offset', 'Sun, 06 Nov 1994 08:49:37 +0000'],
    ['an ISO 8601 date', '1994-11-06T08:49:37Z'],
    ['yesterday', 'yesterday'],
    ['trailing text', 'Sun, 06 Nov 1994 08:49:37 GMTx'],
    ['a sign in a digit field', 'Sun, -6 Nov 1994 08:49:37 GMT'],
    ['an RFC 850 date with a short day name', 'Sun, 06-Nov-94 08:49:37 GMT'],
    ['an asctime date with a long day name', 'Sunday Nov  6 08:49:37 1994'],
    ['two dates in one value', 'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT'],
    ['an empty value', ''],
    ['64 KiB of spaces around a date', `${' '.repeat(32_768)}Sun, 06 Nov 1994 08:49:37 GMT${'x'.repeat(32_768)}`],
  ];
  for (const [name, input] of invalid) {
    it(`returns undefined for ${name}`, () => {
      expect(parseHttpDate(input, NOW_2022)).to.equal(undefined);
    });
  }

  it('returns undefined for a non-string without throwing', () => {
    expect(parseHttpDate(undefined as unknown as string)).to.equal(undefined);
  });

  describe('RFC 850 two-digit years (§5.6.7)', () => {
    const rows: ReadonlyArray<[string, number, number]> = [
      ['94 in 2022', NOW_2022, 1994],
      ['22 in 2022', NOW_2022, 2022],
      ['72 in 2022 (50 years ahead)', NOW_2022, 2072],
      ['73 in 2022 (51 years ahead, so the past)', NOW_2022, 1973],
      ['01 in 2099', Date.UTC(2099, 5, 1), 2101],
    ];
    for (const [name, now, year] of rows) {
      it(`reads ${name} as ${year}`, () => {
        const yy = String(year % 100).padStart(2, '0');
        const weekday = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
        const day = new Date(Date.UTC(year, 0, 1)).getUTCDay();

        expect(parseHttpDate(`${weekday[day]}, 01-Jan-${yy} 00:00:00 GMT`, now)).to.equal(Date.UTC(year, 0, 1));
      });
    }
  });
});

describe('formatHttpDate', () => {
  it('formats an IMF-fixdate and drops milliseconds', () => {
    expect(formatHttpDate(new Date(Date.UTC(2022, 10, 15, 12, 45, 26, 900)))).to.equal('Tue, 15 Nov 2022 12:45:26 GMT');
    expect(formatHttpDate(SUN_1994)).to.equal('Sun, 06 Nov 1994 08:49:37 GMT');
  });

  it('pads years below 1000 to four digits', () => {
    const date = new Date(0);
    date.setUTCFullYear(99, 0, 1);

    expect(formatHttpDate(date)).to.equal('Thu, 01 Jan 0099 00:00:00 GMT');
  });

  it('throws RangeError for an invalid date or a five-digit year', () => {
    expect(() => formatHttpDate(new Date(Number.NaN))).to.throw(RangeError, /formatHttpDate/);
    expect(() => formatHttpDate(Date.UTC(10_000, 0, 1))).to.throw(RangeError, /formatHttpDate/);
  });

  it('round-trips through parseHttpDate at second precision', () => {
    const time = Date.UTC(2022, 10, 15, 12, 45, 26, 900);

    expect(parseHttpDate(formatHttpDate(time))).to.equal(toHttpDatePrecision(time));
  });
});

describe('toHttpDatePrecision', () => {
  it('truncates to the second at or before the time', () => {
    expect(toHttpDatePrecision(1_668_516_326_900)).to.equal(1_668_516_326_000);
    expect(toHttpDatePrecision(-1)).to.equal(-1000);
  });
});
