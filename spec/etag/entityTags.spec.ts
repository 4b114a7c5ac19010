import { expect } from 'chai';
import { InvalidOptionError } from '../../src/errors';
import { computeContentEtag, formatEntityTag, isEntityTag, parseEntityTag, strongMatch, weakMatch } from '../../src/etag/entityTags';
import { type EntityTagList, parseEntityTagList } from '../../src/etag/entityTagList';
import { NOT_MODIFIED_HEADERS, pickNotModifiedHeaders } from '../../src/etag/preconditionResponses';

const strong = (value: string) => ({ weak: false, value });
const weak = (value: string) => ({ weak: true, value });

describe('parseEntityTag', () => {
  const rows: ReadonlyArray<[string, string, ReturnType<typeof parseEntityTag>]> = [
    ['a strong tag', '"v2"', strong('v2')],
    ['a weak tag', 'W/"v2"', weak('v2')],
    ['an empty tag', '""', strong('')],
    ['a tag with a comma', '"a,b"', strong('a,b')],
    ['a tag with surrounding OWS', ' \t"v2" ', strong('v2')],
    ['a tag with a raw backslash', '"a\\b"', strong('a\\b')],
    ['a tag with obs-text', '"caf\u00e9"', strong('caf\u00e9')],
    ['an unquoted tag', 'v2', undefined],
    ['a lower-case w/', 'w/"v2"', undefined],
    ['W/ without a quote', 'W/v2', undefined],
    ['an unterminated tag', '"v2', undefined],
    ['a tag with trailing text', '"v2"x', undefined],
    ['two tags', '"a", "b"', undefined],
    ['a tag with a space inside', '"a b"', undefined],
    ['a tag with a NUL', '"a\u0000"', undefined],
    ['a tag above U+00FF', '"\u0100"', undefined],
    ['an empty string', '', undefined],
  ];
  for (const [name, input, expected] of rows) {
    it(`returns ${expected === undefined ? 'undefined' : JSON.stringify(expected)} for ${name}`, () => {
      expect(parseEntityTag(input)).to.deep.equal(expected);
    });
  }

  it('returns undefined for a non-string without throwing', () => {
    expect(parseEntityTag(42 as unknown as string)).to.equal(undefined);
  });
});

describe('isEntityTag', () => {
  it('accepts exactly one tag without surrounding whitespace', () => {
    expect(['"v2"', 'W/"v2"', '""', '"a,b"'].map(isEntityTag)).to.deep.equal([true, true, true, true]);
    expect([' "v2"', 'v2', 'w/"v2"', '"', '*'].map(isEntityTag)).to.deep.equal([false, false, false, false, false]);
  });
});

describe('formatEntityTag', () => {
  it('quotes a strong value and prefixes W/ for a weak one', () => {
    expect(formatEntityTag('v2')).to.equal('"v2"');
    expect(formatEntityTag('v2', true)).to.equal('W/"v2"');
    expect(formatEntityTag('')).to.equal('""');
  });

  for (const [name, value] of [
    ['a double quote', 'a"b'],
    ['a backslash', 'a\\b'],
    ['a space', 'a b'],
    ['a control character', 'a\u0001'],
    ['DEL', 'a\u007f'],
    ['a character above U+00FF', 'caf\u0113'],
  ] as const) {
    it(`throws TypeError for a value holding ${name}`, () => {
      expect(() => formatEntityTag(value)).to.throw(TypeError, /formatEntityTag: value must hold only visible characters/);
    });
  }
});

describe('strongMatch and weakMatch', () => {
  // RFC 9110 §8.8.3.2 table.
  const rows: ReadonlyArray<[string, string, boolean, boolean]> = [
    ['W/"1"', 'W/"1"', false, true],
    ['W/"1"', 'W/"2"', false, false],
    ['W/"1"', '"1"', false, true],
    ['"1"', '"1"', true, true],
    ['"1"', '"2"', false, false],
  ];
  for (const [a, b, strongExpected, weakExpected] of rows) {
    it(`compares ${a} and ${b}: strong ${strongExpected}, weak ${weakExpected}`, () => {
      expect([strongMatch(a, b), strongMatch(b, a)]).to.deep.equal([strongExpected, strongExpected]);
      expect([weakMatch(a, b), weakMatch(b, a)]).to.deep.equal([weakExpected, weakExpected]);
    });
  }

  it('never matches an invalid tag', () => {
    expect(strongMatch('v1', 'v1')).to.equal(false);
    expect(weakMatch('w/"1"', '"1"')).to.equal(false);
  });

  it('accepts parsed EntityTag objects', () => {
    expect(strongMatch(strong('a'), '"a"')).to.equal(true);
  });
});

