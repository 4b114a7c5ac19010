import type { CapturedResponse, HeaderValue } from '../http/CapturedResponse';

/** Envelope format version; an entry of another version is a miss, never a crash. */
const ENTRY_VERSION = 1;

/**
 * A stored response: a plain, JSON-safe, versioned envelope (no eval, no class instances), so
 * any keyv store can hold it and a compromised store cannot make us run code.
 */
export interface CacheEntry {
  readonly v: typeof ENTRY_VERSION;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Body bytes, base64. */
  readonly body: string;
  /** When the response was stored (ms since epoch). */
  readonly storedAt: number;
  /** Fresh until `storedAt + ttl`. */
  readonly ttl: number;
  /** Servable stale for this long after going stale, while one refresh runs. */
  readonly swr: number;
  /** Tag name → the tag's version when the entry was stored; any change invalidates the entry. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Builds the envelope of a response. */
export function encodeEntry(
  response: CapturedResponse,
  headers: Readonly<Record<string, HeaderValue>>,
  meta: { storedAt: number; ttl: number; swr: number; tags: Record<string, string> },
): CacheEntry {
  const plainHeaders: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    plainHeaders[name] = Array.isArray(value) ? [...value] : String(value);
  }
  return { v: ENTRY_VERSION, status: response.status, headers: plainHeaders, body: response.body.toString('base64'), ...meta };
}

const decoded = new WeakMap<CacheEntry, CapturedResponse>();

/**
 * The stored entry if the value is a well-formed envelope of this version, else `undefined`
 * (treated as a miss). Decoding is remembered per entry object, so an in-memory store pays once.
 */
export function readEntry(value: unknown): { entry: CacheEntry; response: CapturedResponse } | undefined {
  if (!isEntry(value)) return undefined;
  let response = decoded.get(value);
  if (!response) {
    response = { status: value.status, headers: value.headers, body: Buffer.from(value.body, 'base64') };
    decoded.set(value, response);
  }
  return { entry: value, response };
}

function isEntry(value: unknown): value is CacheEntry {
  if (value === null || typeof value !== 'object') return false;
  const entry = value as Partial<CacheEntry>;
  return (
    entry.v === ENTRY_VERSION &&
    Number.isInteger(entry.status) &&
    typeof entry.body === 'string' &&
    typeof entry.storedAt === 'number' &&
    typeof entry.ttl === 'number' &&
    typeof entry.swr === 'number' &&
    isStringRecord(entry.headers) &&
    isStringRecord(entry.tags)
  );
}

function isStringRecord(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every((item) => typeof item === 'string' || (Array.isArray(item) && item.every((line) => typeof line === 'string')));
}
