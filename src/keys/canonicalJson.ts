import { hash } from 'node:crypto';

/**
 * Thrown by `canonicalJson` for a value it cannot encode deterministically (a circular
 * reference). `path` locates it, starting with the top-level key (for a key constructor's data,
 * the bit's name).
 */
export class CanonicalJsonError extends TypeError {
  /** Keys and indexes from the root to the offending value. */
  readonly path: readonly (string | number)[];

  constructor(message: string, path: readonly (string | number)[]) {
    super(`canonical JSON: ${message} at $${path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('')}`);
    this.name = 'CanonicalJsonError';
    this.path = Object.freeze([...path]);
  }
}

/**
 * Encodes a value as JSON with object keys sorted at every level, so equal data always gives
 * the same text whatever the insertion order (the input of a key's hash; drf-extensions'
 * `json.dumps(sort_keys=True)`).
 *
 * Follows `JSON.stringify` where that is deterministic: `toJSON` is honoured (Dates, Buffers),
 * class instances encode their own enumerable properties, `undefined`, functions and symbols
 * are dropped from objects and become `null` in arrays, non-finite numbers become `null`, and a
 * number stays distinct from the string of its digits. Where `JSON.stringify` would throw or
 * lose information: a bigint encodes as its digits, a Map as its `[key, value]` pairs and a Set
 * as its elements (both sorted by their encoding), a typed array as its numbers, and a top-level
 * `undefined` as `null`. A circular reference throws `CanonicalJsonError`; an object seen twice
 * without a cycle is fine.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [2, '1'], a: { d: 1, c: null } }); // '{"a":{"c":null,"d":1},"b":[2,"1"]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  try {
    return encode(value, []) ?? 'null';
  } catch (error) {
    if (error instanceof CircularReference) throw new CanonicalJsonError('circular reference', error.path);
    throw error;
  }
}

/**
 * The canonical encoding of `value` as a member of an object: `undefined` where
 * `canonicalJson` would leave the member out (`undefined`, a function, a symbol). Lets a caller
 * that knows its keys (a key constructor's sorted bit names) build the object text itself;
 * errors locate the value under `at`.
 * @internal
 */
export function canonicalMember(value: unknown, at: string): string | undefined {
  try {
    return encode(value, []);
  } catch (error) {
    if (error instanceof CircularReference) throw new CanonicalJsonError('circular reference', [at, ...error.path]);
    throw error;
  }
}

// Thrown where a cycle is found; each enclosing level adds its key while it propagates, so
// the path costs nothing unless a cycle occurs.
class CircularReference {
  readonly path: (string | number)[] = [];
}

function encode(value: unknown, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      return value === null ? 'null' : encodeObject(value, ancestors);
    default:
      return undefined;
  }
}

function encodeObject(value: object, ancestors: object[]): string | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const replaced: unknown = toJSON.call(value);
    if (replaced !== value) return encode(replaced, ancestors);
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof BigInt) {
    return encode(value.valueOf(), ancestors);
  }
  if (ancestors.includes(value)) throw new CircularReference();
  ancestors.push(value);
  const encoded = Array.isArray(value)
    ? encodeArray(value, ancestors)
    : ArrayBuffer.isView(value)
      ? `[${new Uint8Array(value.buffer, value.byteOffset, value.byteLength).join(',')}]`
      : value instanceof Map
        ? encodeMap(value, ancestors)
        : value instanceof Set
          ? encodeSorted(encodeItems([...value], ancestors))
          : encodeRecord(value as Record<string, unknown>, ancestors);
  ancestors.pop();
  return encoded;
}

function encodeArray(value: readonly unknown[], ancestors: object[]): string {
  let out = '[';
  let index = 0;
  try {
    for (; index < value.length; index++) {
      if (index > 0) out += ',';
      out += encode(value[index], ancestors) ?? 'null';
    }
  } catch (error) {
    throw withKey(error, index);
  }
  return `${out}]`;
}

function encodeRecord(value: Record<string, unknown>, ancestors: object[]): string {
  const keys = Object.keys(value).sort();
  let out = '{';
  let key = '';
  try {
    for (key of keys) {
      const encoded = encode(value[key], ancestors);
      if (encoded === undefined) continue;
      if (out.length > 1) out += ',';
      out += `${JSON.stringify(key)}:${encoded}`;
    }
  } catch (error) {
    throw withKey(error, key);
  }
  return `${out}}`;
}

function encodeMap(value: Map<unknown, unknown>, ancestors: object[]): string {
  const pairs = encodeItems([...value], ancestors);
  return encodeSorted(pairs);
}

function encodeItems(items: readonly unknown[], ancestors: object[]): string[] {
  const encoded: string[] = [];
  let index = 0;
  try {
    for (; index < items.length; index++) encoded.push(encode(items[index], ancestors) ?? 'null');
  } catch (error) {
    throw withKey(error, index);
  }
  return encoded;
}

function encodeSorted(items: string[]): string {
  return `[${items.sort().join(',')}]`;
}

function withKey(error: unknown, key: string | number): unknown {
  if (error instanceof CircularReference) error.path.unshift(key);
  return error;
}

/**
 * SHA-256 of a string's UTF-8 bytes as 64 lower-case hex characters: the default last step of
 * `KeyConstructor.prepareKey` (drf-extensions switched to MD5 for speed; one-shot `crypto.hash`
 * makes SHA-256 as cheap for inputs this small).
 *
 * @example
 * ```ts
 * hashKey('{"format":"json"}'); // 64 hex characters
 * ```
 */
export function hashKey(text: string): string {
  return hash('sha256', text, 'hex');
}
