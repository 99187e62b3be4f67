/**
 * Shrinking: from a failing execution, find one that fails the same way (same verdict, same assertion
 * site) with the fewest preemptions, then the fewest steps.
 *
 * 1. Greedy passes over the schedule seen as runs of one thread (`a12b3a40`): drop a run, swap two
 *    neighbouring runs (which merges runs of the same thread and removes two switches), or cut a run
 *    shorter. Each candidate is replayed leniently (a choice that cannot run is replaced; past the end the
 *    run continues without preemption) and kept if it fails the same way and scores better.
 * 2. To reach the true minimum of preemptions, bounded DFS at bounds 0 .. p-1 looks for the same failure;
 *    the first one it finds has the fewest preemptions of any (iterative context bounding). It cuts
 *    branches after the running thread's local steps, which keeps a schedule with no more preemptions for
 *    every one it cuts, and from bound 3 on it ends executions at states its pass reached before with no
 *    more preemptions (strategy/dfs.ts). Greedy passes then shorten it.
 * Both stop at an execution budget; the result is always a failing, replayable execution.
 */
import { runExecution } from "./execution.js";
import type { Program } from "./program.js";
import type { ExecutionResult } from "./result.js";
import { failureKey } from "./runner.js";
import { DfsStrategy } from "./strategy/dfs.js";
import { ReplayStrategy } from "./strategy/replay.js";

/**
 * The proof's passes cache states from this bound on (strategy/dfs.ts): below it a fingerprint per new
 * point costs more than the replays it saves; from it on the passes grow ~3× a bound instead of ~10×
 * (bench/RESULTS.md §14).
 */
export const PROOF_CACHE_FROM = 3;

export interface ShrinkOptions {
  /** Executions the shrinker may spend. Default 20000. */
  readonly maxExecutions?: number;
  /**
   * The failure came from iterative preemption-bounded DFS, whose first failure has the fewest
   * preemptions of any (each pass raises the bound by one): skip re-proving that with DFS.
   */
  readonly provenMinimal?: boolean;
  /** Wall-time budget in milliseconds. Default unlimited. */
  readonly timeMs?: number;
  readonly maxSteps?: number;
  /** Called at the start and then every `progressEveryMs` (a shrink at HPAGE_PMD_NR=512 takes seconds). */
  readonly onProgress?: (p: ShrinkProgress) => void;
  /** Default 100. */
  readonly progressEveryMs?: number;
}

/** How far a shrink has got. */
export interface ShrinkProgress {
  readonly executions: number;
  readonly elapsedMs: number;
  /** The best failing execution so far: its preemptions and steps. */
  readonly preemptions: number;
  readonly steps: number;
  /** While bounded DFS looks for the same failure with fewer preemptions: the bound of its pass; else null. */
  readonly bound: number | null;
}

export interface ShrinkResult {
  readonly result: ExecutionResult;
  readonly executions: number;
  /** True when bounded DFS proved that no failure of this kind has fewer preemptions. */
  readonly minimalPreemptions: boolean;
}

export function shrink(program: Program, failing: ExecutionResult, opts: ShrinkOptions = {}): ShrinkResult {
  const maxExecutions = opts.maxExecutions ?? 20_000;
  const deadline = opts.timeMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeMs;
  /** Executions still allowed: 0 once either budget is spent. */
  let budget = maxExecutions;
  const overTime = (): boolean => {
    if (Date.now() < deadline) return false;
    budget = spent;
    return true;
  };
  const key = failureKey(failing);
  let spent = 0;
  let best = failing;
  const t0 = Date.now();
  let nextProgress = t0;
  /** The bound of the DFS pass in progress (for progress lines). */
  let proving: number | null = null;
  const progress = (): void => {
    const on = opts.onProgress;
    if (on === undefined) return;
    const now = Date.now();
    if (now < nextProgress) return;
    nextProgress = now + (opts.progressEveryMs ?? 100);
    on({ executions: spent, elapsedMs: now - t0, preemptions: best.preemptions, steps: best.steps, bound: proving });
  };

  const sameFailure = (r: ExecutionResult): boolean => r.verdict === failing.verdict && failureKey(r) === key;
  const better = (r: ExecutionResult): boolean =>
    r.preemptions < best.preemptions || (r.preemptions === best.preemptions && r.steps < best.steps);
  const attempt = (choices: readonly number[]): boolean => {
    if (spent >= budget || overTime()) return false;
    progress();
    spent++;
    const r = runExecution(program, new ReplayStrategy(choices, true), { maxSteps: opts.maxSteps });
    if (sameFailure(r) && better(r)) {
      best = r;
      return true;
    }
    return false;
  };

  progress();
  greedy();

  // Prove or improve the preemption count with bounded DFS.
  let minimal = best.preemptions === 0 || opts.provenMinimal === true;
  if (!minimal && spent < budget) {
    const dfs = new DfsStrategy(best.preemptions - 1, 0, { localSteps: true, cacheFromBound: PROOF_CACHE_FROM });
    let found: ExecutionResult | null = null;
    while (spent < budget && !overTime() && dfs.newExecution()) {
      proving = dfs.bound;
      progress();
      const r = runExecution(program, dfs, { maxSteps: opts.maxSteps });
      dfs.endExecution(r);
      spent++;
      if (sameFailure(r)) {
        found = r;
        break;
      }
    }
    proving = null;
    if (found !== null) {
      best = found;
      minimal = true;
      greedy();
    } else if (dfs.exhausted) {
      minimal = true;
    }
  }
  return { result: best, executions: spent, minimalPreemptions: minimal };

  function greedy(): void {
    let improved = true;
    while (improved && spent < budget) {
      improved = false;
      const runs = toRuns(best.choices);
      for (let i = runs.length - 1; i >= 0 && !improved; i--) {
        // Drop run i.
        if (attempt(fromRuns(runs.filter((_, j) => j !== i)))) improved = true;
      }
      for (let i = 1; i < runs.length && !improved; i++) {
        // Swap runs i-1 and i.
        const sw = runs.slice();
        sw[i - 1] = runs[i] as Run;
        sw[i] = runs[i - 1] as Run;
        if (attempt(fromRuns(sw))) improved = true;
      }
      for (let i = runs.length - 1; i >= 0 && !improved; i--) {
        const r = runs[i] as Run;
        for (const len of [r.len >> 1, r.len - 1]) {
          if (len < 1 || len >= r.len || improved) continue;
          const cut = runs.slice();
          cut[i] = { t: r.t, len };
          if (attempt(fromRuns(cut))) improved = true;
        }
      }
    }
  }
}

interface Run {
  readonly t: number;
  readonly len: number;
}

function toRuns(choices: readonly number[]): Run[] {
  const runs: Run[] = [];
  for (const t of choices) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.t === t) runs[runs.length - 1] = { t, len: last.len + 1 };
    else runs.push({ t, len: 1 });
  }
  return runs;
}

function fromRuns(runs: readonly Run[]): number[] {
  const out: number[] = [];
  for (const r of runs) for (let k = 0; k < r.len; k++) out.push(r.t);
  return out;
}
