import { expect } from 'chai';
import fc from 'fast-check';
import { CanonicalJsonError, canonicalJson, hashKey } from '../../src/keys/canonicalJson';

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, seed));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const rotated = entries
    .slice(seed % (entries.length || 1))
    .concat(entries.slice(0, seed % (entries.length || 1)))
    .reverse();
  return Object.fromEntries(rotated.map(([key, item]) => [key, shuffleKeys(item, seed + 1)]));
}

describe('canonicalJson()', () => {
  it('sorts object keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: [2, '1', { z: 1, y: 2 }], a: { d: 1, c: null } })).to.equal(
      '{"a":{"c":null,"d":1},"b":[2,"1",{"y":2,"z":1}]}',
    );
  });

  it('keeps a number distinct from the string of its digits', () => {
    expect(canonicalJson([1])).to.not.equal(canonicalJson(['1']));
  });

  it('gives the same text whatever the insertion order, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        expect(canonicalJson(shuffleKeys(value, seed))).to.equal(canonicalJson(value));
      }),
    );
  });

  it('produces JSON that parses back to an equal value, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).to.deep.equal(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('escapes strings and keys as JSON does', () => {
    expect(canonicalJson({ 'a"b': 'Привет\n"мир"' })).to.equal('{"a\\"b":"Привет\\n\\"мир\\""}');
  });

  it('drops undefined, functions and symbols from objects and writes null for them in arrays', () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1] })).to.equal('{"d":[null,null]}');
  });

  it('writes null for a top-level undefined and for non-finite numbers', () => {
    expect([canonicalJson(undefined), canonicalJson(NaN), canonicalJson(Infinity)]).to.deep.equal(['null', 'null', 'null']);
  });

  it('writes a Date as its ISO string', () => {
    expect(canonicalJson({ at: new Date(0) })).to.equal('{"at":"1970-01-01T00:00:00.000Z"}');
  });

  it('writes a Buffer through its toJSON and a typed array as its bytes', () => {
    expect(canonicalJson(Buffer.from('hi'))).to.equal('{"data":[104,105],"type":"Buffer"}');
    expect(canonicalJson(new Uint8Array([1, 2]))).to.equal('[1,2]');
  });

  it('writes a bigint as its digits', () => {
    expect(canonicalJson({ n: 12345678901234567890n })).to.equal('{"n":12345678901234567890}');
  });

  it('writes a Map and a Set independently of insertion order', () => {
    const first = canonicalJson({
      m: new Map<unknown, unknown>([
        ['b', 2],
        ['a', 1],
      ]),
      s: new Set([2, 1]),
    });
    const second = canonicalJson({
      m: new Map<unknown, unknown>([
        ['a', 1],
        ['b', 2],
      ]),
      s: new Set([1, 2]),
    });

    expect(first).to.equal(second).and.to.equal('{"m":[["a",1],["b",2]],"s":[1,2]}');
  });

  it('writes a class instance as its own enumerable properties', () => {
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
    }

    expect(canonicalJson(new Point(2, 1))).to.equal('{"x":1,"y":2}');
  });

  it('unwraps boxed primitives', () => {
    expect(canonicalJson([Object('a'), Object(1), Object(true)])).to.equal('["a",1,true]');
  });

  it('accepts an object referenced twice without a cycle', () => {
    const shared = { a: 1 };

    expect(canonicalJson({ x: shared, y: [shared] })).to.equal('{"x":{"a":1},"y":[{"a":1}]}');
  });

  it('does not loop on a toJSON returning its own object', () => {
    const odd = {
      a: 1,
      toJSON() {
        return this;
      },
    };

    expect(canonicalJson(odd)).to.equal('{"a":1}');
  });

  it('throws CanonicalJsonError with the path of a circular reference', () => {
    const node: Record<string, unknown> = { items: [] };
    (node.items as unknown[]).push({ parent: node });

    expect(() => canonicalJson({ tree: node })).to.throw(
      CanonicalJsonError,
      'canonical JSON: circular reference at $.tree.items[0].parent',
    );
  });
});

describe('canonicalJson() on deep and large input', () => {
  it('encodes arrays and objects nested 100 000 deep without exhausting the stack', () => {
    let arrays: unknown = 1;
    let objects: unknown = 1;
    for (let depth = 0; depth < 100_000; depth += 1) {
      arrays = [arrays];
      objects = { a: objects };
    }

    expect(canonicalJson(arrays)).to.equal(`${'['.repeat(100_000)}1${']'.repeat(100_000)}`);
    expect(canonicalJson(objects)).to.equal(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
  });

  it('gives the expected text for any nesting a request body may carry, keys sorted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000 }), fc.boolean(), (depth, asObjects) => {
        let value: unknown = 'leaf';
        let expected = '"leaf"';
        for (let level = 0; level < depth; level += 1) {
          value = asObjects ? { z: level, a: value } : [value, level];
          expected = asObjects ? `{"a":${expected},"z":${level}}` : `[${expected},${level}]`;
        }

        expect(canonicalJson(value)).to.equal(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('names the path of a cycle through a Map and a Set', () => {
    const node: Record<string, unknown> = {};
    node.m = new Map([['k', new Set([node])]]);

    expect(() => canonicalJson([node])).to.throw(CanonicalJsonError, 'circular reference at $[0].m[0][1][0]');
  });

  it('finds a cycle at any depth, also in a branch opened after a deeper one was closed', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100; level += 1) deep = [deep];
    const later: Record<string, unknown> = {};
    later.self = [later];
    let wrapped: unknown = later;
    for (let level = 0; level < 10; level += 1) wrapped = { w: wrapped };

    expect(() => canonicalJson({ a: deep, b: wrapped })).to.throw(CanonicalJsonError, /circular reference at \$\.b(\.w){10}\.self\[0\]$/);
  });

  it('throws CanonicalJsonError for a toJSON that keeps returning new objects', () => {
    const endless = (): unknown => ({ toJSON: endless });

    expect(() => canonicalJson({ x: endless() })).to.throw(CanonicalJsonError, /toJSON keeps returning new objects at \$\.x/);
  });
});

describe('hashKey()', () => {
  it('returns the SHA-256 hex digest of the UTF-8 text', () => {
    expect(hashKey('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('differs for texts differing in one character', () => {
    expect(hashKey('{"id":"1"}')).to.not.equal(hashKey('{"id":1}'));
  });
});
