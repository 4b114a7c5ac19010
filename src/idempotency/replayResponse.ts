import type { CapturedResponse } from '../http/CapturedResponse';
import { decodeResponse, type StoredIdempotentResponse } from './IdempotencyRecord';

/** The last replay built from a stored response, kept on it (completed records never change). */
const REPLAY = Symbol('routing-controllers-extensions:replay-response');

interface PreparedReplay {
  readonly conflictStatusCode: number | null;
  readonly response: CapturedResponse;
}

type WithReplay = StoredIdempotentResponse & { [REPLAY]?: PreparedReplay };

/**
 * The response replaying a stored outcome (research §3.7): the original status, or
 * `conflictStatusCode` when set, the stored headers plus `Idempotent-Replayed: true`, and the
 * exact body. Built once per stored object and status, since a completed record is immutable
 * and replays of it are the hot path.
 * @internal
 *
 * @example
 * ```ts
 * return exchange.respond(replayResponse(record.response, options.conflictStatusCode));
 * ```
 */
export function replayResponse(stored: StoredIdempotentResponse, conflictStatusCode: number | null): CapturedResponse {
  const holder = stored as WithReplay;
  const prepared = holder[REPLAY];
  if (prepared?.conflictStatusCode === conflictStatusCode) return prepared.response;
  const decoded = decodeResponse(stored);
  const response: CapturedResponse = Object.freeze({
    status: conflictStatusCode ?? decoded.status,
    headers: Object.freeze({ ...decoded.headers, 'idempotent-replayed': 'true' }),
    body: decoded.body,
  });
  if (Object.isExtensible(holder))
    Object.defineProperty(holder, REPLAY, {
      value: { conflictStatusCode, response },
      enumerable: false,
      configurable: true,
      writable: true,
    });
  return response;
}
