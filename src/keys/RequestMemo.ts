import type { KeyBitContext } from './KeyBit';

interface MemoEntry {
  readonly controller: object;
  readonly methodName: string;
  readonly args: readonly unknown[];
  readonly key: Promise<string>;
}

/**
 * One key constructor's keys by request: a WeakMap on the request's `raw` object, so an entry
 * lives exactly as long as its request and nothing is written onto the request. An entry only
 * answers the same controller, method and arguments (compared by identity, never encoded, so
 * any argument works: drf-extensions JSON-encodes them and fails on UUID objects).
 *
 * @internal
 * @example
 * ```ts
 * const memo = new RequestMemo();
 * const key = memo.get(context) ?? memo.remember(context, compute(context));
 * ```
 */
export class RequestMemo {
  readonly #entries = new WeakMap<object, MemoEntry>();

  /** The key remembered for this invocation, if any. */
  get(context: KeyBitContext): Promise<string> | undefined {
    const entry = this.#entries.get(context.request.raw);
    return entry !== undefined && isSameInvocation(entry, context) ? entry.key : undefined;
  }

  /** Remembers a key for this invocation (replacing any other) and forgets it if it rejects. */
  remember(context: KeyBitContext, key: Promise<string>): Promise<string> {
    const raw = context.request.raw;
    const entry: MemoEntry = { controller: context.controller, methodName: context.methodName, args: context.args, key };
    this.#entries.set(raw, entry);
    key.catch(() => {
      if (this.#entries.get(raw) === entry) this.#entries.delete(raw);
    });
    return key;
  }
}

function isSameInvocation(entry: MemoEntry, context: KeyBitContext): boolean {
  if (entry.controller !== context.controller || entry.methodName !== context.methodName) return false;
  const { args } = context;
  if (entry.args === args) return true;
  if (entry.args.length !== args.length) return false;
  return entry.args.every((arg, index) => Object.is(arg, args[index]));
}
