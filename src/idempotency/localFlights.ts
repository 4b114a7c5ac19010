/** A claim this process is running: waiters in the same process wait on it instead of polling. */
export interface LocalFlight {
  /** Resolves once the claim's outcome is stored or released. */
  readonly done: Promise<void>;
  /** Set once the response has ended and the outcome is being written. */
  finishing: boolean;
  end(): void;
}

const flights = new WeakMap<object, Map<string, LocalFlight>>();

/**
 * The flight of `key` in the store `scope`, if this process runs it.
 * @internal
 */
export function localFlight(scope: object, key: string): LocalFlight | undefined {
  return flights.get(scope)?.get(key);
}

/**
 * Registers a flight this process just claimed; `end()` wakes its waiters and forgets it.
 * @internal
 */
export function startLocalFlight(scope: object, key: string): LocalFlight {
  let byKey = flights.get(scope);
  if (!byKey) flights.set(scope, (byKey = new Map()));
  let resolve!: () => void;
  const done = new Promise<void>((settle) => (resolve = settle));
  const map = byKey;
  const flight: LocalFlight = {
    done,
    finishing: false,
    end() {
      if (map.get(key) === flight) map.delete(key);
      resolve();
    },
  };
  map.set(key, flight);
  return flight;
}
