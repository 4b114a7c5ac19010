import { getExtensionsSettings, settingsVersion } from '../configure';
import { ExtensionsError } from '../errors';
import { publishCacheEvent } from '../events';
import type { ExtensionsSettings } from '../settings';
import { cachedEntry, readCachedEntry, roundTrips, type CachedEntry } from './CachedEntry';
import { cachedKeyOf, type CachedKeyOf } from './cachedKey';
import { resolveCachedOptions, type ResolvedCachedOptions, type ValidatedCachedOptions } from './CachedOptions';
import { SingleFlight } from './singleFlight';
import { readTagVersions, settleTagVersions, tagsUnchanged } from './tagVersions';

const ENTRY_KEY_PREFIX = 'rcx:cached:';

type Method = (this: object, ...args: unknown[]) => unknown;

/** What one lookup found. */
interface Lookup {
  readonly key: string;
  readonly tags: readonly string[];
  readonly versions: readonly (string | undefined)[];
  readonly found?: CachedEntry;
  /** The store failed: the call runs and nothing is stored. */
  readonly storeFailed?: boolean;
}

/**
 * One `@cached` method: looks results up by key, returns a fresh one without calling the method,
 * a stale one (within `staleWhileRevalidate`) at once while one background call refreshes it,
 * and on a miss calls the method once per key however many callers wait (single-flight), then
 * stores what it returned. A store that fails is bypassed: the method is called, never failed.
 * @internal
 */
export class CachedMethod {
  /** Calls that miss, by key: followers get the leader's result. */
  readonly #misses = new SingleFlight<unknown>();
  /** Background refreshes, by key: at most one at a time, and a miss may join one. */
  readonly #refreshes = new SingleFlight<unknown>();
  readonly #keyOf: CachedKeyOf;
  #bound: { readonly version: number; readonly resolved: ResolvedCachedOptions } | undefined;

  constructor(
    /** `@cached on Class.method`, as errors name it. */
    readonly owner: string,
    /** `Class.method` of the declaring class, as events name it. */
    readonly id: string,
    private readonly methodName: string,
    private readonly options: ValidatedCachedOptions,
    private readonly original: Method,
    /** Told when the method resolves its store for the first time (so settings changes re-check it). */
    private readonly onResolved: (method: CachedMethod) => void,
  ) {
    this.#keyOf = cachedKeyOf(options.key, owner);
  }

