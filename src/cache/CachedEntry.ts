/** Envelope format version; an entry of another version (or shape) is a miss, never a crash. */
const CACHED_ENTRY_VERSION = 1;

/**
 * What `@cached` stores for one key: the method's result and when it was computed. Plain JSON,
 * so every store (keyv's serializer, Redis) holds it and gives back an equal value.
 * @internal
 */
export interface CachedEntry {
  readonly v: typeof CACHED_ENTRY_VERSION;
  /** The method's result; absent for `undefined`. */
  readonly value?: unknown;
  /** When the result was stored (ms since epoch, settings clock). */
  readonly storedAt: number;
  /** Fresh until `storedAt + ttl`. */
  readonly ttl: number;
  /** Returned stale for this long after going stale, while one refresh runs. */
  readonly swr: number;
  /** Tag name → the tag's version when stored; any change invalidates the entry. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Builds the stored envelope of a result. @internal */
export function cachedEntry(value: unknown, meta: Omit<CachedEntry, 'v' | 'value'>): CachedEntry {
  return value === undefined ? { v: CACHED_ENTRY_VERSION, ...meta } : { v: CACHED_ENTRY_VERSION, value, ...meta };
}

/** The envelope in a stored value, or `undefined` (a miss) for anything else. @internal */
export function readCachedEntry(stored: unknown): CachedEntry | undefined {
  if (stored === null || typeof stored !== 'object') return undefined;
  const entry = stored as Partial<CachedEntry>;
  const ok =
    entry.v === CACHED_ENTRY_VERSION &&
    typeof entry.storedAt === 'number' &&
    typeof entry.ttl === 'number' &&
    typeof entry.swr === 'number' &&
    entry.tags !== null &&
    typeof entry.tags === 'object' &&
    Object.values(entry.tags).every((version) => typeof version === 'string');
  return ok ? (entry as CachedEntry) : undefined;
}

/**
 * Whether `value` comes back from a store equal to itself, in type as well as content: strings,
 * finite numbers, booleans, `null`, Buffers, arrays of such values and plain objects of them
 * (an `undefined` property is dropped, as JSON does). Not: `Date` (it would come back a string),
 * `Map`, `Set`, class instances, functions, symbols, bigints, `NaN`/`Infinity`, `undefined` in
 * an array (it would come back `null`), cycles. A top-level `undefined` is fine.
 * @internal
 */
export function roundTrips(value: unknown): boolean {
  return value === undefined || plain(value, []);
}

function plain(value: unknown, ancestors: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null || Buffer.isBuffer(value)) return true;
  if (ancestors.includes(value)) return false;
  ancestors.push(value);
  let ok: boolean;
  if (Array.isArray(value)) {
    // Array.from turns holes into undefined, which JSON would turn into null.
    ok = Array.from(value).every((item) => plain(item, ancestors));
  } else {
    const prototype: unknown = Object.getPrototypeOf(value);
    ok =
      (prototype === Object.prototype || prototype === null) &&
      Object.values(value).every((item) => item === undefined || plain(item, ancestors));
  }
  ancestors.pop();
  return ok;
}
