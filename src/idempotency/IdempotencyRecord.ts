import { storableHeaders } from '../cache/storagePolicy';
import { StorageError } from '../errors';
import type { CaptureResult, CapturedResponse, HeaderValue } from '../http/CapturedResponse';

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

/** Request-specific headers never replayed, on top of what the cache never stores (research §3.8). */
const UNREPLAYED = new Set([
  'x-request-id',
  'request-id',
  'x-correlation-id',
  'server',
  'retry-after',
  'idempotent-replayed',
  'ratelimit',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
]);

/** Starts a record. */
export function newRecord(fields: Omit<IdempotencyRecord, 'v'>): IdempotencyRecord {
  return { v: RECORD_VERSION, ...fields };
}

/**
 * The outcome to store for a captured response, or `undefined` to release the claim: a status
 * `keep` accepts, with its replayable headers and exact body (no body past `maxBodyBytes`, so a
 * retry gets 409 `replay-unavailable` rather than a second execution). A response that never
 * ended (the client left and the driver never wrote one) is an unknown outcome: released.
 * @internal
 *
 * @example
 * ```ts
 * const outcome = outcomeOf(result, (status) => storeOnStatuses.has(status));
 * ```
 */
export function outcomeOf(result: CaptureResult, keep: (status: number) => boolean): StoredIdempotentResponse | undefined {
  const status = statusOf(result);
  if (!keep(status)) return undefined;
  if (result.complete) return encodeResponse(status, replayableHeaders(result.response), result.response.body);
  return result.reason === 'too-large' ? encodeResponse(status, {}, null) : undefined;
}

/** The status of a captured (or failed to capture) response. @internal */
export function statusOf(result: CaptureResult): number {
  return result.complete ? result.response.status : result.status;
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

/** The decoded form and the last replay, kept on the stored object itself (completed records never change). */
const DECODED = Symbol('routing-controllers-extensions:decoded-response');
const REPLAY = Symbol('routing-controllers-extensions:replay-response');

type Prepared = StoredIdempotentResponse & {
  [DECODED]?: CapturedResponse;
  [REPLAY]?: { readonly conflictStatusCode: number | null; readonly response: CapturedResponse };
};

/** The stored response as a `CapturedResponse` (decoded once per stored object). */
export function decodeResponse(stored: StoredIdempotentResponse): CapturedResponse {
  const holder = stored as Prepared;
  let response = holder[DECODED];
  if (!response) {
    response = { status: stored.status, headers: stored.headers, body: Buffer.from(stored.body ?? '', 'base64') };
    keep(holder, DECODED, response);
  }
  return response;
}

/**
 * The response replaying a stored outcome (research §3.7): the original status, or
 * `conflictStatusCode` when set, the stored headers plus `Idempotent-Replayed: true`, and the
 * exact body. Built once per stored object and status: replays are the hot path.
 * @internal
 *
 * @example
 * ```ts
 * return exchange.respond(replayResponse(record.response, options.conflictStatusCode));
 * ```
 */
export function replayResponse(stored: StoredIdempotentResponse, conflictStatusCode: number | null): CapturedResponse {
  const holder = stored as Prepared;
  const prepared = holder[REPLAY];
  if (prepared?.conflictStatusCode === conflictStatusCode) return prepared.response;
  const decoded = decodeResponse(stored);
  const response: CapturedResponse = Object.freeze({
    status: conflictStatusCode ?? decoded.status,
    headers: Object.freeze({ ...decoded.headers, 'idempotent-replayed': 'true' }),
    body: decoded.body,
  });
  keep(holder, REPLAY, { conflictStatusCode, response });
  return response;
}

/** A hidden property on the stored object (a WeakMap would add an ephemeron per record to every GC). */
function keep(holder: Prepared, symbol: typeof DECODED | typeof REPLAY, value: unknown): void {
  if (Object.isExtensible(holder)) Object.defineProperty(holder, symbol, { value, enumerable: false, configurable: true, writable: true });
}

function encodeResponse(status: number, headers: Readonly<Record<string, HeaderValue>>, body: Buffer | null): StoredIdempotentResponse {
  const plain: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    plain[name] = Array.isArray(value) ? [...value] : String(value);
  }
  return { status, headers: plain, body: body === null ? null : body.toString('base64') };
}

function replayableHeaders(response: CapturedResponse): Record<string, HeaderValue> {
  const kept = storableHeaders(response.headers);
  for (const name of Object.keys(kept)) if (UNREPLAYED.has(name)) delete kept[name];
  return kept;
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
