import type { KeyBitContext } from './KeyBit';

interface MemoEntry {
  readonly controller: object;
  readonly methodName: string;
  readonly args: readonly unknown[];
  readonly key: Promise<string>;
}

/** Per-request table of every memo's entry, kept on the request's `raw` object. */
const MEMOS = Symbol('routing-controllers-extensions:key-memos');

type WithMemos = { [MEMOS]?: Map<RequestMemo, MemoEntry> };

/**
 * One key constructor's keys by request, kept in a symbol-keyed table on the request's `raw`
 * object, so an entry lives exactly as long as its request. (Not a WeakMap keyed by requests:
 * one short-lived WeakMap entry per request makes every garbage collection walk ephemerons,
 * which measurably slowed the hit path.) An entry only
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
  /** The key remembered for this invocation, if any. */
  get(context: KeyBitContext): Promise<string> | undefined {
    const entry = (context.request.raw as WithMemos)[MEMOS]?.get(this);
    return entry !== undefined && isSameInvocation(entry, context) ? entry.key : undefined;
  }

  /** Remembers a key for this invocation (replacing any other) and forgets it if it rejects. */
  remember(context: KeyBitContext, key: Promise<string>): Promise<string> {
    const raw = context.request.raw as WithMemos;
    const entries = (raw[MEMOS] ??= new Map());
    const entry: MemoEntry = { controller: context.controller, methodName: context.methodName, args: context.args, key };
    entries.set(this, entry);
    key.catch(() => {
      if (entries.get(this) === entry) entries.delete(this);
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
