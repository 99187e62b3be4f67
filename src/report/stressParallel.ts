/**
 * `mmrace stress` on several cores: random and PCT executions are independent, so `jobs` worker threads
 * each run the search with its own seed (seed, seed + 1, ...) for the whole time budget, or for their share
 * of an execution budget, and the report adds them up (stress.ts `stressReport`).
 */
import { runPool } from "../engine/pool.js";
import type { Scenario } from "../scenarios/types.js";
import {
  type StressOptions,
  type StressProgress,
  type StressSearch,
  stressBudget,
  stressReport,
  stressScenario,
} from "./stress.js";
import type { StressReport } from "./types.js";

/** One seed's search as a worker receives it: the scenario by name (or .json path) and plain options. */
export interface StressJob {
  readonly scenario: string;
  readonly options: Omit<StressOptions, "onProgress" | "onShrink">;
}

/** Splits an execution budget over `jobs` searches; a job with no share is not run. */
export function shareExecutions(total: number, jobs: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < jobs; k++) out.push(Math.floor(total / jobs) + (k < total % jobs ? 1 : 0));
  return out.filter((n) => n > 0);
}

/** `stressScenario` on up to `jobs` worker threads, one seed each; with one job, in this thread. */
export async function stressParallel(s: Scenario, jobs: number, o: StressOptions = {}): Promise<StressReport> {
  if (jobs <= 1) return stressScenario(s, o);
  const t0 = Date.now();
  // Functions stay in this thread (the shrink after the workers runs here): workers get plain data.
  const { onProgress, onShrink: _shrink, ...plain } = o;
  const seed = o.seed ?? 1;
  const budget = stressBudget(o);
  const shares =
    budget.maxExecutions === null
      ? Array.from({ length: jobs }, () => undefined)
      : shareExecutions(budget.maxExecutions, jobs);
  const inputs: StressJob[] = shares.map((maxExecutions, k) => ({
    scenario: s.path ?? s.name,
    options: { ...plain, seed: (seed + k) % 2 ** 32, maxExecutions },
  }));
  // The progress shown is the sum over the workers of what each reported last.
  const last: (StressProgress | undefined)[] = inputs.map(() => undefined);
  const searches = await runPool<StressJob, StressSearch, StressProgress>(
    new URL("./stressWorker.js", import.meta.url),
    inputs,
    inputs.length,
    {
      onProgress: (p, k) => {
        last[k] = p;
        if (onProgress === undefined) return;
        const seen = last.filter((x) => x !== undefined);
        const sum = (f: (x: StressProgress) => number): number => seen.reduce((n, x) => n + f(x), 0);
        onProgress({
          executions: sum((x) => x.executions),
          steps: sum((x) => x.steps),
          failures: Math.max(...seen.map((x) => x.failures)),
          failedExecutions: sum((x) => x.failedExecutions),
          elapsedMs: Date.now() - t0,
          detail: "",
        });
      },
    },
  );
  return stressReport(s, o, searches, t0);
}
