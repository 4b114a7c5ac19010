import Negotiator from 'negotiator';

/**
 * Content negotiation for the request view and the key bits (RFC 9110 §12), through
 * `negotiator`, the parser Express (`req.accepts`) and Koa (`ctx.accepts`) use, so a key agrees
 * with what the app itself negotiates.
 * @internal
 */

/** Media types of the format names a `FormatKeyBit` list may use (a list may also name media types). */
export const MEDIA_TYPES_BY_FORMAT: Readonly<Record<string, readonly string[]>> = Object.freeze({
  json: ['application/json', 'text/json', 'application/problem+json'],
  xml: ['application/xml', 'text/xml'],
  html: ['text/html', 'application/xhtml+xml'],
  text: ['text/plain'],
  csv: ['text/csv'],
  yaml: ['application/yaml', 'text/yaml', 'application/x-yaml'],
  binary: ['application/octet-stream'],
  msgpack: ['application/msgpack'],
});

const FORMAT_BY_MEDIA_TYPE: ReadonlyMap<string, string> = new Map(
  Object.entries(MEDIA_TYPES_BY_FORMAT).flatMap(([format, types]) => types.map((type) => [type, format] as const)),
);

/** Format when nothing is asked for (`*&#47;*` or no Accept): JSON, as routing-controllers answers. */
export const DEFAULT_FORMAT = 'json';

/** Header values whose negotiation outcome is remembered, per list (oldest forgotten first). */
const MEMO_MAX_ENTRIES = 256;

/**
 * Negotiates one header against one fixed list of available values, remembering the outcome
 * per header value: clients send few distinct values, and the hit path then costs one map read.
 */
export class ListNegotiation {
  readonly #memo = new Map<string | undefined, string | null>();

  /**
   * @param header - the request header negotiated (`accept`, `accept-language`)
   * @param candidates - what negotiator picks from (media types or language tags)
   * @param resultOf - maps the picked candidate to the value reported (e.g. a media type to its format)
   */
  constructor(
    private readonly header: 'accept' | 'accept-language',
    private readonly candidates: readonly string[],
    private readonly resultOf: (candidate: string) => string = (candidate) => candidate,
  ) {}

  /** The best available value for this header value, or `null` when none is acceptable. */
  negotiate(value: string | undefined): string | null {
    const known = this.#memo.get(value);
    if (known !== undefined) return known;
    const negotiator = new Negotiator({ headers: { [this.header]: value } });
    const best = this.header === 'accept' ? negotiator.mediaType([...this.candidates]) : negotiator.language([...this.candidates]);
    const result = best === undefined ? null : this.resultOf(best);
    if (this.#memo.size >= MEMO_MAX_ENTRIES) this.#memo.delete(this.#memo.keys().next().value);
    this.#memo.set(value, result);
    return result;
  }
}

/**
 * A list header as a key sees it without a list of available values: its members in order,
 * lower-cased, without whitespace (RFC 9110 §5.6.1 list syntax; these fields are
 * case-insensitive), `null` when the header is absent. Any difference that could change a
 * negotiation (order, weights, parameters) gives a different list.
 *
 * @example
 * ```ts
 * preferenceList('de-DE, fr;q=0.5 '); // ['de-de', 'fr;q=0.5']
 * ```
 */
export function preferenceList(value: string | undefined): readonly string[] | null {
  if (value === undefined) return null;
  const members: string[] = [];
  for (const member of value.split(',')) {
    const normalised = member.replace(/\s+/g, '').toLowerCase();
    if (normalised !== '') members.push(normalised);
  }
  return members;
}

/**
 * The negotiated format of the request view: `?format=` wins (lower-cased), else the format of
 * the client's most preferred known media type, else the subtype of its most preferred concrete
 * one, else {@link DEFAULT_FORMAT}.
 */
export function negotiateFormat(formatParam: string | undefined, accept: string | undefined): string {
  if (formatParam) return formatParam.trim().toLowerCase();
  if (!accept) return DEFAULT_FORMAT;
  for (const type of new Negotiator({ headers: { accept } }).mediaTypes()) {
    const lower = type.toLowerCase();
    const known = FORMAT_BY_MEDIA_TYPE.get(lower);
    if (known) return known;
    if (lower.endsWith('/*')) continue;
    const subtype = lower.slice(lower.indexOf('/') + 1);
    const suffix = subtype.lastIndexOf('+');
    return suffix >= 0 ? subtype.slice(suffix + 1) : subtype;
  }
  return DEFAULT_FORMAT;
}

/** The client's most preferred language of `Accept-Language`, lower-cased; `undefined` for none or `*`. */
export function negotiateLanguage(acceptLanguage: string | undefined): string | undefined {
  if (!acceptLanguage) return undefined;
  const best = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).languages().find((tag) => tag !== '*');
  return best?.toLowerCase();
}

/** The format name a media type of a `FormatKeyBit` list stands for (the media type itself when unnamed). */
export function formatOfMediaType(type: string): string {
  return FORMAT_BY_MEDIA_TYPE.get(type.toLowerCase()) ?? type.toLowerCase();
}
