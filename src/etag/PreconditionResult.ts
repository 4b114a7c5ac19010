/**
 * The outcome of `evaluatePreconditions` (RFC 9110 §13.2.2). Every non-`proceed` outcome names
 * the status to send instead of running the method; `header` names the field that decided.
 *
 * - `proceed`: perform the method. `ignoreRange` is true when `If-Range` failed, so a `Range`
 *   must be ignored and the full representation sent (§13.2.2 step 5).
 * - `not-modified` (304): GET/HEAD whose `If-None-Match` or `If-Modified-Since` is false.
 * - `precondition-failed` (412): `If-Match`, `If-Unmodified-Since`, or (other methods)
 *   `If-None-Match` is false; the method must not be performed.
 * - `precondition-required` (428, RFC 6585 §3): the route requires a conditional request.
 * - `header-too-large` (431, RFC 6585 §5): an entity-tag list passed a configured cap; RFC 9110
 *   §5.4 requires a 4xx rather than silently matching part of it.
 *
 * Results are shared frozen constants: compare `outcome`, never identity, and do not mutate.
 *
 * @example
 * ```ts
 * const result = evaluatePreconditions({ method: 'GET', headers, etag: '"v2"' });
 * if (result.outcome !== 'proceed') return sendEmpty(result.status);
 * ```
 */
export type PreconditionResult =
  | { readonly outcome: 'proceed'; readonly ignoreRange: boolean }
  | { readonly outcome: 'not-modified'; readonly status: 304; readonly header: 'if-none-match' | 'if-modified-since' }
  | {
      readonly outcome: 'precondition-failed';
      readonly status: 412;
      readonly header: 'if-match' | 'if-unmodified-since' | 'if-none-match';
    }
  | { readonly outcome: 'precondition-required'; readonly status: 428 }
  | { readonly outcome: 'header-too-large'; readonly status: 431; readonly header: 'if-match' | 'if-none-match' };

/** Every value `PreconditionResult['outcome']` can take. */
export const PRECONDITION_OUTCOMES = Object.freeze([
  'proceed',
  'not-modified',
  'precondition-failed',
  'precondition-required',
  'header-too-large',
] as const);

/** The shared result objects (one per distinct outcome, so evaluation allocates none). @internal */
export const RESULTS = Object.freeze({
  proceed: freeze({ outcome: 'proceed', ignoreRange: false }),
  proceedIgnoringRange: freeze({ outcome: 'proceed', ignoreRange: true }),
  notModifiedByIfNoneMatch: freeze({ outcome: 'not-modified', status: 304, header: 'if-none-match' }),
  notModifiedByIfModifiedSince: freeze({ outcome: 'not-modified', status: 304, header: 'if-modified-since' }),
  failedIfMatch: freeze({ outcome: 'precondition-failed', status: 412, header: 'if-match' }),
  failedIfUnmodifiedSince: freeze({ outcome: 'precondition-failed', status: 412, header: 'if-unmodified-since' }),
  failedIfNoneMatch: freeze({ outcome: 'precondition-failed', status: 412, header: 'if-none-match' }),
  required: freeze({ outcome: 'precondition-required', status: 428 }),
  tooLargeIfMatch: freeze({ outcome: 'header-too-large', status: 431, header: 'if-match' }),
  tooLargeIfNoneMatch: freeze({ outcome: 'header-too-large', status: 431, header: 'if-none-match' }),
});

function freeze<T extends PreconditionResult>(result: T): T {
  return Object.freeze(result);
}
