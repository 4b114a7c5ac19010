import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Action } from 'routing-controllers';
import { IDEMPOTENCY_CHANNEL_NAME, type IdempotencyEvent } from '../../src/events';
import type { Storage } from '../../src/storage/Storage';

/** Execution counters by name, reset per test. */
export const runs: Record<string, number> = {};
export const count = (name: string): number => (runs[name] = (runs[name] ?? 0) + 1);
export const resetRuns = (): void => {
  for (const name of Object.keys(runs)) delete runs[name];
};

/** `Authorization: Bearer <user>-<token>` → the user (so a refreshed token keeps the principal). */
export function currentUserChecker(action: Action): string | undefined {
  const header: string | undefined = action.context ? action.context.get('authorization') : action.request.headers.authorization;
  return header?.replace(/^Bearer /, '').split('-')[0] || undefined;
}

/** Lets through requests with `x-allow: yes`. */
export function authorizationChecker(action: Action): boolean {
  const header: string | undefined = action.context ? action.context.get('x-allow') : action.request.headers['x-allow'];
  return header === 'yes';
}

/** Collects idempotency events while a test runs. */
export class EventLog {
  readonly events: IdempotencyEvent[] = [];
  private readonly listener = (message: unknown) => void this.events.push(message as IdempotencyEvent);

  start(): this {
    subscribe(IDEMPOTENCY_CHANNEL_NAME, this.listener);
    return this;
  }

  stop(): void {
    unsubscribe(IDEMPOTENCY_CHANNEL_NAME, this.listener);
  }

  count(type: IdempotencyEvent['type']): number {
    return this.events.filter((event) => event.type === type).length;
  }
}

/** Wraps a storage and keeps every value written, to inspect what a record holds. */
export function recordingStorage(inner: Storage, written: unknown[]): Storage {
  return {
    scope: inner.scope,
    get: (key, options) => inner.get(key, options),
    getMany: (keys, options) => inner.getMany(keys, options),
    set: (key, value, ttl, options) => {
      written.push(value);
      return inner.set(key, value, ttl, options);
    },
    delete: (key, options) => inner.delete(key, options),
  };
}