  /** The store and defaults in force: resolved on first call and after each settings change. */
  resolved(): ResolvedCachedOptions {
    const version = settingsVersion();
    if (this.#bound?.version === version) return this.#bound.resolved;
    const resolved = resolveCachedOptions(this.options, getExtensionsSettings(), this.owner);
    this.#bound = { version, resolved };
    this.onResolved(this);
    return resolved;
  }

  /** Checks settings about to take effect (throws `InvalidOptionError` to refuse them). */
  check(next: Readonly<ExtensionsSettings>): void {
    resolveCachedOptions(this.options, next, this.owner);
  }

  /** Forgets the resolution (after `resetExtensions()`): the next call resolves again. */
  forget(): void {
    this.#bound = undefined;
  }

  async call(instance: object, args: unknown[]): Promise<unknown> {
    const resolved = this.resolved();
    const key = await this.#keyOf(instance, this.methodName, args);
    const flying = this.#misses.join(key);
    if (flying) return this.follow(flying, key);
    const tags = await this.tagsOf(instance, args);
    let lookup: Lookup;
    try {
      lookup = await this.lookup(resolved, key, tags);
    } catch (error) {
      publishCacheEvent({ type: 'store-error', route: this.id, key, error });
      // Fail open, yet still one call per key: an outage must not also let a stampede through.
      lookup = { key, tags, versions: [], storeFailed: true };
    }
    const entry = lookup.found;
    if (entry) {
      const age = resolved.clock.now() - entry.storedAt;
      if (age < entry.ttl) {
        publishCacheEvent({ type: 'hit', route: this.id, key });
        return entry.value;
      }
      if (age < entry.ttl + entry.swr) {
        publishCacheEvent({ type: 'stale', route: this.id, key });
        this.refreshOnce(resolved, lookup, instance, args);
        return entry.value;
      }
    }
    const joined = this.#misses.join(key) ?? this.#refreshes.join(key);
    if (joined) return this.follow(joined, key);
    publishCacheEvent({ type: 'miss', route: this.id, key });
    return this.lead(this.#misses, resolved, lookup, instance, args);
  }

  private follow(flight: Promise<unknown>, key: string): Promise<unknown> {
    publishCacheEvent({ type: 'coalesced', route: this.id, key });
    return flight;
  }

  /** One background call per key at a time; its failure keeps the stale entry. */
  private refreshOnce(resolved: ResolvedCachedOptions, lookup: Lookup, instance: object, args: unknown[]): void {
    if (this.#refreshes.join(lookup.key) || this.#misses.join(lookup.key)) return;
    this.lead(this.#refreshes, resolved, lookup, instance, args).catch(() => undefined);
  }

  /**
   * Calls the method for a key nobody is computing and stores the result; the flight stays
   * joinable until the result is in the store too, so a call arriving in between is not a rerun.
   */
  private lead(
    flights: SingleFlight<unknown>,
    resolved: ResolvedCachedOptions,
    lookup: Lookup,
    instance: object,
    args: unknown[],
  ): Promise<unknown> {
    const swr = this.options.staleWhileRevalidate;
    const run = (async () => {
      // Versions are fixed before the call: an invalidation during it then bumps past them, and
      // the entry stored afterwards is already stale (never the reverse).
      const recorded = lookup.storeFailed
        ? undefined
        : await settleTagVersions(resolved.storage, lookup.tags, lookup.versions, resolved.ttl + swr).catch((error: unknown) => {
            publishCacheEvent({ type: 'store-error', route: this.id, key: lookup.key, error });
            return undefined;
          });
      return { value: await this.original.apply(instance, args), recorded };
    })();
    const outcome = run.then(({ value }) => value);
    const stored = run
      .then(({ value, recorded }) => (recorded ? this.store(resolved, lookup.key, value, recorded) : undefined))
      .catch(() => undefined);
    flights.lead(lookup.key, outcome, stored);
    return outcome;
  }

  private async store(resolved: ResolvedCachedOptions, key: string, value: unknown, tags: Record<string, string>): Promise<void> {
    if (!roundTrips(value)) return publishCacheEvent({ type: 'not-stored', route: this.id, key, reason: 'not-serializable' });
    const { ttl, storage, clock } = resolved;
    const swr = this.options.staleWhileRevalidate;
    try {
      await storage.set(ENTRY_KEY_PREFIX + key, cachedEntry(value, { storedAt: clock.now(), ttl, swr, tags }), ttl + swr);
      publishCacheEvent({ type: 'stored', route: this.id, key });
    } catch (error) {
      publishCacheEvent({ type: 'store-error', route: this.id, key, error });
    }
  }

  private async lookup(resolved: ResolvedCachedOptions, key: string, tags: readonly string[]): Promise<Lookup> {
    const { storage } = resolved;
    const [stored, versions] = await Promise.all([
      storage.get(ENTRY_KEY_PREFIX + key),
      tags.length === 0 ? NO_VERSIONS : readTagVersions(storage, tags),
    ]);
    const found = readCachedEntry(stored);
    return { key, tags, versions, found: found && tagsUnchanged(found.tags, tags, versions) ? found : undefined };
  }

  private async tagsOf(instance: object, args: unknown[]): Promise<readonly string[]> {
    const { tags } = this.options;
    if (tags === undefined) return [];
    const names: unknown = typeof tags === 'function' ? await tags.apply(instance, args) : tags;
    if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
      throw new ExtensionsError(`${this.owner}: option tags returned ${typeof names}, expected an array of strings`);
    }
    return names.map((name: string) => `tag:${name}`);
  }
}

const NO_VERSIONS: Promise<readonly (string | undefined)[]> = Promise.resolve([]);
