import { getMetadataArgsStorage } from 'routing-controllers';
import type { MiddlewareMetadataArgs } from 'routing-controllers/types/metadata/args/MiddlewareMetadataArgs';

const ours = new Map<Function, MiddlewareMetadataArgs>();
const patched = new WeakSet<object>();

/**
 * Makes a middleware class usable in `middlewares: [Class]` without putting it in
 * routing-controllers' global list. `@Middleware()` would put it there, and an app that passes
 * no `middlewares` option gets every class of that list: merely importing this library would
 * then switch opt-out idempotency on in every such app. So the metadata of our classes is
 * answered only when an app names them (`filterMiddlewareMetadatasForClasses`).
 * @internal
 */
export function registerBeforeMiddleware(target: Function): void {
  ours.set(target, { target, global: true, priority: 0, type: 'before' });
  const storage = getMetadataArgsStorage();
  if (patched.has(storage)) return;
  patched.add(storage);
  const original = storage.filterMiddlewareMetadatasForClasses;
  storage.filterMiddlewareMetadatasForClasses = function (classes: Function[]): MiddlewareMetadataArgs[] {
    const theirs = original.call(this, classes.filter((cls) => !ours.has(cls)));
    return classes
      .map((cls) => ours.get(cls) ?? theirs.find((args) => args.target === cls))
      .filter((args): args is MiddlewareMetadataArgs => args !== undefined);
  };
}

/**
 * Calls the driver's `next` from a middleware `use` written once for both drivers: Express
 * passes `(req, res, next)`, Koa `(ctx, next)` and expects its promise back.
 * @internal
 */
export function passOn(args: readonly unknown[]): unknown {
  const next = args[args.length - 1];
  return typeof next === 'function' ? (next as () => unknown)() : undefined;
}
