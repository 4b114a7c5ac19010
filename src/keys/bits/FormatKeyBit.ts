import { InvalidOptionError } from '../../errors';
import { ListNegotiation, MEDIA_TYPES_BY_FORMAT, preferenceList } from '../../http/negotiate';
import { KeyBit, type KeyBitContext, type KeyBitDefaults } from '../KeyBit';

/** Params of `FormatKeyBit`. */
export interface FormatKeyBitOptions {
  /**
   * The formats the action serves, most preferred first: format names (`json`, `xml`, `html`,
   * `text`, `csv`, `yaml`, `binary`, `msgpack`) or media types (`application/vnd.api+json`).
   * The key holds the one `Accept` negotiates to, so clients asking differently for the same
   * representation share an entry.
   * @default settings.availableFormats (null: key on the client's normalised Accept list)
   */
  readonly available?: readonly string[];
}

const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/;
const ACCEPT: readonly string[] = Object.freeze(['accept']);
const negotiations = new WeakMap<readonly string[], ListNegotiation>();

/**
 * The requested response format, so an HTML and a JSON rendering of one URL never share a key
 * (drf-extensions' `FormatKeyBit`; its issue #76): `?format=` when given (lower-cased), else
 * what `Accept` negotiates to among the formats the action serves (through `negotiator`, as
 * Express's `req.accepts` and Koa's `ctx.accepts` negotiate; `null` when none is acceptable), or
 * without such a list the client's whole `Accept` list, normalised, so two clients whose lists
 * differ never share an entry. Declares `Accept` for `Vary`.
 *
 * @example
 * ```ts
 * class PageKeyConstructor extends KeyConstructor {
 *   format = new FormatKeyBit({ available: ['json', 'xml'] }); // 'xml' for `Accept: text/xml, *∕*;q=0.1`
 *   raw = new FormatKeyBit(); // ['text/xml', '*∕*;q=0.1'] (no list)
 * }
 * ```
 */
export class FormatKeyBit extends KeyBit<FormatKeyBitOptions | undefined> {
  /** @param options - the formats the action serves (default: settings `availableFormats`) */
  constructor(options?: FormatKeyBitOptions) {
    super(options);
  }

  getData({ request }: KeyBitContext, options: FormatKeyBitOptions | undefined, defaults: KeyBitDefaults = {}): unknown {
    const param = request.query.format;
    const format = (typeof param === 'string' ? param : param?.[0])?.trim().toLowerCase();
    if (format) return format;
    const available = options?.available ?? defaults.availableFormats ?? undefined;
    if (available === undefined) return preferenceList(request.headers.accept);
    return negotiationOf(available).negotiate(request.headers.accept);
  }

  override vary(): readonly string[] {
    return ACCEPT;
  }

  override validateParams(params: unknown): FormatKeyBitOptions | undefined {
    if (params === undefined || params === null) return undefined;
    if (typeof params !== 'object' || Array.isArray(params) || Object.keys(params).some((name) => name !== 'available')) {
      throw new InvalidOptionError(this.constructor.name, 'options', '{ available?: string[] }', params);
    }
    const { available } = params as FormatKeyBitOptions;
    if (available === undefined) return undefined;
    return Object.freeze({ available: validateFormats(available, this.constructor.name, 'available') });
  }
}

/**
 * Checks a list of formats (names of `MEDIA_TYPES_BY_FORMAT` or media types) and returns it
 * lower-cased and frozen; a bad one throws `InvalidOptionError` naming `owner` and `option`.
 * @internal
 */
export function validateFormats(value: unknown, owner: string, option: string): readonly string[] {
  const expected = `a non-empty array of format names (${Object.keys(MEDIA_TYPES_BY_FORMAT).join(', ')}) or media types`;
  if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError(owner, option, expected, value);
  const formats = value.map((format: unknown) => (typeof format === 'string' ? format.trim().toLowerCase() : format));
  for (const format of formats) {
    if (typeof format !== 'string' || !(Object.hasOwn(MEDIA_TYPES_BY_FORMAT, format) || MEDIA_TYPE.test(format))) {
      throw new InvalidOptionError(owner, option, expected, value);
    }
  }
  return Object.freeze(formats as string[]);
}

function negotiationOf(available: readonly string[]): ListNegotiation {
  let negotiation = negotiations.get(available);
  if (negotiation === undefined) {
    // Each format stands for its media types; negotiator picks a media type, reported as the format listed.
    const formatOf = new Map<string, string>();
    for (const format of available) {
      for (const type of MEDIA_TYPES_BY_FORMAT[format] ?? [format]) if (!formatOf.has(type)) formatOf.set(type, format);
    }
    negotiation = new ListNegotiation('accept', [...formatOf.keys()], (type) => formatOf.get(type.toLowerCase()) ?? type.toLowerCase());
    negotiations.set(available, negotiation);
  }
  return negotiation;
}
