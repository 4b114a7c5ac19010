/**
 * Thrown by `canonicalJson` for a value it cannot encode deterministically (a circular
 * reference). `path` locates it, starting with the top-level key (for a key constructor's data,
 * the bit's name).
 */
export class CanonicalJsonError extends TypeError {
  constructor(
    message: string,
    /** Keys and indexes from the root to the offending value. */
    readonly path: readonly (string | number)[],
  ) {
    super(`canonical JSON: ${message} at $${path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('')}`);
    this.name = 'CanonicalJsonError';
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
  return encode(value, [], []) ?? 'null';
}

function encode(value: unknown, ancestors: object[], path: (string | number)[]): string | undefined {
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
      return value === null ? 'null' : encodeObject(value, ancestors, path);
    default:
      return undefined;
  }
}

function encodeObject(value: object, ancestors: object[], path: (string | number)[]): string | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const replaced: unknown = toJSON.call(value, path.length === 0 ? '' : String(path[path.length - 1]));
    if (replaced !== value) return encode(replaced, ancestors, path);
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof BigInt) {
    return encode(value.valueOf(), ancestors, path);
  }
  if (ancestors.includes(value)) throw new CanonicalJsonError('circular reference', path);
  ancestors.push(value);
  try {
    if (Array.isArray(value)) return encodeArray(value, ancestors, path);
    if (ArrayBuffer.isView(value)) {
      return `[${Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)).join(',')}]`;
    }
    if (value instanceof Map) return encodeMap(value, ancestors, path);
    if (value instanceof Set) return encodeSorted(Array.from(value, (item, index) => encodeAt(item, ancestors, path, index)));
    return encodeRecord(value as Record<string, unknown>, ancestors, path);
  } finally {
    ancestors.pop();
  }
}

function encodeAt(item: unknown, ancestors: object[], path: (string | number)[], key: string | number): string | undefined {
  path.push(key);
  try {
    return encode(item, ancestors, path);
  } finally {
    path.pop();
  }
}

function encodeArray(value: readonly unknown[], ancestors: object[], path: (string | number)[]): string {
  let out = '[';
  for (let index = 0; index < value.length; index++) {
    if (index > 0) out += ',';
    out += encodeAt(value[index], ancestors, path, index) ?? 'null';
  }
  return `${out}]`;
}

function encodeRecord(value: Record<string, unknown>, ancestors: object[], path: (string | number)[]): string {
  const keys = Object.keys(value).sort();
  let out = '{';
  for (const key of keys) {
    const encoded = encodeAt(value[key], ancestors, path, key);
    if (encoded === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${encoded}`;
  }
  return `${out}}`;
}

function encodeMap(value: Map<unknown, unknown>, ancestors: object[], path: (string | number)[]): string {
  const pairs: string[] = [];
  let index = 0;
  for (const [key, item] of value) {
    const encodedKey = encodeAt(key, ancestors, path, index) ?? 'null';
    pairs.push(`[${encodedKey},${encodeAt(item, ancestors, path, index) ?? 'null'}]`);
    index++;
  }
  return encodeSorted(pairs);
}

function encodeSorted(items: (string | undefined)[]): string {
  return `[${items.map((item) => item ?? 'null').sort().join(',')}]`;
}