describe('parseEntityTagList', () => {
  const rows: ReadonlyArray<[string, Parameters<typeof parseEntityTagList>[0], EntityTagList]> = [
    ['an absent header', undefined, { kind: 'absent' }],
    ['an empty array of lines', [], { kind: 'absent' }],
    ['an empty value as an empty list', '', { kind: 'tags', tags: [] }],
    ['*', '*', { kind: 'any' }],
    ['* with OWS and empty elements', ' , * ,', { kind: 'any' }],
    ['a list with quoted commas', '"a,b", W/"c"', { kind: 'tags', tags: [strong('a,b'), weak('c')] }],
    ['a list without spaces', '"a",W/"b","c"', { kind: 'tags', tags: [strong('a'), weak('b'), strong('c')] }],
    ['empty elements and OWS', ' , ,"v2",\t, ', { kind: 'tags', tags: [strong('v2')] }],
    ['lines in order', ['"a"', ' W/"b" , "c"'], { kind: 'tags', tags: [strong('a'), weak('b'), strong('c')] }],
    ['* with a tag', '*, "a"', { kind: 'invalid' }],
    ['a tag then *', '"a", *', { kind: 'invalid' }],
    ['* twice', '*, *', { kind: 'invalid' }],
    ['* and a tag on two lines', ['"a"', '*'], { kind: 'invalid' }],
    ['* on two lines', ['*', '*'], { kind: 'invalid' }],
    ['two tags without a comma', '"a" "b"', { kind: 'invalid' }],
    ['an unquoted member', '"a", b', { kind: 'invalid' }],
    ['a lower-case w/', 'w/"a"', { kind: 'invalid' }],
    ['an escaped quote', '"a\\"b"', { kind: 'invalid' }],
    ['a non-string line', ['"a"', 7 as unknown as string], { kind: 'invalid' }],
  ];
  for (const [name, input, expected] of rows) {
    it(`parses ${name} as ${expected.kind}`, () => {
      expect(parseEntityTagList(input)).to.deep.equal(expected);
    });
  }

  it('accepts exactly maxMembers members and reports one more as too-large', () => {
    const list = (count: number) => Array.from({ length: count }, (_, i) => `"${i}"`).join(',');

    expect(parseEntityTagList(list(3), { maxMembers: 3 })).to.have.property('kind', 'tags');
    expect(parseEntityTagList(list(4), { maxMembers: 3 })).to.deep.equal({ kind: 'too-large' });
  });

  it('accepts exactly maxLength characters and reports one more as too-large', () => {
    expect(parseEntityTagList('"abcdefgh"', { maxLength: 10 })).to.have.property('kind', 'tags');
    expect(parseEntityTagList('"abcdefghi"', { maxLength: 10 })).to.deep.equal({ kind: 'too-large' });
  });

  it('counts 2 characters per extra field line toward maxLength', () => {
    expect(parseEntityTagList(['"abc"', '"d"'], { maxLength: 10 })).to.have.property('kind', 'tags');
    expect(parseEntityTagList(['"abc"', '"de"'], { maxLength: 10 })).to.deep.equal({ kind: 'too-large' });
  });

  it('reports a 64 KiB header as too-large under the default caps', () => {
    expect(parseEntityTagList(`"${'a'.repeat(65_534)}"`)).to.deep.equal({ kind: 'too-large' });
  });

  it('throws InvalidOptionError naming parseEntityTagList for a negative cap', () => {
    expect(() => parseEntityTagList('"a"', { maxLength: -1 })).to.throw(InvalidOptionError, /parseEntityTagList: option limits\.maxLength/);
  });
});

describe('computeContentEtag', () => {
  it('returns the quoted base64url SHA-256 of the bytes', () => {
    expect(computeContentEtag(Buffer.from('hello'))).to.equal('"LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"');
    expect(computeContentEtag('')).to.equal('"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"');
  });

  it('hashes chunks as their concatenation and strings as UTF-8', () => {
    const whole = computeContentEtag(Buffer.from('caf\u00e9 au lait', 'utf8'));

    expect(computeContentEtag([Buffer.from('caf'), '\u00e9 au', Buffer.from(' lait')])).to.equal(whole);
    expect(computeContentEtag('caf\u00e9 au lait')).to.equal(whole);
  });

  it('produces a valid strong tag', () => {
    expect(parseEntityTag(computeContentEtag('x'))).to.have.property('weak', false);
  });
});

describe('pickNotModifiedHeaders', () => {
  it('keeps the RFC 9110 §15.4.5 fields case-insensitively and drops the rest', () => {
    const headers = {
      ETag: '"v2"',
      'Cache-Control': 'max-age=60',
      vary: 'Accept',
      Date: 'Tue, 15 Nov 2022 12:45:26 GMT',
      Expires: 'Tue, 15 Nov 2022 12:46:26 GMT',
      'Content-Location': '/items/1.json',
      'Content-Type': 'application/json',
      'Content-Length': '120',
      'Set-Cookie': ['a=1'],
      'Last-Modified': 'Tue, 15 Nov 2022 12:00:00 GMT',
      Expose: undefined,
    };

    expect(pickNotModifiedHeaders(headers)).to.deep.equal({
      etag: '"v2"',
      'cache-control': 'max-age=60',
      vary: 'Accept',
      date: 'Tue, 15 Nov 2022 12:45:26 GMT',
      expires: 'Tue, 15 Nov 2022 12:46:26 GMT',
      'content-location': '/items/1.json',
    });
  });

  it('keeps Last-Modified when there is no ETag', () => {
    const headers = { 'last-modified': 'Tue, 15 Nov 2022 12:00:00 GMT', 'content-type': 'text/plain' };

    expect(pickNotModifiedHeaders(headers)).to.deep.equal({ 'last-modified': 'Tue, 15 Nov 2022 12:00:00 GMT' });
  });

  it('lists the six required header names', () => {
    expect([...NOT_MODIFIED_HEADERS].sort()).to.deep.equal(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary']);
  });
});
