import { InvalidOptionError } from '../../errors';
import { ListNegotiation, preferenceList } from '../../http/negotiate';
import { KeyBit, type KeyBitContext, type KeyBitDefaults } from '../KeyBit';

/** Params of `LanguageKeyBit`. */
export interface LanguageKeyBitOptions {
  /**
   * The languages the action serves, its default first (language tags: `en`, `fr`, `pt-BR`).
   * The key holds the one `Accept-Language` negotiates to, so `de, fr;q=0.5` and `fr` share the
   * French entry of an app without German.
   * @default settings.availableLanguages (null: key on the client's normalised Accept-Language list)
   */
  readonly available?: readonly string[];
}

const LANGUAGE_TAG = /^[a-z]{1,8}(-[a-z0-9]{1,8})*$/i;
const ACCEPT_LANGUAGE: readonly string[] = Object.freeze(['accept-language']);
const negotiations = new WeakMap<readonly string[], ListNegotiation>();

/**
 * The language of the response (drf-extensions' `LanguageKeyBit`): what `Accept-Language`
 * negotiates to among the languages the action serves (through `negotiator`, as Express's
 * `req.acceptsLanguages` and Koa's `ctx.acceptsLanguages` do: a missing header gets the first
 * one, `null` when none is acceptable), lower-cased; without such a list the client's whole
 * `Accept-Language` list, normalised (`null` when absent), so two clients whose lists differ
 * never share an entry. Declares `Accept-Language` for `Vary`.
 *
 * @example
 * ```ts
 * class PageKeyConstructor extends KeyConstructor {
 *   language = new LanguageKeyBit({ available: ['en', 'fr'] }); // 'fr' for `Accept-Language: de, fr;q=0.5`
 *   raw = new LanguageKeyBit(); // ['de', 'fr;q=0.5'] (no list)
 * }
 * ```
 */
export class LanguageKeyBit extends KeyBit<LanguageKeyBitOptions | undefined> {
  /** @param options - the languages the action serves (default: settings `availableLanguages`) */
  constructor(options?: LanguageKeyBitOptions) {
    super(options);
  }

  getData({ request }: KeyBitContext, options: LanguageKeyBitOptions | undefined, defaults: KeyBitDefaults = {}): unknown {
    const value = request.headers['accept-language'];
    const available = options?.available ?? defaults.availableLanguages ?? undefined;
    if (available === undefined) return preferenceList(value);
    return negotiationOf(available).negotiate(value);
  }

  override vary(): readonly string[] {
    return ACCEPT_LANGUAGE;
  }

  override validateParams(params: unknown): LanguageKeyBitOptions | undefined {
    if (params === undefined || params === null) return undefined;
    if (typeof params !== 'object' || Array.isArray(params) || Object.keys(params).some((name) => name !== 'available')) {
      throw new InvalidOptionError(this.constructor.name, 'options', '{ available?: string[] }', params);
    }
    const { available } = params as LanguageKeyBitOptions;
    if (available === undefined) return undefined;
    return Object.freeze({ available: validateLanguages(available, this.constructor.name, 'available') });
  }
}

/**
 * Checks a list of language tags and returns it lower-cased and frozen; a bad one throws
 * `InvalidOptionError` naming `owner` and `option`.
 * @internal
 */
export function validateLanguages(value: unknown, owner: string, option: string): readonly string[] {
  const expected = 'a non-empty array of language tags (en, fr, pt-BR, …)';
  if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError(owner, option, expected, value);
  for (const tag of value)
    if (typeof tag !== 'string' || !LANGUAGE_TAG.test(tag)) throw new InvalidOptionError(owner, option, expected, value);
  return Object.freeze(value.map((tag: string) => tag.toLowerCase()));
}

function negotiationOf(available: readonly string[]): ListNegotiation {
  let negotiation = negotiations.get(available);
  if (negotiation === undefined) {
    negotiation = new ListNegotiation('accept-language', available, (tag) => tag.toLowerCase());
    negotiations.set(available, negotiation);
  }
  return negotiation;
}
