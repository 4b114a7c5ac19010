import { StorageError } from '../errors';
import type { CapturedResponse, HeaderValue } from '../http/CapturedResponse';

/** Envelope format version. */
const RECORD_VERSION = 1;

/** A stored response: status, allow-listed headers, body bytes as base64 (absent when omitted). */
export interface StoredIdempotentResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Body bytes, base64; `null` when the body was over `maxBodyBytes` and not kept. */
  readonly body: string | null;
}

/**
 * One idempotency record (research §3.5): JSON-safe, versioned, holding hashes only (the record
 * key and fingerprint), never the raw request. `in_flight` while an owner runs the action under
 * a lease, `completed` once its outcome is stored. `owner` and `fence` identify the claim that
 * wrote it: only that claim may renew, complete or release it.
 */
export interface IdempotencyRecord {
  readonly v: typeof RECORD_VERSION;
  readonly state: 'in_flight' | 'completed';
  /** Request fingerprint, or `null` when fingerprinting is off. */
  readonly fp: string | null;
  /** Random token of the claim. */
  readonly owner: string;
  /** Fencing number of the claim (from the lock; strictly increasing per key). */
  readonly fence: number;
  /** Clock time of the claim, ms. */
  readonly createdAt: number;
  /** While `in_flight`: the owner is presumed alive until this clock time, ms. */
  readonly leaseUntil: number;
  /** Once `completed`: replayed until this clock time, ms. */
  readonly expiresAt?: number;
  /** Once `completed`: the outcome. */
  readonly response?: StoredIdempotentResponse;
}

/** Builds the stored form of a response (headers already filtered). */
export function encodeResponse(
  status: number,
  headers: Readonly<Record<string, HeaderValue>>,
  body: Buffer | null,
): StoredIdempotentResponse {
  const plain: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    plain[name] = Array.isArray(value) ? [...value] : String(value);
  }
  return { status, headers: plain, body: body === null ? null : body.toString('base64') };
}

/** Starts a record. */
export function newRecord(fields: Omit<IdempotencyRecord, 'v'>): IdempotencyRecord {
  return { v: RECORD_VERSION, ...fields };
}

/**
 * The record in a stored value: `undefined` for none; a value that is not a well-formed record
 * rejects with `StorageError` (research F5: an undecodable record is never "absent", or a
 * completed operation would run again).
 */
export function decodeRecord(value: unknown): IdempotencyRecord | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new StorageError('get', 'the stored idempotency record is malformed');
  return value;
}

/** The decoded form kept on the stored object itself (a WeakMap would add an ephemeron per record to every GC). */
const DECODED = Symbol('routing-controllers-extensions:decoded-response');

type WithDecoded = StoredIdempotentResponse & { [DECODED]?: CapturedResponse };

/** The stored response as a `CapturedResponse` (decoded once per stored object). */
export function decodeResponse(stored: StoredIdempotentResponse): CapturedResponse {
  const holder = stored as WithDecoded;
  let response = holder[DECODED];
  if (!response) {
    response = { status: stored.status, headers: stored.headers, body: Buffer.from(stored.body ?? '', 'base64') };
    if (Object.isExtensible(holder)) Object.defineProperty(holder, DECODED, { value: response, enumerable: false, configurable: true });
  }
  return response;
}

function isRecord(value: unknown): value is IdempotencyRecord {
  if (typeof value !== 'object') return false;
  const record = value as Partial<IdempotencyRecord>;
  if (record.v !== RECORD_VERSION || (record.state !== 'in_flight' && record.state !== 'completed')) return false;
  if (typeof record.owner !== 'string' || typeof record.fence !== 'number' || typeof record.leaseUntil !== 'number') return false;
  if (!(typeof record.fp === 'string' || record.fp === null) || typeof record.createdAt !== 'number') return false;
  if (record.state === 'in_flight') return true;
  const response = record.response;
  return (
    typeof record.expiresAt === 'number' &&
    typeof response === 'object' &&
    response !== null &&
    Number.isInteger(response.status) &&
    (typeof response.body === 'string' || response.body === null) &&
    typeof response.headers === 'object' &&
    response.headers !== null
  );
}
