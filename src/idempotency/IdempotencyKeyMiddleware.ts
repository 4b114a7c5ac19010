import { getMetadataArgsStorage } from 'routing-controllers';
import { registerActionStep } from '../http/actionHook';
import { markOf } from './idempotencyMarks';
import { IdempotencyStep } from './IdempotencyStep';
import { markOptOutRequest } from './optOutRequests';
import { passOn, registerBeforeMiddleware } from './registerBeforeMiddleware';

const UNSAFE_ACTION_TYPES = new Set(['post', 'put', 'patch', 'delete']);
const attached = new WeakMap<object, Set<string>>();
const optOutStep = new IdempotencyStep({}, 'opt-out');

/**
 * Opt-out idempotency (django-idempotency-key's `IdempotencyKeyMiddleware`): every POST, PUT,
 * PATCH and DELETE action requires an idempotency key, with the `idempotency` settings of
 * `configureExtensions`, unless it is `@idempotencyKeyExempt()` (or has its own
 * `@idempotencyKey`/`@idempotencyKeyManual` options). Registered the routing-controllers way.
 *
 * routing-controllers builds 'before' middlewares before it reads controller metadata, so the
 * constructor can attach the idempotency step to every unsafe action in time; the step then
 * applies only to requests that passed this middleware, i.e. only in apps that register it.
 *
 * @example
 * ```ts
 * createExpressServer({ controllers: [OrderController], middlewares: [IdempotencyKeyMiddleware] });
 * ```
 */
export class IdempotencyKeyMiddleware {
  constructor() {
    for (const action of getMetadataArgsStorage().actions) {
      if (!UNSAFE_ACTION_TYPES.has(action.type)) continue;
      const prototype = action.target.prototype as object;
      const methodName = action.method;
      if (markOf(prototype, methodName) !== undefined || attached.get(prototype)?.has(methodName)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(prototype, methodName);
      // Inherited actions lose their param metadata in routing-controllers 0.11 anyway.
      if (descriptor === undefined || typeof descriptor.value !== 'function') continue;
      registerActionStep(prototype, methodName, descriptor, optOutStep);
      Object.defineProperty(prototype, methodName, descriptor);
      let methods = attached.get(prototype);
      if (!methods) attached.set(prototype, (methods = new Set()));
      methods.add(methodName);
    }
  }

  /** Marks the request (Express `req`, Koa `ctx`) as covered, then passes it on. */
  use(...args: unknown[]): unknown {
    markOptOutRequest(args[0] as object);
    return passOn(args);
  }
}

registerBeforeMiddleware(IdempotencyKeyMiddleware);
