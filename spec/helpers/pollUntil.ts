/**
 * Resolves once the asynchronous `check` answers `true`, asking again `intervalMs` after each
 * answer; any other answer (a string saying what is still missing) or a rejection means "not yet".
 * Gives up after `giveUpMs` with an error naming `what` and the last answer, so a broken test
 * fails with a reason instead of hanging. The async sibling of `until` in `latch.ts`, for
 * conditions only a network round trip can see (a server's state).
 */
export async function pollUntil(check: () => Promise<true | string>, what: string, giveUpMs: number, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  let last: string;
  for (;;) {
    try {
      const answer = await check();
      if (answer === true) return;
      last = answer;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`gave up after ${giveUpMs} ms waiting until ${what} (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
