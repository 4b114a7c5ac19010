import { hash } from 'node:crypto';

/**
 * Thrown by `canonicalJson` for a value it cannot encode deterministically (a circular
 * reference, or a `toJSON` that keeps returning new objects). `path` locates it, starting with
 * the top-level key (for a key constructor's data, the bit's name).
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

/** Longest chain of `toJSON` results that are themselves objects with a `toJSON`. */
const MAX_TO_JSON_CHAIN = 64;
/** Up to this depth a cycle is looked for along the stack; deeper, a Set of the open containers is kept. */
const SCAN_DEPTH = 32;

const ARRAY = 0;
const RECORD = 1;
const SORTED = 2;

/** A container being written: its children are encoded one by one, on an explicit stack. */
interface Frame {
  readonly kind: typeof ARRAY | typeof RECORD | typeof SORTED;
  readonly object: object;
  /** The children of an array (the array itself) or of a Map or Set (its entries or values). */
  readonly items: readonly unknown[] | undefined;
  /** The sorted keys of a record (its values are read from `object`). */
  readonly keys: readonly string[] | undefined;
  readonly length: number;
  index: number;
  /** The text so far (array, record), or the encoded items to sort, joined at the end (Map, Set). */
  out: string;
  readonly encoded: string[] | undefined;
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
 * as its elements (both sorted by their encoding), a typed array as its bytes, and a top-level
 * `undefined` as `null`. A circular reference throws `CanonicalJsonError`; an object seen twice
 * without a cycle is fine.
 *
 * No nesting depth exhausts the stack: data nested more than a dozen levels (or holding
 * anything but plain arrays, records and primitives) is encoded on an explicit stack, in time
 * linear in the size of the value (plus the sorting of keys); only the shallow common case is
 * written by a recursion bounded to that depth.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [2, '1'], a: { d: 1, c: null } }); // '{"a":{"c":null,"d":1},"b":[2,"1"]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return (typeof value === 'object' && value !== null ? encode(value, undefined) : primitive(value)) ?? 'null';
}

/** What the shallow encoder answers for data it leaves to the stack encoder. */
const LEFT: unique symbol = Symbol('left to the stack encoder');
/** Deepest nesting the shallow encoder handles by recursion: its stack use is bounded, whatever the data. */
const SHALLOW_DEPTH = 12;

/**
 * The canonical encoding of `value` as a member of an object: `undefined` where
 * `canonicalJson` would leave the member out (`undefined`, a function, a symbol). Lets a caller
 * that knows its keys (a key constructor's sorted bit names) build the object text itself;
 * errors locate the value under `at`.
 * @internal
 */
export function canonicalMember(value: unknown, at: string): string | undefined {
  return typeof value === 'object' && value !== null ? encode(value, at) : primitive(value);
}

/** The encoding of `value`, `undefined` for nothing; errors locate their value below the member `at`. */
function encode(value: object, at: string | undefined): string | undefined {
  const shallow = encodeShallow(value, 0, []);
  return shallow === LEFT ? encodeOnStack(value, at) : shallow;
}

/**
 * The common case, fast: plain arrays and records at most SHALLOW_DEPTH deep, by bounded
 * recursion. Anything else (deeper data, a cycle, `toJSON`, boxed values, Maps and Sets) is
 * LEFT to the stack encoder, which writes the same text (the helpers are shared).
 */
