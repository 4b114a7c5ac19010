import type { ServerResponse } from 'node:http';

/** Runs once, just before the response head is written; may still set or remove headers. */
export type BeforeHeadersHook = (status: number) => void;

const HOOKS = Symbol('routing-controllers-extensions:before-headers');

type WithHooks = ServerResponse & { [HOOKS]?: BeforeHeadersHook[] };

/**
 * Runs `hook` at the last moment headers can change: when the head is written, explicitly
 * (`res.writeHead`) or implicitly by the first `res.write` / `res.end` (Node's implicit header
 * calls `writeHead`). A hook that throws does not stop the response. Hooks run in the order
 * registered, once.
 * @internal
 */
export function beforeHeaders(res: ServerResponse, hook: BeforeHeadersHook): void {
  const target = res as WithHooks;
  let hooks = target[HOOKS];
  if (hooks === undefined) {
    hooks = target[HOOKS] = [];
    const pending = hooks;
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      const status = typeof args[0] === 'number' ? args[0] : this.statusCode;
      for (const run of pending.splice(0)) {
        try {
          if (!this.headersSent) run(status);
        } catch {
          // A failing hook must not stop the response.
        }
      }
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
  }
  hooks.push(hook);
}
