import type { CapturedResponse } from '../http/CapturedResponse';

/**
 * Base of the `type` URIs of idempotency problems; each problem appends its name. A `tag:` URI
 * (RFC 4151), as RFC 9457 §3.1.1 suggests for types that are not meant to be dereferenced.
 */
export const IDEMPOTENCY_PROBLEM_BASE = 'tag:routing-controllers-extensions,2025:idempotency/';

/** The problems the idempotency layer answers with, by name: status, title and stable `type`. */
export const IDEMPOTENCY_PROBLEMS = Object.freeze({
  'missing-key': { status: 400, title: 'Idempotency key required' },
  'invalid-key': { status: 400, title: 'Invalid idempotency key' },
  'scope-required': { status: 400, title: 'Authentication required for idempotency' },
  'key-reused': { status: 422, title: 'Idempotency key reused with another request' },
  'request-in-progress': { status: 409, title: 'A request with this idempotency key is in progress' },
  locked: { status: 423, title: 'Idempotency key locked' },
  'replay-unavailable': { status: 409, title: 'The original response cannot be replayed' },
  unavailable: { status: 503, title: 'Idempotency store unavailable' },
} as const);

/** One of {@link IDEMPOTENCY_PROBLEMS}. */
export type IdempotencyProblem = keyof typeof IDEMPOTENCY_PROBLEMS;

/** With `Retry-After`: the client may simply retry later. */
const RETRYABLE: ReadonlySet<IdempotencyProblem> = new Set(['request-in-progress', 'locked', 'unavailable']);

/**
 * An RFC 9457 `application/problem+json` response for an idempotency problem, as bytes both
 * drivers send identically. 409, 423 and 503 carry `Retry-After` (RFC 9110 §10.2.3).
 *
 * @example
 * ```ts
 * return exchange.respond(idempotencyProblem('key-reused', 'Idempotency-Key "k" was used with another request', 1));
 * ```
 */
export function idempotencyProblem(name: IdempotencyProblem, detail: string, retryAfterSeconds: number): CapturedResponse {
  const { status, title } = IDEMPOTENCY_PROBLEMS[name];
  const body = Buffer.from(JSON.stringify({ type: IDEMPOTENCY_PROBLEM_BASE + name, title, status, detail }));
  const headers: Record<string, string> = { 'content-type': 'application/problem+json; charset=utf-8' };
  if (RETRYABLE.has(name)) headers['retry-after'] = String(retryAfterSeconds);
  return { status, headers, body };
}
