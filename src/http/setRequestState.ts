import type { RequestView } from './RequestView';

/**
 * Hands an action a per-request value under `name`: the request property on Express
 * (`req[name]`), `ctx.state[name]` on Koa. The one place feature code writes to `req`/`ctx`.
 * @internal
 */
export function setRequestState(request: RequestView, name: string, value: unknown): void {
  const raw = request.raw as Record<string, unknown> & { state?: Record<string, unknown> };
  if (request.driver === 'koa') {
    raw.state ??= {};
    raw.state[name] = value;
  } else {
    raw[name] = value;
  }
}
