import { InvalidOptionError } from '../errors';
import type { CapturedResponse } from '../http/CapturedResponse';
import type { KeyBitContext } from '../keys/KeyBit';
import { isThenable } from '../promises';

/** A `ttl` computed from the response: milliseconds it stays fresh (Spring's dynamic ttl). */
export type TtlFunction = (context: KeyBitContext, response: CapturedResponse) => number | Promise<number>;

/** `condition`: whether this request may use the cache at all (false: bypass, read nothing, store nothing). */
export type CacheCondition = (context: KeyBitContext) => boolean | Promise<boolean>;

/** `unless`: whether this response must not be stored (true: send it, keep nothing). */
export type CacheUnless = (context: KeyBitContext, response: CapturedResponse) => boolean | Promise<boolean>;

/** The rules of one route, as validated when the decorator was applied. @internal */
export interface CacheRules {
  readonly ttl?: TtlFunction;
  readonly condition?: CacheCondition;
  readonly unless?: CacheUnless;
}

/** Why a rule kept a request from the cache or a response from the store, for the events. @internal */
export interface RuleRefusal {
  readonly reason: 'condition' | 'unless' | 'ttl';
  /** What the rule answered, when that was not what it should answer. */
  readonly detail?: string;
  /** What the rule threw. */
  readonly error?: unknown;
}

/** What the rules decided about a captured response: its ttl, or why it is not stored. @internal */
export type StoreVerdict = { readonly ttl: number; readonly refusal?: undefined } | { readonly refusal: RuleRefusal };

/**
 * Checks `condition` and `unless` when the decorator is applied (a `ttl` function is checked with
 * the other forms of `ttl`). Throws `InvalidOptionError` naming `owner`.
 * @internal
 */
export function checkRuleFunctions(options: { condition?: unknown; unless?: unknown }, owner: string): void {
  if (options.condition !== undefined && typeof options.condition !== 'function') {
    throw new InvalidOptionError(owner, 'condition', 'a function (context) => boolean', options.condition);
  }
  if (options.unless !== undefined && typeof options.unless !== 'function') {
    throw new InvalidOptionError(owner, 'unless', 'a function (context, response) => boolean', options.unless);
  }
}

/**
 * Why `condition` keeps this request from the cache, or `undefined` when it may use it. A
 * condition that throws or answers anything but a boolean keeps it away too (the safe side: the
 * action runs, nothing is stored), and the refusal says why.
 * @internal
 */
export function conditionRefusal(
  condition: CacheCondition,
  context: KeyBitContext,
): RuleRefusal | undefined | Promise<RuleRefusal | undefined> {
  const judge = (answer: unknown): RuleRefusal | undefined =>
    answer === true
      ? undefined
      : answer === false
        ? { reason: 'condition' }
        : { reason: 'condition', detail: answered(answer, 'a boolean') };
  try {
    const answer = condition(context);
    return isThenable(answer)
      ? Promise.resolve(answer).then(judge, (error: unknown) => ({ reason: 'condition' as const, error }))
      : judge(answer);
  } catch (error) {
    return { reason: 'condition', error };
  }
}

/**
 * What the rules decide about a response the storage policy allows: `unless` first, then the
 * `ttl` function (or `defaultTtl`). Never throws: a rule that throws or answers out of range
 * refuses the store, and the refusal says why.
 * @internal
 */
export async function storeVerdict(
  rules: CacheRules,
  defaultTtl: number,
  context: KeyBitContext,
  response: CapturedResponse,
): Promise<StoreVerdict> {
  if (rules.unless) {
    try {
      const answer: unknown = await rules.unless(context, response);
      if (answer !== false)
        return { refusal: answer === true ? { reason: 'unless' } : { reason: 'unless', detail: answered(answer, 'a boolean') } };
    } catch (error) {
      return { refusal: { reason: 'unless', error } };
    }
  }
  if (!rules.ttl) return { ttl: defaultTtl };
  try {
    const ttl: unknown = await rules.ttl(context, response);
    if (typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0) return { ttl };
    return { refusal: { reason: 'ttl', detail: answered(ttl, 'a positive number of milliseconds') } };
  } catch (error) {
    return { refusal: { reason: 'ttl', error } };
  }
}

function answered(value: unknown, expected: string): string {
  let shown: string;
  try {
    shown =
      typeof value === 'string'
        ? JSON.stringify(value)
        : typeof value === 'object' && value !== null
          ? JSON.stringify(value)
          : String(value);
  } catch {
    shown = typeof value;
  }
  return `returned ${shown}, expected ${expected}`;
}
