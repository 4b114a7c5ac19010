import type { RequestHandler } from 'express';
import { Get, JsonController } from 'routing-controllers';

/** Path at which a bench server reports how often its measured action ran. */
export const ACTION_RUNS_PATH = '/bench-action-runs';

let runs = 0;

/**
 * Counts one run of the action behind a cache or replay. A hit row whose action ran more than
 * once (the preflight request that fills the store) measured misses, not hits.
 *
 * @example
 * ```ts
 * async cached() { countActionRun(); await sleep(20); return RESPONSE; }
 * ```
 */
export function countActionRun(): void {
  runs += 1;
}

/** Serves {@link ACTION_RUNS_PATH} on a routing-controllers app (add it to `controllers`). */
@JsonController()
export class ActionRunsController {
  @Get(ACTION_RUNS_PATH)
  runs() {
    return { runs };
  }
}

/** Serves {@link ACTION_RUNS_PATH} on a plain Express app. */
export const actionRunsHandler: RequestHandler = (_request, response) => {
  response.json({ runs });
};

/** Reads a server's action-run count over HTTP. */
export async function fetchActionRuns(baseUrl: string): Promise<number> {
  const response = await fetch(baseUrl + ACTION_RUNS_PATH);
  if (!response.ok) throw new Error(`${baseUrl}${ACTION_RUNS_PATH} answered ${response.status}`);
  return ((await response.json()) as { runs: number }).runs;
}
