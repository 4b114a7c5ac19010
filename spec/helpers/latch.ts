/** A promise that a test opens by hand: actions await it so concurrent requests pile up deterministically. */
export class Latch {
  readonly promise: Promise<void>;
  open!: () => void;

  constructor() {
    this.promise = new Promise((resolve) => (this.open = resolve));
  }
}

/**
 * Resolves once `predicate()` holds, checking on every macrotask turn (no fixed sleeps); gives up
 * with an error naming `what` after `giveUpMs` so a broken test fails instead of hanging.
 */
export async function until(predicate: () => boolean, what: string, giveUpMs = 10_000): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
