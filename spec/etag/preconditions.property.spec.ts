import { expect } from 'chai';
import fc from 'fast-check';
import { type HeaderFieldValue, parseEntityTagList } from '../../src/etag/entityTagList';
import { type EntityTag, formatEntityTag, isEntityTag, isEtagc, parseEntityTag, weakMatch } from '../../src/etag/entityTags';
import { evaluatePreconditions, type PreconditionInput } from '../../src/etag/evaluatePreconditions';
import { formatHttpDate, parseHttpDate } from '../../src/etag/httpDate';
import { PRECONDITION_OUTCOMES, type PreconditionResult } from '../../src/etag/PreconditionResult';

const LIST_HEADERS = ['if-match', 'if-none-match'] as const;
const CONDITIONAL_HEADERS = [...LIST_HEADERS, 'if-modified-since', 'if-unmodified-since', 'if-range'] as const;
const STATUS_BY_OUTCOME: Record<PreconditionResult['outcome'], number | undefined> = {
  proceed: undefined,
  'not-modified': 304,
  'precondition-failed': 412,
  'precondition-required': 428,
  'header-too-large': 431,
};

const piece = fc.oneof(
  fc.constantFrom('"', ',', ' ', '\t', 'W/', 'w/', '*', '"v2"', 'W/"v2"', '"v1"', '\\', '\u0000', '\r\n', '\u007f'),
  fc.constantFrom('\u00e9', '\u0100', '"a,b"', ', ,', 'Tue, 15 Nov 2022 12:45:26 GMT', 'Tuesday, 15-Nov-22 12:45:26 GMT'),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const smallValue = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(''));
const hugeValue = fc.constantFrom(
  '"a", '.repeat(13_108),
  `"${', '.repeat(32_767)}`,
  'W/'.repeat(32_768),
  `"${'a'.repeat(65_534)}"`,
  ' , '.repeat(21_845),
  Array.from({ length: 9000 }, (_, i) => `W/"${i}"`).join(','),
);
const field: fc.Arbitrary<HeaderFieldValue> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: smallValue },
  { weight: 1, arbitrary: hugeValue },
  { weight: 2, arbitrary: fc.array(fc.oneof(smallValue, hugeValue), { maxLength: 4 }) },
);
const input: fc.Arbitrary<PreconditionInput> = fc.record(
  {
    method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS', 'get'),
    headers: fc.record(
      {
        'if-match': field,
        'if-none-match': field,
        'if-modified-since': field,
        'if-unmodified-since': field,
        'if-range': field,
        range: fc.constantFrom(undefined, 'bytes=0-9'),
      },
      { requiredKeys: [] },
    ),
    etag: fc.constantFrom(undefined, '"v2"', 'W/"v2"', '"a,b"', 'v2', '""'),
    lastModified: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
    exists: fc.option(fc.boolean(), { nil: undefined }),
    requirePrecondition: fc.constantFrom(undefined, false, true, ['PUT', 'delete']),
    now: fc.constant(Date.UTC(2022, 10, 16)),
  },
  { requiredKeys: ['method', 'headers'] },
);

const etagcChar = fc
  .integer({ min: 0x21, max: 0xff })
  .filter((code) => isEtagc(code) && code !== 0x5c)
  .map((code) => String.fromCharCode(code));
const tagValue = fc.string({ unit: etagcChar, maxLength: 12 });
const entityTag: fc.Arbitrary<EntityTag> = fc.record({ weak: fc.boolean(), value: tagValue });
const separator = fc.constantFrom(',', ', ', ' ,', ' , , ', ',\t,', '\t,\t');

