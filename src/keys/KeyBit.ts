import type { RequestView } from '../http/RequestView';

const NO_HEADERS: readonly string[] = Object.freeze([]);

/**
 * Everything a key bit may read about one action invocation (drf-extensions passes the same
 * facts as six keyword arguments; here they are one object).
 */
export interface KeyBitContext {
  /** The framework-neutral request view. */
  readonly request: RequestView;
  /** The controller instance the action runs on. */
  readonly controller: object;
  /** The action's method name on the controller. */
  readonly methodName: string;
  /** The action's resolved positional arguments. */
  readonly args: readonly unknown[];
  /**
   * Per-request memo of key constructors (`memoizeForRequest`), provided by the library's own
   * contexts; a hand-built context may leave it out (the memo is then kept per `request` object).
   */
  readonly keyMemos?: Map<object, unknown>;
}

/**
 * Settings-level defaults a bit may fall back to (from `configureExtensions`, handed over when a
 * decorator's route is bound): `FormatKeyBit` and `LanguageKeyBit` read the lists of formats and
 * languages the app serves here when built without their own. A direct `getKey` call passes
 * them in `GetKeyOptions.bitDefaults`, else a bit sees none.
 */
export interface KeyBitDefaults {
  /** The formats the app serves (settings `availableFormats`), or `null` for no list. */
  readonly availableFormats?: readonly string[] | null;
  /** The languages the app serves (settings `availableLanguages`), or `null` for no list. */
  readonly availableLanguages?: readonly string[] | null;
}

/**
 * One field of a `KeyConstructor`: it turns the request context into JSON-able data, which the
 * constructor hashes together with the other bits' data (drf-extensions' `KeyBitBase`).
 *
 * `params` comes from the constructor argument and may be overridden per constructor instance
 * (`new MyKeyConstructor({ params: { bitName: ... } })`); `getData` always receives the params in
 * force, so a bit reads them from its argument, never from `this.params`.
 *
 * @typeParam P - the shape of the bit's params
 * @example
 * ```ts
 * class UpdatedAtKeyBit extends KeyBit<string> {
 *   async getData(context: KeyBitContext, table: string) {
 *     return (await store.get(`updated-at:${table}`)) ?? 'never';
 *   }
 * }
 * // returns e.g. '2025-01-31T10:00:00.000Z'
 * ```
 */
/**
 * What is known about a request before routing-controllers resolves the action's parameters,
 * when a route answers from its early path (see the README's "Early path"): the action's
 * arguments are not, and the body only where the app parsed it already.
 */
export interface EarlyConditions {
  /** Whether `request.body` already holds what the action would see. */
  readonly bodyParsed: boolean;
}

export abstract class KeyBit<P = undefined> {
  /** The params this bit was built with (validated by `validateParams`). */
  readonly params: P;

  constructor(params?: P) {
    this.params = this.validateParams(params);
  }

  /**
   * Returns the bit's data for one invocation: anything `canonicalJson` can encode (strings,
   * numbers, booleans, null, arrays, plain records, Dates…), or a Promise of it. `defaults` are
   * the settings-level defaults in force (empty when called directly without them).
   */
  abstract getData(context: KeyBitContext, params: P, defaults: KeyBitDefaults): unknown;

  /**
   * The request headers this bit's data depends on (lower-case names), for the `Vary` response
   * header a cache sends (RFC 9110 §12.5.5): a shared cache in front must keep apart what this
   * key keeps apart. `'*'` means every header. Override it in a bit that reads headers; the
   * default is none.
   */
  vary(params: P): readonly string[] {
    void params;
    return NO_HEADERS;
  }

  /**
   * Whether this bit's data identifies the user (as `UserKeyBit` does): a cache keyed by it may
   * serve credentialed requests, and marks what it sends `Cache-Control: private`.
   */
  identifiesUser(params: P): boolean {
    void params;
    return false;
  }

  /**
   * Whether this bit's data is known before routing-controllers resolves the action's
   * parameters (a route's early path): false for a bit that reads the action's arguments (or a
   * body parsed only for the route), so such routes do not even try. The default is true: a bit
   * that reads `context.args` or the unparsed body there anyway makes that read throw, and the
   * route answers from the action instead (and stops trying early).
   */
  availableEarly(params: P, conditions: EarlyConditions): boolean {
    void params;
    void conditions;
    return true;
  }

  /**
   * Checks (and may normalise) params, both the constructor argument and a constructor-level
   * override. Throws `InvalidOptionError` for a bad value; the default accepts anything.
   * Runs inside the base constructor, so it must not read the subclass's own fields.
   */
  validateParams(params: unknown): P {
    return params as P;
  }
}
