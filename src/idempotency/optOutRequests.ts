const marked = new WeakSet<object>();

/**
 * Marks a request (Express `req` or Koa `ctx`) as having passed `IdempotencyKeyMiddleware`, so
 * the opt-out protection applies only in apps that registered it.
 * @internal
 */
export function markOptOutRequest(raw: object): void {
  marked.add(raw);
}

/**
 * Whether a request passed `IdempotencyKeyMiddleware`.
 * @internal
 */
export function isOptOutRequest(raw: object): boolean {
  return marked.has(raw);
}
