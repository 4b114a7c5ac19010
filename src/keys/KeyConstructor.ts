import { InvalidOptionError, KeyConstructionError } from '../errors';
import { isThenable } from '../promises';
import { CanonicalJsonError, cachedHashKey, canonicalJson, canonicalMember, hashKey } from './canonicalJson';

import { KeyBit, type EarlyConditions, type KeyBitContext, type KeyBitDefaults } from './KeyBit';
import { RequestMemo } from './RequestMemo';

/** Options of a `KeyConstructor`, validated when it is built. */
export interface KeyConstructorOptions {
  /**
   * Compute the key once per request (and per constructor instance), so `@etag` and
   * `@cacheResponse` sharing this instance pay once. When not given, decorators use the
   * `defaultKeyConstructorMemoizeForRequest` setting; a direct `getKey` call does not memoize.
   * @default the setting (in decorators), false (called directly)
   */
  memoizeForRequest?: boolean;
  /**
   * Params by bit name, replacing that bit's own params for this instance (drf-extensions'
   * "key constructor params"); `null` counts as a value. Checked against the bits at first use.
   * @default {}
   */
  params?: Readonly<Record<string, unknown>>;
}

/** Options of one `getKey` call. */
export interface GetKeyOptions {
  /**
   * Compute afresh even when memoized, and memoize the new key (an ETag rebuilt after an unsafe
   * action must not come from the memo).
   * @default false
   */
  refresh?: boolean;
  /**
   * Whether to memoize when the constructor's own `memoizeForRequest` option is not given
   * (decorators pass the `defaultKeyConstructorMemoizeForRequest` setting here).
   * @default false
   */
  memoizeByDefault?: boolean;
  /**
   * Settings-level defaults the bits fall back to (decorators pass the settings' lists of
   * available formats and languages here).
   * @default {}
   */
  bitDefaults?: KeyBitDefaults;
}

/** A bit as a key is built from it: in key order, with its params in force and its member prefix. */
interface PlannedBit {
  readonly name: string;
  /** `"name":`, the text before the bit's data in the canonical JSON. */
  readonly member: string;
  readonly bit: KeyBit<unknown>;
  readonly params: unknown;
}

const NO_DEFAULTS: KeyBitDefaults = Object.freeze({});

const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'bits',
  'getKey',
  'getData',
  'prepareKey',
  'validate',
  'varyHeaders',
  'identifiesUser',
  'bitUnavailableEarly',
]);

/**
 * Builds deterministic keys from a request, composed of `KeyBit` fields the way a form is
 * composed of fields (drf-extensions' `KeyConstructor`). The bits are the instance fields whose
 * values are `KeyBit`s, inherited through `extends`; the key is `{ bitName: data }` as canonical
 * JSON (keys sorted at every level, so declaration order never matters) hashed with SHA-256.
 *
 * Bits are collected on first use, since TypeScript sets a subclass's fields after `super()`
 * returns. Each instance has its own `bits` record to add, replace or delete bits in; in a
 * constructor, change it after `super()` in the class you instantiate.
 *
 * @example
 * ```ts
 * class CityKeyConstructor extends KeyConstructor {
 *   format = new FormatKeyBit();
 *   language = new LanguageKeyBit();
 *   user = new UserKeyBit();
 *   page = new QueryParamsKeyBit(['page', 'q']);
 * }
 * const cityKey = new CityKeyConstructor({ memoizeForRequest: true, params: { page: ['page'] } });
 * await cityKey.getKey(context); // '5d41402abc4b2a76b9719d911017c592…' (64 hex characters)
 * ```
 */
export class KeyConstructor {
  readonly #memoize: boolean | undefined;
  readonly #params: Readonly<Record<string, unknown>>;
  readonly #memo = new RequestMemo();
  #bits: Record<string, KeyBit<unknown>> | undefined;
  #bitsView: Record<string, KeyBit<unknown>> | undefined;
  #overrides: ReadonlyMap<string, unknown> | undefined;
  #plan: readonly PlannedBit[] | undefined;

  constructor(options: KeyConstructorOptions = {}) {
    const owner = new.target.name;
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError(owner, 'options', 'an object', options);
    const { memoizeForRequest, params = {} } = options;
    if (memoizeForRequest !== undefined && typeof memoizeForRequest !== 'boolean') {
      throw new InvalidOptionError(owner, 'memoizeForRequest', 'a boolean', memoizeForRequest);
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new InvalidOptionError(owner, 'params', 'a record of params by bit name', params);
    }
    this.#memoize = memoizeForRequest;
    this.#params = { ...params };
  }

