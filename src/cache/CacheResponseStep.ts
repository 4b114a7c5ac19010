import { createHash } from 'node:crypto';
import { StateKey, type ActionExchange } from '../http/ActionExchange';
import type { CaptureResult, CapturedResponse, HeaderValue } from '../http/CapturedResponse';
import { representationFor } from '../http/contentCoding';
import type { ActionStep } from '../http/steps';
import type { EarlyConditions } from '../keys/KeyBit';
import { earlyKeyBlocker } from '../keys/KeyFunc';
import type { Lock, LockHandle } from '../locks/Lock';
import { publishCacheEvent } from '../events';
import { decorateResponse, decorationOf, notModifiedClientHeaders, type Decoration } from './clientHeaders';
import { encodeEntry } from './CacheEntry';
import type { ResolvedCacheOptions, ValidatedCacheResponseOptions } from './CacheResponseOptions';
import { conditionRefusal, storeVerdict, type RuleRefusal } from './cacheRules';
import { sendSurrogateKeys } from './cdn';
import { SingleFlight } from './singleFlight';
import { hitResponse } from './hitResponse';
import { runWithStaleFallback, servedStale, staleIfErrorApplies, type StaleFallback } from './staleIfError';
import {
  requestBypassReason,
  responseNotStorableReason,
  secondaryValues,
  secondaryVary,
  storableHeaders,
  type NotStoredReason,
} from './storagePolicy';
import { lookupEntry, storeEntry, type Lookup } from './responseEntries';
import { BUMPED_VERSION_TTL_MS, pathTag, settleTagVersions } from './tagVersions';

const OWNER = '@cacheResponse';
/** The lookup the early path made for this request (the action's run reuses it). */
const EARLY_LOOKUP = new StateKey<Lookup>('early-cache-lookup');
/** What `answerFound` returns when the entry is too old to answer with. */
const NOT_ANSWERED = Symbol('not-answered');
const LOCK_TTL_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

/** What a leader's miss produced, as its followers and the store step see it. */
type FlightResult = CaptureResult & {
  /** The leader's request headers: a follower shares a varying response only with equal values. */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** Whether the response is stored (and so shared with followers), for how long, or why not. */
  readonly decision: StoreDecision;
  /** The stale entry sent in place of the action's error (`staleIfError`): what followers get too. */
  readonly stale?: CapturedResponse;
};