describe('evaluatePreconditions (property)', () => {
  it('never throws and returns an allowed outcome with its status over random and adversarial headers', () => {
    fc.assert(
      fc.property(input, (request) => {
        const result = evaluatePreconditions(request);

        expect(PRECONDITION_OUTCOMES).to.include(result.outcome);
        expect('status' in result ? result.status : undefined).to.equal(STATUS_BY_OUTCOME[result.outcome]);
        expect(Object.isFrozen(result)).to.equal(true);
        expect(evaluatePreconditions(request)).to.deep.equal(result);
      }),
      { numRuns: 1000 },
    );
  });

  it('answers 304 only to GET and HEAD, and 431 only for a list that parses as too-large', () => {
    fc.assert(
      fc.property(input, (request) => {
        const result = evaluatePreconditions(request);

        if (result.outcome === 'not-modified') expect(request.method.toUpperCase()).to.be.oneOf(['GET', 'HEAD']);
        if (result.outcome === 'header-too-large') {
          expect(parseEntityTagList(request.headers[result.header])).to.deep.equal({ kind: 'too-large' });
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('proceeds when no conditional header is sent and none is required', () => {
    fc.assert(
      fc.property(input, (request) => {
        const headers = { ...request.headers };
        for (const name of CONDITIONAL_HEADERS) delete headers[name];

        expect(evaluatePreconditions({ ...request, headers, requirePrecondition: false })).to.deep.equal({
          outcome: 'proceed',
          ignoreRange: false,
        });
      }),
    );
  });

  it('answers 431 to a 64 KiB list header on GET under the default caps', () => {
    fc.assert(
      fc.property(hugeValue, fc.constantFrom(...LIST_HEADERS), (value, name) => {
        const result = evaluatePreconditions({ method: 'GET', headers: { [name]: value }, etag: '"v2"' });

        expect(result).to.deep.equal({ outcome: 'header-too-large', status: 431, header: name });
      }),
    );
  });

  it('answers 304 to a valid If-None-Match list exactly when one member weakly matches', () => {
    fc.assert(
      fc.property(fc.array(entityTag, { maxLength: 20 }), entityTag, separator, (tags, current, sep) => {
        const header = tags.map((tag) => formatEntityTag(tag.value, tag.weak)).join(sep);
        const etag = formatEntityTag(current.value, current.weak);
        const result = evaluatePreconditions({ method: 'GET', headers: { 'if-none-match': header }, etag });

        expect(result.outcome === 'not-modified').to.equal(tags.some((tag) => weakMatch(tag, current)));
      }),
    );
  });
});

describe('entity tags (property)', () => {
  it('round-trips parseEntityTag(formatEntityTag(value, weak))', () => {
    fc.assert(
      fc.property(entityTag, (tag) => {
        expect(parseEntityTag(formatEntityTag(tag.value, tag.weak))).to.deep.equal(tag);
      }),
      { numRuns: 1000 },
    );
  });

  it('parses a formatted list back into the same tags, whatever the separators', () => {
    fc.assert(
      fc.property(fc.array(entityTag, { minLength: 1, maxLength: 64 }), separator, (tags, sep) => {
        const header = tags.map((tag) => formatEntityTag(tag.value, tag.weak)).join(sep);

        expect(parseEntityTagList(header, { maxLength: 65_536 })).to.deep.equal({ kind: 'tags', tags });
      }),
    );
  });

  it('formats any string either as a valid tag or with a TypeError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 16 }), fc.boolean(), (value, weak) => {
        let formatted: string | undefined;
        try {
          formatted = formatEntityTag(value, weak);
        } catch (error) {
          expect(error).to.be.instanceOf(TypeError);
        }

        if (formatted !== undefined) expect(isEntityTag(formatted)).to.equal(true);
      }),
    );
  });
});

describe('HTTP dates (property)', () => {
  it('round-trips every second of years 0000-9999 through formatHttpDate and parseHttpDate', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200, max: 253_402_300_799 }), (seconds) => {
        expect(parseHttpDate(formatHttpDate(seconds * 1000))).to.equal(seconds * 1000);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns undefined or a whole second for any string without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(smallValue, fc.string({ unit: 'binary', maxLength: 40 })), (value) => {
        const parsed = parseHttpDate(value, Date.UTC(2022, 10, 16));

        if (parsed !== undefined) expect(parsed % 1000).to.equal(0);
      }),
      { numRuns: 1000 },
    );
  });
});