function encodeShallow(value: unknown, depth: number, ancestors: object[]): string | undefined | typeof LEFT {
  if (typeof value !== 'object' || value === null) return primitive(value);
  if (depth === SHALLOW_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function' || ancestors.includes(value)) return LEFT;
  if (ArrayBuffer.isView(value)) return bytes(value);
  const isArray = Array.isArray(value);
  if (!isArray && (value instanceof Map || value instanceof Set || isBoxed(value))) return LEFT;
  ancestors.push(value);
  let out = isArray ? '[' : '{';
  if (isArray) {
    for (let index = 0; index < value.length; index += 1) {
      const item = encodeShallow(value[index], depth + 1, ancestors);
      if (item === LEFT) return LEFT;
      out += index > 0 ? `,${item ?? 'null'}` : (item ?? 'null');
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) {
      const item = encodeShallow(record[key], depth + 1, ancestors);
      if (item === LEFT) return LEFT;
      if (item !== undefined) out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${item}`;
    }
  }
  ancestors.pop();
  return out + (isArray ? ']' : '}');
}

/** Any nesting, on an explicit stack (no recursion on the data at all). */
function encodeOnStack(value: object, at: string | undefined): string | undefined {
  const stack: Frame[] = [];
  let deep: Set<object> | undefined;
  let item: unknown = value;
  let result: string | undefined;
  for (;;) {
    // Place `item`: a primitive is written at once, a container gets a frame.
    let encoded: string | undefined;
    let opened = false;
    const resolved = typeof item === 'object' && item !== null ? resolve(item, stack, at) : item;
    if (typeof resolved !== 'object' || resolved === null) {
      encoded = primitive(resolved);
    } else if (ArrayBuffer.isView(resolved)) {
      encoded = bytes(resolved);
    } else {
      if (isOpen(resolved, stack, deep)) throw new CanonicalJsonError('circular reference', pathOf(stack, at));
      stack.push(open(resolved));
      if (deep !== undefined) deep.add(resolved);
      else if (stack.length > SCAN_DEPTH) deep = new Set(stack.map((frame) => frame.object));
      opened = true;
    }
    if (!opened) {
      const parent = stack[stack.length - 1];
      if (parent === undefined) return encoded;
      append(parent, encoded);
      parent.index += 1;
    }
    // Close every finished container, then move on to the next child of the innermost open one.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (frame.index < frame.length) {
        item = frame.keys === undefined ? frame.items![frame.index] : (frame.object as Record<string, unknown>)[frame.keys[frame.index]];
        break;
      }
      stack.pop();
      deep?.delete(frame.object);
      const text = close(frame);
      const parent = stack[stack.length - 1];
      if (parent === undefined) {
        result = text;
        break;
      }
      append(parent, text);
      parent.index += 1;
    }
    if (result !== undefined) return result;
  }
}

/** Whether `object` is one of the containers being written (a cycle). */
function isOpen(object: object, stack: readonly Frame[], deep: Set<object> | undefined): boolean {
  if (deep !== undefined) return deep.has(object);
  for (let index = 0; index < stack.length; index += 1) if (stack[index].object === object) return true;
  return false;
}

/** The value JSON encodes for `item`: `toJSON` results and boxed primitives unwrapped. */
function resolve(item: object, stack: readonly Frame[], at: string | undefined): unknown {
  let current: unknown = item;
  for (let chain = 0; typeof current === 'object' && current !== null; chain += 1) {
    const toJSON = (current as { toJSON?: unknown }).toJSON;
    if (typeof toJSON !== 'function') return isBoxed(current) ? (current as { valueOf(): unknown }).valueOf() : current;
    const replaced: unknown = toJSON.call(current);
    if (replaced === current) return current;
    if (chain === MAX_TO_JSON_CHAIN) throw new CanonicalJsonError('toJSON keeps returning new objects', pathOf(stack, at));
    current = replaced;
  }
  return current;
}

function isBoxed(value: object): boolean {
  return value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof BigInt;
}

function primitive(value: unknown): string | undefined {
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
      return 'null';
    default:
      return undefined;
  }
}

function open(object: object): Frame {
  if (Array.isArray(object))
    return { kind: ARRAY, object, items: object, keys: undefined, length: object.length, index: 0, out: '[', encoded: undefined };
  if (object instanceof Map || object instanceof Set) {
    const items = [...object];
    return { kind: SORTED, object, items, keys: undefined, length: items.length, index: 0, out: '', encoded: [] };
  }
  const keys = Object.keys(object).sort();
  return { kind: RECORD, object, items: undefined, keys, length: keys.length, index: 0, out: '{', encoded: undefined };
}

function bytes(view: ArrayBufferView): string {
  return `[${new Uint8Array(view.buffer, view.byteOffset, view.byteLength).join(',')}]`;
}

function append(frame: Frame, encoded: string | undefined): void {
  if (frame.kind === ARRAY) {
    frame.out += frame.index > 0 ? `,${encoded ?? 'null'}` : (encoded ?? 'null');
  } else if (frame.kind === RECORD) {
    if (encoded !== undefined) frame.out += `${frame.out.length > 1 ? ',' : ''}${JSON.stringify(frame.keys![frame.index])}:${encoded}`;
  } else {
    frame.encoded!.push(encoded ?? 'null');
  }
}

function close(frame: Frame): string {
  if (frame.kind === SORTED) return `[${frame.encoded!.sort().join(',')}]`;
  return frame.out + (frame.kind === ARRAY ? ']' : '}');
}

/** Keys and indexes from the root (the member `at`, if any) to the child each open container is at. */
function pathOf(stack: readonly Frame[], at: string | undefined): (string | number)[] {
  const path = stack.map((frame) => (frame.kind === RECORD ? frame.keys![frame.index] : frame.index));
  return at === undefined ? path : [at, ...path];
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

/** Texts whose hash is remembered at most; the oldest is forgotten first. */
const HASH_CACHE_MAX_ENTRIES = 4096;
/** Longer texts (large bodies) are hashed every time rather than kept in memory. */
const HASH_CACHE_MAX_TEXT_LENGTH = 1024;
const hashes = new Map<string, string>();

/**
 * `hashKey(text)`, remembered for recent short texts: a hot route's key, a retry's record key and
 * fingerprint are the hashes of texts seen moments ago, and a map lookup costs less than SHA-256.
 * @internal
 */
export function cachedHashKey(text: string): string {
  if (text.length > HASH_CACHE_MAX_TEXT_LENGTH) return hashKey(text);
  let hash = hashes.get(text);
  if (hash === undefined) {
    hash = hashKey(text);
    if (hashes.size >= HASH_CACHE_MAX_ENTRIES) hashes.delete(hashes.keys().next().value as string);
    hashes.set(text, hash);
  }
  return hash;
}
