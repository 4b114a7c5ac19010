/** Which routing-controllers driver served a request. */
export type DriverName = 'express' | 'koa';

/**
 * A framework-neutral, read-only view of one HTTP request, built once per request from an
 * Express `req` or a Koa `ctx`. Feature code (keys, cache, etag, idempotency) sees only this.
 *
 * @example
 * ```ts
 * const bit: KeyBit = { getData: ({ request }) => request.params.id };
 * ```
 */
export interface RequestView {
  /** The driver that produced the view. */
  readonly driver: DriverName;
  /** Upper-case request method, e.g. `GET`. */
  readonly method: string;
  /** Request path without the query string, as received (not decoded), e.g. `/books/1`. */
  readonly path: string;
  /** Path and query string as received, e.g. `/books?page=2`. */
  readonly url: string;
  /** The matched route pattern including the controller prefix, e.g. `/books/:id`. */
  readonly route: string;
  /** Route parameters by name, e.g. `{ id: '1' }`. */
  readonly params: Readonly<Record<string, string>>;
  /**
   * Query parameters parsed from the raw URL (the same on both drivers): a single value is a
   * string, a repeated one an array in the order received.
   */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** Headers by lower-cased name; repeated field lines are combined with `, ` (RFC 9110 §5.3). */
  readonly headers: Readonly<Record<string, string>>;
  /** Every field line of one header, separately and in order (name case-insensitive). */
  headerLines(name: string): readonly string[];
  /** The parsed request body (`undefined` when none was parsed). */
  readonly body: unknown;
  /** Client address as the framework reports it (honours its trust-proxy setting). */
  readonly ip: string;
  /** `http` or `https`. */
  readonly protocol: string;
  /** Host header value (without the port when the framework strips it). */
  readonly host: string;
  /** Negotiated response format (`json`, `xml`, `html`, `text`, …) from `?format=` or `Accept`. */
  readonly format: string;
  /** Preferred language from `Accept-Language` (lower-cased tag, highest q), or `undefined`. */
  readonly language: string | undefined;
  /**
   * The current user: the app's `currentUserChecker` when configured, else `req.user` (Express)
   * or `ctx.state.user` (Koa). Computed once per request.
   */
  currentUser(): Promise<unknown>;
  /** The underlying Express `req` or Koa `ctx`; one object per request (memo identity). */
  readonly raw: object;
}
