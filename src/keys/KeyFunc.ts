import { ExtensionsError, InvalidOptionError } from '../errors';
import type { ExtensionsSettings } from '../settings';
import type { EarlyConditions, KeyBitContext, KeyBitDefaults } from './KeyBit';
import { KeyConstructor, type GetKeyOptions } from './KeyConstructor';
import { controllerName } from './bits/UniqueControllerIdKeyBit';

/**
 * How a decorator builds a key or an ETag: a `KeyConstructor` instance, a function of the
 * context, or the name of a controller method with that signature (called on the controller).
 *
 * @example
 * ```ts
 * @cacheResponse({ keyFunc: new CityKeyConstructor() })
 * @cacheResponse({ keyFunc: ({ request }) => `city:${request.params.id}` })
 * @etag('cityVersion') // async cityVersion(context: KeyBitContext): Promise<string>
 * ```
 */
export type KeyFunc = KeyConstructor | ((context: KeyBitContext) => string | Promise<string>) | string;

/** A key function in callable form, as `resolveKeyFunc` returns it. */
export type ResolvedKeyFunc = (context: KeyBitContext, options?: GetKeyOptions) => Promise<string>;

const EXPECTED = 'a KeyConstructor, a function or a controller method name';

/** Settings a key function is resolved with when a route is bound. */
export interface KeyFuncDefaults {
  /** `memoizeForRequest` of a `KeyConstructor` that does not set it (the setting of that name). */
  readonly memoizeForRequest?: boolean;
  /** What a `KeyConstructor`'s bits fall back to (the settings `availableFormats`, `availableLanguages`). */
  readonly bits?: KeyBitDefaults;
}

/**
 * The defaults of `resolveKeyFunc` taken from the settings a route is bound to.
 *
 * @example
 * ```ts
 * const keyOf = resolveKeyFunc(options.keyFunc, owner, 'keyFunc', keyFuncDefaults(settings));
 * ```
 */
export function keyFuncDefaults(
  settings: Pick<ExtensionsSettings, 'defaultKeyConstructorMemoizeForRequest' | 'availableFormats' | 'availableLanguages'>,
): KeyFuncDefaults {
  return {
    memoizeForRequest: settings.defaultKeyConstructorMemoizeForRequest,
    bits: Object.freeze({ availableFormats: settings.availableFormats, availableLanguages: settings.availableLanguages }),
  };
}

/**
 * Checks a `KeyFunc` (a bad one throws `InvalidOptionError` naming the decorator and option),
 * e.g. when a decorator is applied, without resolving it yet.
 */
export function checkKeyFunc(keyFunc: unknown, owner: string, option: string): void {
  resolveKeyFunc(keyFunc, owner, option);
}

/**
 * Checks a `KeyFunc` when a decorator is applied (a bad one throws `InvalidOptionError` naming
 * the decorator and option) and returns one callable form, with the `defaults` of the settings. A `KeyConstructor`'s `params` option
 * is checked here too; a method name is looked up on `context.controller` at each call.
 * `options.refresh` bypasses a constructor's per-request memo; functions ignore it.
 *
 * @param owner - the decorator, e.g. `@cacheResponse`
 * @param option - the option name, e.g. `keyFunc`
 * @example
 * ```ts
 * const keyOf = resolveKeyFunc(options.keyFunc, '@cacheResponse', 'keyFunc');
 * const key = await keyOf(context);
 * ```
 */
export function resolveKeyFunc(keyFunc: unknown, owner: string, option: string, defaults: KeyFuncDefaults = {}): ResolvedKeyFunc {
  if (keyFunc instanceof KeyConstructor) {
    keyFunc.validate();
    const base: GetKeyOptions = Object.freeze({ memoizeByDefault: defaults.memoizeForRequest ?? false, bitDefaults: defaults.bits });
    return (context, options) => keyFunc.getKey(context, options === undefined ? base : { ...base, ...options });
  }
  if (typeof keyFunc === 'function') {
    if (isClass(keyFunc)) throw new InvalidOptionError(owner, option, `${EXPECTED} (an instance, not the class)`, keyFunc);
    const fn = keyFunc as (context: KeyBitContext) => unknown;
    return (context) => {
      try {
        return settle(fn(context), owner, option);
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  if (typeof keyFunc === 'string' && keyFunc !== '') {
    return (context) => {
      const method = (context.controller as Record<string, unknown>)[keyFunc];
      if (typeof method !== 'function') {
        const controller = controllerName(context.controller);
        return Promise.reject(
          new ExtensionsError(`${owner}: option ${option} names method "${keyFunc}", but ${controller} has no such method`),
        );
      }
      try {
        return settle(method.call(context.controller, context), owner, option);
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  throw new InvalidOptionError(owner, option, EXPECTED, keyFunc);
}

function settle(result: unknown, owner: string, option: string): Promise<string> {
  if (typeof result === 'string') return Promise.resolve(result);
  return Promise.resolve(result).then((value) => {
    if (typeof value === 'string') return value;
    throw new ExtensionsError(`${owner}: option ${option} returned ${describe(value)}, expected a string`);
  });
}

function isClass(fn: Function): boolean {
  return fn === KeyConstructor || fn.prototype instanceof KeyConstructor || /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function describe(value: unknown): string {
  return value === null
    ? 'null'
    : typeof value === 'object'
      ? 'an object'
      : typeof value === 'string'
        ? JSON.stringify(value)
        : String(value);
}

/**
 * Why a key function cannot be computed before routing-controllers resolves the action's
 * parameters (a route's early path), or `undefined` when it may: a `KeyConstructor` with a bit
 * that declares it needs them cannot. A function or method name may; if it reads the arguments
 * there, the read throws and the route answers from the action from then on.
 * @internal
 */
export function earlyKeyBlocker(keyFunc: unknown, option: string, conditions: EarlyConditions): string | undefined {
  if (!(keyFunc instanceof KeyConstructor)) return undefined;
  const bit = keyFunc.bitUnavailableEarly(conditions);
  return bit === undefined ? undefined : `bit "${bit}" of ${option} is only known once the action's parameters are resolved`;
}
