import type { KeyBitContext } from './KeyBit';

interface MemoEntry {
  readonly controller: object;
  readonly methodName: string;
  readonly args: readonly unknown[];
  readonly key: Promise<string>;
}

/** Memo tables of contexts that bring none (hand-built ones, e.g. in an app's unit tests). */
const fallbackTables = new WeakMap<object, Map<object, unknown>>();

/**
 * One key constructor's keys by request. The table lives on the context the library builds for
 * a request (`keyMemos`), so an entry lives exactly as long as its request and costs no WeakMap
 * entry per request (those make every garbage collection walk ephemerons, which measurably
 * slowed the hit path); a context without one gets a table kept per `request` object. An entry
 * only answers the same controller, method and arguments (compared by identity, never encoded,
 * so any argument works: drf-extensions JSON-encodes them and fails on UUID objects).
 *
 * @internal
 * @example
 * ```ts
 * const memo = new RequestMemo();
 * const key = memo.get(context) ?? memo.remember(context, compute(context));
 * ```
 */
export class RequestMemo {
  /** The key remembered for this invocation, if any. */
  get(context: KeyBitContext): Promise<string> | undefined {
    const entry = tableOf(context, false)?.get(this) as MemoEntry | undefined;
    return entry !== undefined && isSameInvocation(entry, context) ? entry.key : undefined;
  }

  /** Remembers a key for this invocation (replacing any other) and forgets it if it rejects. */
  remember(context: KeyBitContext, key: Promise<string>): Promise<string> {
    const table = tableOf(context, true)!;
    const entry: MemoEntry = { controller: context.controller, methodName: context.methodName, args: argsOf(context), key };
    table.set(this, entry);
    key.catch(() => {
      if (table.get(this) === entry) table.delete(this);
    });
    return key;
  }
}

function tableOf(context: KeyBitContext, create: boolean): Map<object, unknown> | undefined {
  if (context.keyMemos !== undefined) return context.keyMemos;
  const request = context.request as object;
  let table = fallbackTables.get(request);
  if (table === undefined && create) fallbackTables.set(request, (table = new Map()));
  return table;
}

function isSameInvocation(entry: MemoEntry, context: KeyBitContext): boolean {
  if (entry.controller !== context.controller || entry.methodName !== context.methodName) return false;
  const args = argsOf(context);
  if (entry.args === args) return true;
  if (entry.args.length !== args.length) return false;
  return entry.args.every((arg, index) => Object.is(arg, args[index]));
}

/**
 * The arguments an invocation is told apart by. On a route's early path there are none yet, and
 * reading `context.args` there throws: the library's context says what to compare instead.
 */
function argsOf(context: KeyBitContext): readonly unknown[] {
  return (context as { readonly invocationArgs?: readonly unknown[] }).invocationArgs ?? context.args;
}
