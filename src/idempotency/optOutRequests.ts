/** A symbol-keyed mark on the request (a WeakSet of requests would burden every GC with ephemerons). */
const OPT_OUT = Symbol('routing-controllers-extensions:opt-out');

/**
 * Marks a request (Express `req` or Koa `ctx`) as having passed `IdempotencyKeyMiddleware`, so
 * the opt-out protection applies only in apps that registered it.
 * @internal
 */
export function markOptOutRequest(raw: object): void {
  (raw as { [OPT_OUT]?: true })[OPT_OUT] = true;
}

/**
 * Whether a request passed `IdempotencyKeyMiddleware`.
 * @internal
 */
export function isOptOutRequest(raw: object): boolean {
  return (raw as { [OPT_OUT]?: true })[OPT_OUT] === true;
}
