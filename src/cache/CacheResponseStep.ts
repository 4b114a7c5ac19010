import { createHash } from 'node:crypto';
import { StateKey, type ActionExchange } from '../http/ActionExchange';
import type { CaptureResult, CapturedResponse } from '../http/CapturedResponse';
import type { ActionStep } from '../http/steps';
import type { Lock, LockHandle } from '../locks/Lock';
import { publishCacheEvent } from '../events';
import { encodeEntry, readEntry, type DecodedEntry } from './CacheEntry';
import type { ResolvedCacheOptions, ValidatedCacheResponseOptions } from './CacheResponseOptions';
import { SingleFlight } from './singleFlight';
import { hitResponse } from './hitResponse';
import { mergeVary, requestBypassReason, responseNotStorableReason, storableHeaders } from './storagePolicy';
import { pathTag, readTagVersions, settleTagVersions, tagsUnchanged } from './tagVersions';

const OWNER = '@cacheResponse';
const ENTRY_KEY_PREFIX = 'rcx:response:';
/** Marks a response whose Cache-Control is the `cacheControl` option's, not the action's. */
const OWN_CACHE_CONTROL = new StateKey<boolean>('own-cache-control');
const LOCK_TTL_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

/** What a leader's miss produced, as its followers and the store step see it. */
type FlightResult = CaptureResult & { readonly ownCacheControl?: boolean };

/** What a lookup found. */
interface Lookup {
  readonly key: string;
  readonly tags: readonly string[];
  readonly versions: readonly (string | undefined)[];
  readonly found?: DecodedEntry;
  /** The store failed: the miss runs without the cross-process lock and stores nothing. */
  readonly storeFailed?: boolean;
}

/**
 * The `@cacheResponse` step: looks the response up, replays a hit without running the action,
 * and on a miss runs the action once per key (single-flight), captures what it wrote and
 * stores it when the storage policy allows. Store failures fail open: the action just runs.
 * @internal
 */
export class CacheResponseStep implements ActionStep {
  readonly stage = 'cache';
  readonly name = OWNER;
  readonly #flights = new SingleFlight<FlightResult | undefined>();
  readonly #refreshing = new Set<string>();

  constructor(
    private readonly options: ValidatedCacheResponseOptions,
    private readonly resolved: ResolvedCacheOptions,
  ) {}

  async run(exchange: ActionExchange, next: () => unknown): Promise<unknown> {
    const options = this.resolved;
    const request = exchange.request;
    const bypass = requestBypassReason(request, options.userScoped, options.credentialHeaders);
    if (bypass) {
      if (bypass !== 'method') publishCacheEvent({ type: 'bypass', route: request.route, reason: bypass });
      return next();
    }
    const key = await this.entryKey(exchange, options);
    // A flight in progress (or still storing) answers at once: no store round trip, and no
    // window where the store is written but a lookup that started earlier missed it.
    const flying = exchange.isBackgroundRefresh ? undefined : this.#flights.join(key);
    if (flying) return this.follow(exchange, flying, next, key);
    let lookup: Lookup;
    try {
      lookup = await this.lookup(exchange, options, key);
    } catch (error) {
      publishCacheEvent({ type: 'store-error', route: request.route, key, error });
      // Fail open, yet still one run per key in this process: an outage must not also let a stampede through.
      lookup = { key, tags: [], versions: [], storeFailed: true };
    }
    if (lookup.found && !exchange.isBackgroundRefresh) {
      const { entry, response } = lookup.found;
      const age = options.clock.now() - entry.storedAt;
      if (age < entry.ttl) {
        publishCacheEvent({ type: 'hit', route: request.route, key });
        return this.replay(exchange, key, response, age, `${options.cacheName}; hit; ttl=${Math.ceil((entry.ttl - age) / 1000)}`);
      }
      if (age < entry.ttl + entry.swr) {
        publishCacheEvent({ type: 'stale', route: request.route, key });
        this.refreshOnce(exchange, key);
        return this.replay(exchange, key, response, age, `${options.cacheName}; hit; fwd=stale`);
      }
    }
    const joined = this.#flights.join(key);
    if (joined && !exchange.isBackgroundRefresh) return this.follow(exchange, joined, next, key);
    // A HEAD response has no body to share or store: it never leads a flight for GETs to join.
    if (request.method === 'HEAD') return next();
    return this.lead(exchange, options, lookup, next);
  }

