/**
 * The part of a keyv 5 `Keyv` this library relies on. Declared here rather than naming keyv's
 * class because that class has private members: the `Keyv` of another copy of keyv (the app's
 * own version, or keyv's ESM build beside the CommonJS one this library loads) would not be
 * assignable to ours. Any keyv 5 `Keyv` fits.
 */
export interface KeyvLike {
  /** The store adapter (a `Map`, an `LruStore`, an `@keyv/redis` store, …). */
  readonly store: unknown;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
  delete(key: string): Promise<boolean>;
  clear(): Promise<void>;
  disconnect(): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}