/** What becomes of a leader's response: stored for `ttl` with its secondary key, or not, and why. */
type StoreDecision =
  | { readonly store: true; readonly ttl: number; readonly secondary: readonly string[] }
  | { readonly store: false; readonly reason: NotStoredReason; readonly detail?: string; readonly error?: unknown };

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
    let bypass = requestBypassReason(request, options.userScoped, options.credentialHeaders);
    if (bypass === undefined && !options.userScoped && exchange.route.currentUserChecker) bypass = await currentUserBypass(exchange);
    if (bypass) {
      if (bypass === 'method') return next();
      publishCacheEvent({ type: 'bypass', route: request.route, reason: bypass });
      // Someone's own response: no shared cache may keep it either.
      this.decorate(exchange, true, `${options.cacheName}; fwd=bypass`);
      return next();
    }
    const refusal = this.options.condition && (await conditionRefusal(this.options.condition, exchange));
    if (refusal) return this.bypassByCondition(exchange, refusal, next);
    const key = await this.entryKey(exchange, options);
    // A flight in progress (or still storing) answers at once: no store round trip, and no
    // window where the store is written but a lookup that started earlier missed it.
    const flying = exchange.isBackgroundRefresh ? undefined : this.#flights.join(key);
    if (flying) return this.follow(exchange, flying, next, key);
    const early = exchange.get(EARLY_LOOKUP);
    const lookup = early?.key === key ? early : await this.lookupOrFailOpen(exchange, options, key);
    let fallback: StaleFallback | undefined;
    if (lookup.found && !exchange.isBackgroundRefresh) {
      const answer = this.answerFound(exchange, options, lookup);
      if (answer !== NOT_ANSWERED) return answer;
      const { entry, response } = lookup.found;
      if (staleIfErrorApplies(entry, options.clock.now() - entry.storedAt, this.options.staleIfError)) fallback = { key, entry, response };
    }
    const joined = this.#flights.join(key);
    if (joined && !exchange.isBackgroundRefresh) return this.follow(exchange, joined, next, key);
    // A HEAD response has no body to share or store: it never leads a flight for GETs to join.
    if (request.method === 'HEAD') {
      this.decorate(exchange, options.keyIdentifiesUser, missStatus(options, lookup));
      this.sendSurrogateKeys(exchange, lookup.tags);
      return this.runAction(exchange, next, fallback);
    }
    return this.lead(exchange, options, lookup, next, fallback);
  }

  /** `condition` answered false (or failed): the request neither reads nor stores, and says so. */
  private async bypassByCondition(exchange: ActionExchange, refusal: RuleRefusal, next: () => unknown): Promise<unknown> {
    const options = this.resolved;
    publishCacheEvent({ type: 'bypass', route: exchange.request.route, ...refusal });
    this.decorate(exchange, options.keyIdentifiesUser, `${options.cacheName}; fwd=bypass`);
    // A CDN in front may still keep the response: it must carry its keys, so purges reach it.
    if (options.surrogateKeyHeader && !options.keyIdentifiesUser) this.sendSurrogateKeys(exchange, await this.tagsOf(exchange));
    return next();
  }

  /** Runs the action, with a stale entry standing in for its errors when there is one (`staleIfError`). */
  private runAction(exchange: ActionExchange, next: () => unknown, fallback: StaleFallback | undefined): unknown {
    if (!fallback) return next();
    const options = this.resolved;
    return runWithStaleFallback(exchange, next, fallback, options.cacheName, options.clock, this.options.maxBodyBytes);
  }

  /** Surrogate keys for a CDN (settings `cdn`), on shared responses only. */
  private sendSurrogateKeys(exchange: ActionExchange, tags: readonly string[]): void {
    const { surrogateKeyHeader, keyIdentifiesUser } = this.resolved;
    if (surrogateKeyHeader && !keyIdentifiesUser) sendSurrogateKeys(exchange, surrogateKeyHeader, tags);
  }

  /** A hit can be answered early when the key (and tags) are known before the parameters are resolved. */
  earlyBlocker(conditions: EarlyConditions): string | undefined {
    return earlyKeyBlocker(this.resolved.keySource, 'keyFunc', conditions);
  }

  /**
   * Answers a fresh hit (or a stale one within `staleWhileRevalidate`) on the early path. On a
   * miss the lookup is left for the action's run, which then needs no second store round trip.
   */
  async answerEarly(exchange: ActionExchange): Promise<boolean> {
    const options = this.resolved;
    const request = exchange.request;
    if (exchange.isBackgroundRefresh || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
    if (requestBypassReason(request, options.userScoped, options.credentialHeaders)) return false;
    if (!options.userScoped && exchange.route.currentUserChecker && (await currentUserBypass(exchange))) return false;
    // A request the condition keeps from the cache is the action's run's to answer (and report).
    // A condition that throws here (reading the arguments, say) takes the route off the early path.
    if (this.options.condition && (await this.options.condition(exchange)) !== true) return false;
    const key = await this.entryKey(exchange, options);
    if (this.#flights.join(key)) return false;
    const lookup = await this.lookupOrFailOpen(exchange, options, key);
    if (lookup.found && this.answerFound(exchange, options, lookup) !== NOT_ANSWERED) return true;
    exchange.set(EARLY_LOOKUP, lookup);
    return false;
  }

  /** The lookup of `key`; on a store failure an empty one that runs the action without storing (fail open). */
  private async lookupOrFailOpen(exchange: ActionExchange, options: ResolvedCacheOptions, key: string): Promise<Lookup> {
    try {
      return await this.lookup(exchange, options, key);
    } catch (error) {
      publishCacheEvent({ type: 'store-error', route: exchange.request.route, key, error });
      // Fail open, yet still one run per key in this process: an outage must not also let a stampede through.
      return { key, tags: [], versions: [], storeFailed: true };
    }
  }

  /** Replays a found entry while it is fresh, or stale within `staleWhileRevalidate` (refreshing it once). */
  private answerFound(exchange: ActionExchange, options: ResolvedCacheOptions, lookup: Lookup): unknown {
    const { entry, response } = lookup.found!;
    const { key } = lookup;
    const route = exchange.request.route;
    const age = options.clock.now() - entry.storedAt;
    if (age < entry.ttl) {
      publishCacheEvent({ type: 'hit', route, key });
      return this.replay(exchange, key, response, age, `${options.cacheName}; hit; ttl=${Math.ceil((entry.ttl - age) / 1000)}`);
    }
    if (age < entry.ttl + entry.swr) {
      publishCacheEvent({ type: 'stale', route, key });
      this.refreshOnce(exchange, key);
      return this.replay(exchange, key, response, age, `${options.cacheName}; hit; fwd=stale`);
    }
    return NOT_ANSWERED;
  }

  /**
   * Sends a stored response, or a 304 when the request's If-None-Match / If-Modified-Since
   * match the stored validators (RFC 9111 §4.3.2): revalidation costs no action run.
   */
  private replay(exchange: ActionExchange, key: string, response: CapturedResponse, ageMs: number, cacheStatus: string): unknown {
    const hit = hitResponse(exchange.request, response, ageMs, cacheStatus);
    if (hit.status === 304) publishCacheEvent({ type: 'revalidated', route: exchange.request.route, key });
    // A compression middleware below the route may still encode these bytes: then the tag must not stay strong.
    const etag = hit.headers.etag;
    if (typeof etag === 'string' && etag.startsWith('"') && hit.headers['content-encoding'] === undefined) exchange.weakenEtagWhenEncoded();
    return exchange.respond(hit);
  }

  /** One background refresh per key at a time in this process. */
  private refreshOnce(exchange: ActionExchange, key: string): void {
    if (this.#refreshing.has(key)) return;
    this.#refreshing.add(key);
    void exchange.refreshInBackground().finally(() => this.#refreshing.delete(key));
  }

  /** Leader of a miss: runs the action (under the cross-process lock if configured) and stores. */
  private async lead(
    exchange: ActionExchange,
    options: ResolvedCacheOptions,
    lookup: Lookup,
    next: () => unknown,
    fallback: StaleFallback | undefined,
  ): Promise<unknown> {
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
            const secondary = secondaryVary(response.headers.vary, options.keyVary);
            outcome = {
              complete: true,
              response,
              requestHeaders: exchange.request.headers,
              decision: secondary === '*' ? { store: false, reason: 'vary-star' } : { store: true, ttl: entry.ttl, secondary },
            };
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
        : await settleTagVersions(
            options.storage,
            lookup.tags,
            lookup.versions,
            this.keptFor(this.options.ttlFunction ? BUMPED_VERSION_TTL_MS : options.ttl),
          ).catch(() => undefined);
      this.decorate(exchange, options.keyIdentifiesUser, missStatus(options, lookup));
      this.sendSurrogateKeys(exchange, lookup.tags);
      const captured = exchange.captureResponse(this.options.maxBodyBytes);
      void captured.then(async (captureResult) => {
        const stale = servedStale(exchange);
        const decision = stale ? ({ store: false, reason: 'stale-if-error' } as const) : await this.decide(exchange, captureResult);
        const result: FlightResult = { ...captureResult, requestHeaders: exchange.request.headers, decision, stale };
        outcome = result;
        release();
        try {
          if (recorded) await this.store(exchange, options, lookup, result, recorded);
        } finally {
          landed();
          await handle?.release().catch(() => false);
        }
      });
      return this.runAction(exchange, next, fallback);
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
    // The leader's action failed and a stale entry stood in: this request gets the same.
    if (result?.stale) return exchange.respond(result.stale);
    // Only what could have been stored is shared: never a 304, an error, a Set-Cookie or a
    // private/no-store response, one a rule kept out, nor a variant for other header values or
    // a coding this client does not accept (the waiter then runs the action itself).
    if (!result?.complete || !result.decision.store) return next();
    const { secondary } = result.decision;
    const request = exchange.request;
    const mine = secondaryValues(request.headers, secondary);
    if (secondaryValues(result.requestHeaders, secondary).some((value, index) => value !== mine[index])) return next();
    const sendable = representationFor(result.response, request.headers['accept-encoding']);
    if (sendable === undefined) return next();
    const { status, headers, body } = sendable;
    // RFC 9211: answered by collapsing onto another request's forward, not from storage.
    const cacheStatus = `${this.resolved.cacheName}; fwd=uri-miss; collapsed`;
    return exchange.respond({ status, headers: { ...storableHeaders(headers), 'cache-status': cacheStatus }, body });
  }

  /** What a 304 answered before this step (by `@etag`) owes the client: the `Vary` and `Cache-Control` of its 200. */
  notModifiedHeaders(exchange: ActionExchange): Readonly<Record<string, HeaderValue>> {
    return notModifiedClientHeaders(exchange, this.resolved);
  }

  private decorate(exchange: ActionExchange, isPrivate: boolean, cacheStatus: string): void {
    decorateResponse(exchange, this.resolved, isPrivate, cacheStatus);
  }

  /**
   * Whether a leader's response is stored: the method, the capture, the storage policy (on the
   * Cache-Control the action set itself), then the rules (`unless`, a `ttl` function).
   */
  private async decide(exchange: ActionExchange, result: CaptureResult): Promise<StoreDecision> {
    const options = this.resolved;
    if (exchange.request.method === 'HEAD') return { store: false, reason: 'method' };
    if (!result.complete) return { store: false, reason: result.reason };
    const secondary = secondaryVary(result.response.headers.vary, options.keyVary);
    const reason = responseNotStorableReason(result.response, options.statuses, actionCacheControl(exchange, result.response), secondary);
    if (reason || secondary === '*') return { store: false, reason: reason ?? 'vary-star' };
    const { ttlFunction, unless } = this.options;
    if (!ttlFunction && !unless) return { store: true, ttl: options.ttl, secondary };
    const verdict = await storeVerdict({ ttl: ttlFunction, unless }, options.ttl, exchange, result.response);
    return verdict.refusal ? { store: false, ...verdict.refusal } : { store: true, ttl: verdict.ttl, secondary };
  }

  /** How long an entry fresh for `ttl` stays in the store: also servable stale past it for a while. */
  private keptFor(ttl: number): number {
    return ttl + this.options.staleWhileRevalidate + this.options.staleIfError;
  }

  private async store(
    exchange: ActionExchange,
    options: ResolvedCacheOptions,
    lookup: Lookup,
    result: FlightResult,
    tags: Record<string, string>,
  ): Promise<void> {
    const route = exchange.request.route;
    const { decision } = result;
    if (!decision.store) {
      const { reason, detail, error } = decision;
      return publishCacheEvent({
        type: 'not-stored',
        route,
        key: lookup.key,
        reason,
        ...(detail && { detail }),
        ...(error !== undefined && { error }),
      });
    }
    if (!result.complete) return;
    const { secondary } = decision;
    try {
      const swr = this.options.staleWhileRevalidate;
      const entry = encodeEntry(result.response, storableHeaders(result.response.headers), {
        storedAt: options.clock.now(),
        ttl: decision.ttl,
        swr,
        tags,
      });
      await storeEntry(options.storage, lookup.key, entry, this.keptFor(decision.ttl), secondary, result.requestHeaders);
      publishCacheEvent({ type: 'stored', route, key: lookup.key });
    } catch (error) {
      publishCacheEvent({ type: 'store-error', route, key: lookup.key, error });
    }
  }

  private async lookup(exchange: ActionExchange, options: ResolvedCacheOptions, key: string): Promise<Lookup> {
    const tags = this.options.tags ? await this.tagsOf(exchange) : [pathTag(exchange.request.path)];
    return lookupEntry(options.storage, key, tags, exchange.request.headers);
  }

  private async tagsOf(exchange: ActionExchange): Promise<readonly string[]> {
    const own = pathTag(exchange.request.path);
    if (!this.options.tags) return [own];
    const extra = await this.options.tags.expand(exchange);
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

/** The Cache-Control the action set itself: the one the storage policy reads. */
function actionCacheControl(exchange: ActionExchange, response: CapturedResponse): HeaderValue | undefined {
  const decoration: Decoration | undefined = decorationOf(exchange);
  return decoration?.done ? decoration.actionCacheControl : response.headers['cache-control'];
}

/** `Cache-Status` of a miss (RFC 9211): `vary-miss` when other variants of the key are stored. */
function missStatus(options: ResolvedCacheOptions, lookup: Lookup): string {
  return `${options.cacheName}; fwd=${lookup.varyMiss ? 'vary-miss' : 'uri-miss'}`;
}

/**
 * With the app's `currentUserChecker` and a key without the user, a request with a current user
 * is credentialed however it authenticates (X-Api-Key, a query token…). A checker that throws
 * counts as a user: never serve a shared entry on a doubt.
 */
async function currentUserBypass(exchange: ActionExchange): Promise<NotStoredReason | undefined> {
  try {
    const user = await exchange.request.currentUser();
    return user === undefined || user === null || user === false || user === '' ? undefined : 'credentialed-request';
  } catch {
    return 'credentialed-request';
  }
}
