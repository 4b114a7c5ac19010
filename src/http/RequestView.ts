import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Action } from 'routing-controllers';
import { negotiateFormat, negotiateLanguage } from './negotiate';

/** Which routing-controllers driver served a request. */
export type DriverName = 'express' | 'koa';

/** What a request view needs to know about its route (read once per route from routing-controllers). @internal */
export interface RouteInfo {
  /** The matched route pattern including the controller prefix, e.g. `/books/:id`. */
  readonly route: string;
  /** The app's `currentUserChecker`, if any. */
  readonly currentUserChecker?: (action: Action) => unknown;
  /** Headers routing-controllers adds to the route's responses (`@Header`, `@ContentType`, `@Location`), lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
}

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
  /**
   * The host and port the framework resolved, lower-cased: `Host`, or the first
   * `X-Forwarded-Host` where it trusts the proxy (Express `trust proxy`, Koa `app.proxy`), as
   * Express's `req.hostname` and Koa's `ctx.host` read it; `''` when there is none.
   */
  readonly host: string;
  /**
   * The client's preferred response format (`json`, `xml`, `html`, `text`, …) from `?format=` or
   * `Accept` (negotiator's order). Keys use `FormatKeyBit`, which negotiates against what the
   * action serves.
   */
  readonly format: string;
  /** The client's preferred language from `Accept-Language` (lower-cased tag, highest q), or `undefined`. */
  readonly language: string | undefined;
  /**
   * The current user: the app's `currentUserChecker` when configured, else `req.user` (Express)
   * or `ctx.state.user` (Koa). Computed once per request.
   */
  currentUser(): Promise<unknown>;
  /** The underlying Express `req` or Koa `ctx`; one object per request (memo identity). */
  readonly raw: object;
}

/**
 * The lazily computed, per-request view both host adapters extend: each supplies the driver's
 * own facts (params, body, ip, protocol, host, raw, the user it stores).
 * @internal
 */
export abstract class LazyRequestView implements RequestView {
  abstract readonly driver: DriverName;
  readonly method: string;
  readonly path: string;
  readonly url: string;
  readonly route: string;
  #query?: Record<string, string | string[]>;
  #headers?: Record<string, string>;
  #format?: string;
  #language?: { value: string | undefined };
  #user?: Promise<unknown>;

  protected constructor(
    protected readonly message: IncomingMessage,
    url: string,
    private readonly action: Action,
    private readonly routeInfo: RouteInfo,
  ) {
    this.method = (message.method ?? 'GET').toUpperCase();
    this.url = url;
    const mark = url.indexOf('?');
    this.path = mark < 0 ? url : url.slice(0, mark);
    this.route = routeInfo.route;
  }

  abstract readonly params: Readonly<Record<string, string>>;
  abstract readonly body: unknown;
  abstract readonly ip: string;
  abstract readonly protocol: string;
  abstract readonly host: string;
  abstract readonly raw: object;
  protected abstract userFromRequest(): unknown;

  get query(): Readonly<Record<string, string | string[]>> {
    return (this.#query ??= parseQuery(this.url));
  }

  get headers(): Readonly<Record<string, string>> {
    return (this.#headers ??= combineHeaders(this.message.headers));
  }

  headerLines(name: string): readonly string[] {
    return this.message.headersDistinct[name.toLowerCase()] ?? [];
  }

  get format(): string {
    if (this.#format === undefined) {
      const param = this.query.format;
      this.#format = negotiateFormat(typeof param === 'string' ? param : param?.[0], this.headers.accept);
    }
    return this.#format;
  }

  get language(): string | undefined {
    return (this.#language ??= { value: negotiateLanguage(this.headers['accept-language']) }).value;
  }

  currentUser(): Promise<unknown> {
    const checker = this.routeInfo.currentUserChecker;
    return (this.#user ??= checker ? Promise.resolve().then(() => checker(this.action)) : Promise.resolve(this.userFromRequest()));
  }
}

/**
 * Parses the query string of a raw request URL: a single value is a string, a repeated name
 * gives an array in the order received. Both drivers get the same result this way (Express's
 * `qs` would build nested objects, Koa's `querystring` would not).
 */
function parseQuery(url: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  const mark = url.indexOf('?');
  if (mark < 0) return query;
  for (const [name, value] of new URLSearchParams(url.slice(mark + 1))) {
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (typeof existing === 'string') query[name] = [existing, value];
    else existing.push(value);
  }
  return query;
}

function combineHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  // Node joins repeated request lines itself except Set-Cookie, the one array-valued field.
  if (headers['set-cookie'] === undefined) return headers as Record<string, string>;
  const combined: Record<string, string> = Object.create(null);
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) combined[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return combined;
}
