/** Bounds of the randomised backoff between two attempts on a shared backend. */
export interface RetryBackoff {
  /** Smallest pause, in milliseconds. */
  minMs: number;
  /** Largest pause, in milliseconds. */
  maxMs: number;
}

/**
 * Calls `attempt` until it returns a value other than `undefined` or `deadline` (epoch ms) passes,
 * pausing between attempts with exponential backoff and full jitter (so contenders from several
 * processes do not poll in lockstep). Returns `undefined` when the deadline passed first.
 * Errors thrown by `attempt` propagate at once: a failing backend is not a busy lock.
 * @internal
 */
export async function retryUntil<T>(attempt: () => Promise<T | undefined>, deadline: number, backoff: RetryBackoff): Promise<T | undefined> {
  for (let round = 0; ; round += 1) {
    const result = await attempt();
    if (result !== undefined) return result;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return undefined;
    const ceiling = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(round, 16));
    const pause = Math.min(remaining, backoff.minMs + Math.random() * (ceiling - backoff.minMs));
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