  /**
   * This instance's bits by name: collected from its fields on first access, then mutable (a
   * change is seen by the next key).
   */
  get bits(): Record<string, KeyBit<unknown>> {
    return (this.#bitsView ??= this.#watch((this.#bits ??= this.#collectBits())));
  }

  set bits(bits: Record<string, KeyBit<unknown>>) {
    if (typeof bits !== 'object' || bits === null) throw new InvalidOptionError(this.constructor.name, 'bits', 'a record of KeyBits', bits);
    this.#bits = bits;
    this.#bitsView = undefined;
    this.#changed();
  }

  /**
   * Checks the `params` option against the bits (every name must be a bit, every value valid for
   * it) and returns `this`. Runs on first use; decorators call it so a mistake fails at startup.
   */
  validate(): this {
    this.#checkOverrides();
    return this;
  }

  /**
   * The key for one invocation: `prepareKey(await getData(context))`, memoized per request when
   * `memoizeForRequest` is on. A failing bit rejects with `KeyConstructionError` naming it.
   */
  getKey(context: KeyBitContext, options?: GetKeyOptions): Promise<string> {
    const defaults = options?.bitDefaults ?? NO_DEFAULTS;
    if (!(this.#memoize ?? options?.memoizeByDefault ?? false)) return this.#computeKey(context, defaults);
    return (
      (options?.refresh === true ? undefined : this.#memo.get(context)) ?? this.#memo.remember(context, this.#computeKey(context, defaults))
    );
  }

  /** The data of every bit for one invocation, `{ bitName: data }` (what `getKey` hashes). */
  getData(context: KeyBitContext, options?: Pick<GetKeyOptions, 'bitDefaults'>): Promise<Record<string, unknown>> {
    try {
      return Promise.resolve(this.#evaluate(context, options?.bitDefaults ?? NO_DEFAULTS));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The request headers the key depends on: the union of its bits' `vary` with the params in
   * force, lower-cased, in bit order (`['*']` when a bit reads every header). `@cacheResponse`
   * sends them as `Vary`, so a cache in front keeps apart what this key keeps apart.
   */
  varyHeaders(): readonly string[] {
    const overrides = this.#overrides ?? this.#checkOverrides();
    const names = new Set<string>();
    for (const [name, bit] of Object.entries(this.bits)) {
      for (const header of bit.vary(overrides.has(name) ? overrides.get(name) : bit.params)) names.add(header.toLowerCase());
    }
    return names.has('*') ? ['*'] : [...names];
  }

  /** Whether one of the bits identifies the user (a `UserKeyBit`, or a bit of yours that says so). */
  identifiesUser(): boolean {
    const overrides = this.#overrides ?? this.#checkOverrides();
    return Object.entries(this.bits).some(([name, bit]) => bit.identifiesUser(overrides.has(name) ? overrides.get(name) : bit.params));
  }

  /**
   * The first bit whose data is not known before the action's parameters are resolved (see
   * `KeyBit.availableEarly`), or `undefined` when the whole key is: then a route keyed by this
   * constructor may answer from its early path.
   */
  bitUnavailableEarly(conditions: EarlyConditions): string | undefined {
    const overrides = this.#overrides ?? this.#checkOverrides();
    return Object.entries(this.bits).find(
      ([name, bit]) => !bit.availableEarly(overrides.has(name) ? overrides.get(name) : bit.params, conditions),
    )?.[0];
  }

  /**
   * Turns the bits' data into the key. Override for readable or prefixed keys; the default is
   * SHA-256 hex of `canonicalJson(data)`.
   */
  prepareKey(data: Record<string, unknown>): string {
    return hashKey(canonicalJson(data));
  }

  #computeKey(context: KeyBitContext, defaults: KeyBitDefaults): Promise<string> {
    try {
      // With the default prepareKey the canonical text is written straight from the bits in key
      // order (no data record, no key sorting per call): the same text canonicalJson(data) gives.
      if (this.prepareKey === KeyConstructor.prototype.prepareKey) return this.#fastKey(context, defaults);
      const data = this.#evaluate(context, defaults);
      return data instanceof Promise ? data.then((ready) => this.#prepare(ready)) : Promise.resolve(this.#prepare(data));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #fastKey(context: KeyBitContext, defaults: KeyBitDefaults): Promise<string> {
    const plan = (this.#plan ??= this.#makePlan());
    const values: unknown[] = new Array(plan.length);
    let pending: Promise<void>[] | undefined;
    for (let index = 0; index < plan.length; index++) {
      const { name, bit, params } = plan[index];
      let value: unknown;
      try {
        value = bit.getData(context, params, defaults);
      } catch (error) {
        pending?.forEach((promise) => promise.catch(ignore));
        throw new KeyConstructionError(name, this.constructor.name, error);
      }
      if (isThenable(value)) {
        const settled = Promise.resolve(value).then(
          (ready) => void (values[index] = ready),
          (error: unknown) => Promise.reject(new KeyConstructionError(name, this.constructor.name, error)),
        );
        (pending ??= []).push(settled);
      } else {
        values[index] = value;
      }
    }
    if (pending === undefined) return Promise.resolve(this.#hashPlanned(plan, values));
    const ready = pending.length === 1 ? pending[0] : Promise.all(pending);
    return ready.then(() => this.#hashPlanned(plan, values));
  }

  #hashPlanned(plan: readonly PlannedBit[], values: readonly unknown[]): string {
    let text = '{';
    for (let index = 0; index < plan.length; index++) {
      const { name, member } = plan[index];
      let encoded: string | undefined;
      try {
        encoded = canonicalMember(values[index], name);
      } catch (error) {
        throw new KeyConstructionError(name, this.constructor.name, error);
      }
      if (encoded === undefined) continue;
      text += text.length > 1 ? `,${member}${encoded}` : `${member}${encoded}`;
    }
    return cachedHashKey(`${text}}`);
  }

  #makePlan(): readonly PlannedBit[] {
    const bits = this.bits;
    const overrides = this.#overrides ?? this.#checkOverrides();
    return Object.keys(bits)
      .sort()
      .map((name) => ({
        name,
        member: `${JSON.stringify(name)}:`,
        bit: bits[name],
        params: overrides.has(name) ? overrides.get(name) : bits[name].params,
      }));
  }

  // The plan and the checked overrides follow the bits: any change to the record drops them.
  #watch(bits: Record<string, KeyBit<unknown>>): Record<string, KeyBit<unknown>> {
    return new Proxy(bits, {
      set: (target, name, value) => {
        (target as Record<string | symbol, unknown>)[name] = value;
        this.#changed();
        return true;
      },
      deleteProperty: (target, name) => {
        delete (target as Record<string | symbol, unknown>)[name];
        this.#changed();
        return true;
      },
      defineProperty: (target, name, descriptor) => {
        Object.defineProperty(target, name, descriptor);
        this.#changed();
        return true;
      },
    });
  }

  #changed(): void {
    this.#overrides = undefined;
    this.#plan = undefined;
  }

  #prepare(data: Record<string, unknown>): string {
    try {
      return this.prepareKey(data);
    } catch (error) {
      const bitName = error instanceof CanonicalJsonError ? error.path[0] : undefined;
      throw typeof bitName === 'string' ? new KeyConstructionError(bitName, this.constructor.name, error) : error;
    }
  }

  // Synchronous bits never touch a promise; only the asynchronous ones are awaited together.
  #evaluate(context: KeyBitContext, defaults: KeyBitDefaults): Record<string, unknown> | Promise<Record<string, unknown>> {
    const bits = this.bits;
    const overrides = this.#overrides ?? this.#checkOverrides();
    const data: Record<string, unknown> = {};
    let pending: Promise<void>[] | undefined;
    for (const name of Object.keys(bits)) {
      const bit = bits[name];
      const params = overrides.size > 0 && overrides.has(name) ? overrides.get(name) : bit.params;
      let value: unknown;
      try {
        value = bit.getData(context, params, defaults);
      } catch (error) {
        pending?.forEach((promise) => promise.catch(ignore));
        throw new KeyConstructionError(name, this.constructor.name, error);
      }
      if (isThenable(value)) {
        const settled = Promise.resolve(value).then(
          (ready) => void (data[name] = ready),
          (error: unknown) => Promise.reject(new KeyConstructionError(name, this.constructor.name, error)),
        );
        (pending ??= []).push(settled);
      } else {
        data[name] = value;
      }
    }
    return pending === undefined ? data : Promise.all(pending).then(() => data);
  }

  #collectBits(): Record<string, KeyBit<unknown>> {
    const bits: Record<string, KeyBit<unknown>> = {};
    for (const name of Object.keys(this)) {
      const value: unknown = (this as Record<string, unknown>)[name];
      if (!(value instanceof KeyBit)) continue;
      if (RESERVED_NAMES.has(name)) {
        throw new InvalidOptionError(this.constructor.name, `bit ${name}`, 'named otherwise: KeyConstructor uses that name', value);
      }
      bits[name] = value;
    }
    return bits;
  }

  #checkOverrides(): ReadonlyMap<string, unknown> {
    const bits = this.bits;
    const overrides = new Map<string, unknown>();
    for (const [name, params] of Object.entries(this.#params)) {
      const bit = bits[name];
      if (!(bit instanceof KeyBit)) {
        const names = Object.keys(bits).join(', ') || 'none';
        throw new InvalidOptionError(this.constructor.name, `params.${name}`, `keyed by one of its bits (${names})`, params);
      }
      overrides.set(name, bit.validateParams(params));
    }
    return (this.#overrides = overrides);
  }
}

function ignore(): void {}