  /**
   * Sends a stored response, or a 304 when the request's If-None-Match / If-Modified-Since
   * match the stored validators (RFC 9111 §4.3.2): revalidation costs no action run.
   */
  private replay(exchange: ActionExchange, key: string, response: CapturedResponse, ageMs: number, cacheStatus: string): unknown {
    const hit = hitResponse(exchange.request, response, ageMs, cacheStatus);
    if (hit.status === 304) publishCacheEvent({ type: 'revalidated', route: exchange.request.route, key });
    return exchange.respond(hit);
  }

  /** One background refresh per key at a time in this process. */
  private refreshOnce(exchange: ActionExchange, key: string): void {
    if (this.#refreshing.has(key)) return;
    this.#refreshing.add(key);
    void exchange.refreshInBackground().finally(() => this.#refreshing.delete(key));
  }

  /** Leader of a miss: runs the action (under the cross-process lock if configured) and stores. */
  private async lead(exchange: ActionExchange, options: ResolvedCacheOptions, lookup: Lookup, next: () => unknown): Promise<unknown> {
    const { key } = lookup;
    let release: () => void = () => undefined;
    let landed: () => void = () => undefined;
    // Joinable until the response is in the store too: a request arriving after the leader
    // answered but before a remote store has the entry gets the leader's response, not a rerun.
    const stored = new Promise<void>((resolve) => (landed = resolve));
    this.#flights.lead(
      key,
      new Promise((resolve) => (release = () => resolve(undefined))).then(() => outcome),
      stored,
    );
    let outcome: FlightResult | undefined;
    let handle: LockHandle | undefined;
    try {
      if (options.lock && !lookup.storeFailed) {
        handle = await acquireQuietly(options.lock, key);
        if (handle) {
          const again = await this.lookup(exchange, options, key).catch(() => undefined);
          if (again?.found && options.clock.now() - again.found.entry.storedAt < again.found.entry.ttl) {
            await handle.release().catch(() => false);
            const { entry, response } = again.found;
            outcome = { complete: true, response };
            release();
            landed();
            publishCacheEvent({ type: 'coalesced', route: exchange.request.route, key });
            return this.replay(exchange, key, response, options.clock.now() - entry.storedAt, `${options.cacheName}; hit; collapsed`);
          }
        }
      }
      publishCacheEvent({ type: 'miss', route: exchange.request.route, key });
      // Versions are fixed before the action runs: an invalidation during the action then
      // bumps past them and the entry stored afterwards is already stale (never the reverse).
      const recorded = lookup.storeFailed
        ? undefined
        : await settleTagVersions(options.storage, lookup.tags, lookup.versions, options.ttl + this.options.staleWhileRevalidate).catch(
            () => undefined,
          );
      this.prepareMiss(exchange);
      const captured = exchange.captureResponse(this.options.maxBodyBytes);
      void captured.then(async (captureResult) => {
        const result: FlightResult = { ...captureResult, ownCacheControl: exchange.get(OWN_CACHE_CONTROL) === true };
        outcome = result;
        release();
        try {
          if (recorded) await this.store(exchange, options, lookup, result, recorded);
        } finally {
          landed();
          await handle?.release().catch(() => false);
        }
      });
      return next();
    } catch (error) {
      release();
      landed();
      await handle?.release().catch(() => false);
      throw error;
    }
  }

  /** A concurrent miss on a key being computed: waits for the leader and sends its response. */
  private async follow(
    exchange: ActionExchange,
    flight: Promise<FlightResult | undefined>,
    next: () => unknown,
    key: string,
  ): Promise<unknown> {
    publishCacheEvent({ type: 'coalesced', route: exchange.request.route, key });
    const result = await flight;
    // Only what could have been stored is shared: never a 304, an error, a Set-Cookie or a
    // private/no-store response (the waiter then runs the action itself).
    if (!result?.complete || responseNotStorableReason(result.response, this.resolved.statuses, result.ownCacheControl)) return next();
    const { status, headers, body } = result.response;
    // RFC 9211: answered by collapsing onto another request's forward, not from storage.
    const cacheStatus = `${this.resolved.cacheName}; fwd=uri-miss; collapsed`;
    return exchange.respond({ status, headers: { ...storableHeaders(headers), 'cache-status': cacheStatus }, body });
  }

  /** What a 304 answered before this step (by `@etag`) owes the client of this route: its `Vary`. */
  notModifiedHeaders(exchange: ActionExchange): Readonly<Record<string, string>> {
    const { vary } = this.options;
    return vary.length === 0 ? {} : { vary: mergeVary(exchange.getResponseHeader('vary'), vary) };
  }

  private prepareMiss(exchange: ActionExchange): void {
    const { cacheControl, vary } = this.options;
    exchange.setResponseHeader('cache-status', `${this.resolved.cacheName}; fwd=uri-miss`);
    if (vary.length > 0) exchange.setResponseHeader('vary', mergeVary(exchange.getResponseHeader('vary'), vary));
    if (cacheControl) {
      exchange.beforeResponseEnd((status) => {
        if (status < 400 && exchange.getResponseHeader('cache-control') === undefined) {
          exchange.setResponseHeader('cache-control', cacheControl);
          exchange.set(OWN_CACHE_CONTROL, true);
        }
      });
    }
  }

  private async store(
    exchange: ActionExchange,
    options: ResolvedCacheOptions,
    lookup: Lookup,
    result: FlightResult,
    tags: Record<string, string>,
  ): Promise<void> {
    const route = exchange.request.route;
    if (exchange.request.method === 'HEAD') return publishCacheEvent({ type: 'not-stored', route, key: lookup.key, reason: 'method' });
    if (!result.complete) return publishCacheEvent({ type: 'not-stored', route, key: lookup.key, reason: result.reason });
    const reason = responseNotStorableReason(result.response, options.statuses, result.ownCacheControl);
    if (reason) return publishCacheEvent({ type: 'not-stored', route, key: lookup.key, reason });
    try {
      const swr = this.options.staleWhileRevalidate;
      const entry = encodeEntry(result.response, storableHeaders(result.response.headers), {
        storedAt: options.clock.now(),
        ttl: options.ttl,
        swr,
        tags,
      });
      await options.storage.set(ENTRY_KEY_PREFIX + lookup.key, entry, options.ttl + swr);
      publishCacheEvent({ type: 'stored', route, key: lookup.key });
    } catch (error) {
      publishCacheEvent({ type: 'store-error', route, key: lookup.key, error });
    }
  }

  private async lookup(exchange: ActionExchange, options: ResolvedCacheOptions, key: string): Promise<Lookup> {
    const tags = await this.tagsOf(exchange);
    const [stored, versions] = await Promise.all([options.storage.get(ENTRY_KEY_PREFIX + key), readTagVersions(options.storage, tags)]);
    const found = readEntry(key, stored);
    return { key, tags, versions, found: found && tagsUnchanged(found.entry.tags, tags, versions) ? found : undefined };
  }

  private async tagsOf(exchange: ActionExchange): Promise<readonly string[]> {
    const own = pathTag(exchange.request.path);
    if (!this.options.tags) return [own];
    const extra = await this.options.tags(exchange);
    return [own, ...extra.map((tag) => `tag:${tag}`)];
  }

  private async entryKey(exchange: ActionExchange, options: ResolvedCacheOptions): Promise<string> {
    const base = await options.keyFunc(exchange);
    const { vary } = this.options;
    if (vary.length === 0) return base;
    const headers = exchange.request.headers;
    // Absent and empty are different variants (RFC 9111 §4.1): absent is encoded as null.
    const values = vary.map((name) => headers[name] ?? null);
    return `${base}:${createHash('sha256').update(JSON.stringify(values)).digest('hex')}`;
  }
}

async function acquireQuietly(lock: Lock, key: string): Promise<LockHandle | undefined> {
  try {
    return await lock.acquire(`rcx:fill:${key}`, { ttlMs: LOCK_TTL_MS, waitMs: LOCK_WAIT_MS });
  } catch {
    return undefined;
  }
}
