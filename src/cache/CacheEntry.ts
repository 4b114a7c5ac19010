import type { CapturedResponse, HeaderValue } from '../http/CapturedResponse';

/** Envelope format version; an entry of another version (or shape) is a miss, never a crash. */
const ENTRY_VERSION = 3;

/** Stored values up to this many characters have their decoding remembered in this process. */
const MEMO_MAX_CHARS = 64 * 1024;

/** Entry keys whose decoding is remembered (oldest forgotten first). */
const MEMO_MAX_ENTRIES = 256;

/**
 * What a stored response records besides its body: plain JSON (no eval, no class instances),
 * so any keyv store can hold it and a compromised store cannot make us run code.
 */
export interface CacheEntry {
  readonly v: typeof ENTRY_VERSION;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** When the response was stored (ms since epoch). */
  readonly storedAt: number;
  /** Fresh until `storedAt + ttl`. */
  readonly ttl: number;
  /** Servable stale for this long after going stale, while one refresh runs. */
  readonly swr: number;
  /** Tag name → the tag's version when the entry was stored; any change invalidates the entry. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A stored entry and the response it replays. */
export interface DecodedEntry {
  readonly entry: CacheEntry;
  readonly response: CapturedResponse;
}

/**
 * Builds the stored value of a response: one string, `<entry JSON>\n<body base64>`. A single
 * string keeps the store's own serializer cheap (keyv's JSON reviver visits one value instead of
 * every header and tag), and lets a reader recognise a value it has decoded before.
 */
export function encodeEntry(
  response: CapturedResponse,
  headers: Readonly<Record<string, HeaderValue>>,
  meta: { storedAt: number; ttl: number; swr: number; tags: Record<string, string> },
): string {
  const plainHeaders: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    plainHeaders[name] = Array.isArray(value) ? [...value] : String(value);
  }
  const entry: CacheEntry = { v: ENTRY_VERSION, status: response.status, headers: plainHeaders, ...meta };
  // JSON.stringify escapes line breaks, so the first '\n' always ends the entry JSON.
  return `${JSON.stringify(entry)}\n${response.body.toString('base64')}`;
}

/** Prefix of the value stored under a key whose responses vary on request headers the key does not hold. */
const VARY_MARKER = 'vary:';

/**
 * The value stored under a primary key whose response varies (its own `Vary`, RFC 9111 §4.1) on
 * request headers the key does not hold: their names. Each variant is stored under a secondary
 * key of its own (see `variantKey`), so gzip and identity responses live side by side.
 */
export function encodeVaryMarker(names: readonly string[]): string {
  return VARY_MARKER + JSON.stringify(names);
}

/** The header names of a vary marker, or `undefined` when `value` is not one. */
export function readVaryMarker(value: unknown): readonly string[] | undefined {
  if (typeof value !== 'string' || !value.startsWith(VARY_MARKER)) return undefined;
  const remembered = markers.get(value);
  if (remembered) return remembered;
  try {
    const names: unknown = JSON.parse(value.slice(VARY_MARKER.length));
    if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) return undefined;
    if (markers.size >= MEMO_MAX_ENTRIES) markers.delete(markers.keys().next().value as string);
    const frozen = Object.freeze([...(names as string[])]);
    markers.set(value, frozen);
    return frozen;
  } catch {
    return undefined;
  }
}

const markers = new Map<string, readonly string[]>();

const memo = new Map<string, { readonly value: string; readonly decoded: DecodedEntry }>();

/**
 * The entry stored under `key` if `value` is a well-formed envelope of this version, else
 * `undefined` (treated as a miss). A hit on a value decoded before (compared as a whole string,
 * so any change is a new decoding) reuses that decoding: no JSON parse, validation or base64
 * decode per hit. The reused response is frozen and only ever read.
 */
export function readEntry(key: string, value: unknown): DecodedEntry | undefined {
  if (typeof value !== 'string') return undefined;
  const remembered = memo.get(key);
  if (remembered !== undefined && remembered.value === value) return remembered.decoded;
  const decoded = decodeEntry(value);
  if (decoded !== undefined && value.length <= MEMO_MAX_CHARS) {
    memo.delete(key);
    if (memo.size >= MEMO_MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
    memo.set(key, { value, decoded });
  }
  return decoded;
}

function decodeEntry(value: string): DecodedEntry | undefined {
  const split = value.indexOf('\n');
  if (split < 0) return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(value.slice(0, split));
  } catch {
    return undefined;
  }
  if (!isEntry(entry)) return undefined;
  const headers = Object.freeze({ ...entry.headers });
  const response: CapturedResponse = Object.freeze({ status: entry.status, headers, body: Buffer.from(value.slice(split + 1), 'base64') });
  return Object.freeze({ entry, response });
}

function isEntry(value: unknown): value is CacheEntry {
  if (value === null || typeof value !== 'object') return false;
  const entry = value as Partial<CacheEntry>;
  return (
    entry.v === ENTRY_VERSION &&
    Number.isInteger(entry.status) &&
    typeof entry.storedAt === 'number' &&
    typeof entry.ttl === 'number' &&
    typeof entry.swr === 'number' &&
    isStringRecord(entry.headers) &&
    isStringRecord(entry.tags)
  );
}

function isStringRecord(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every(
    (item) => typeof item === 'string' || (Array.isArray(item) && item.every((line) => typeof line === 'string')),
  );
}
