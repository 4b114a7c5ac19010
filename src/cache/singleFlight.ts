/**
 * In-process single-flight: the first caller of a key becomes the leader, later callers of the
 * same key get the leader's promise until it settles. Per-key, no global lock.
 * @internal
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>();

  /** The promise of a flight in progress for `key`, if any. */
  join(key: string): Promise<T> | undefined {
    return this.#flights.get(key);
  }

  /**
   * Starts a flight for `key` whose followers get `outcome`; it stays joinable until `until`
   * settles (by default `outcome`), e.g. until the leader's result is also in the store.
   */
  lead(key: string, outcome: Promise<T>, until: Promise<unknown> = outcome): void {
    this.#flights.set(key, outcome);
    const done = () => {
      if (this.#flights.get(key) === outcome) this.#flights.delete(key);
    };
    until.then(done, done);
  }

  /** Flights in progress (for leak checks in tests). */
  get size(): number {
    return this.#flights.size;
  }
}
