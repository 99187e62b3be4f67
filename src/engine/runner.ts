/**
 * Runs executions of a Program under a Strategy until the strategy is exhausted, a failure is found (by
 * default), or a budget (executions, time) runs out, and aggregates what it saw.
 */
import { type ExecutionOptions, runExecution } from "./execution.js";
import type { Program } from "./program.js";
import type { ExecutionResult, Verdict } from "./result.js";
import { type CheckpointOptions, checkpointNote, newTotals, resume, saveRun, type Totals } from "./resume.js";
import type { Strategy } from "./strategy/strategy.js";

export type { CheckpointOptions } from "./resume.js";

export interface RunOptions extends ExecutionOptions {
  /** Stop at the first execution that does not complete cleanly. Default true. */
  readonly stopOnFailure?: boolean;
  /** Budget in executions. Default unlimited. */
  readonly maxExecutions?: number;
  /** Budget in milliseconds of wall time. Default unlimited. */
  readonly timeMs?: number;
  /** Called about every 100 ms with running totals. */
  readonly onProgress?: (p: RunProgress) => void;
  /** Resume from this checkpoint file if it exists, and save to it as the run goes and when it stops. */
  readonly checkpoint?: CheckpointOptions;
  /**
   * Which failures count as the run's `first` (and, with stopOnFailure, stop it): by default every one.
   * The others are still counted in `failureSites`. A model error always counts.
   */
  readonly wanted?: (r: ExecutionResult) => boolean;
  /**
   * Called between two executions with the run's totals so far (a worker of a shared search waits there
   * while its table is saved).
   */
  readonly between?: (t: Readonly<Totals>) => void;
}

export interface RunProgress {
  readonly executions: number;
  readonly steps: number;
  readonly failures: number;
  readonly elapsedMs: number;
  /** The strategy's own account so far (the stateful search: states, depth, pending branches), or "". */
  readonly detail: string;
}

/** How a run ended: a failure found, nothing found, or stopped by a budget before the strategy was done. */
export type Outcome = "bug" | "ok" | "incomplete" | "model-error";

export interface RunResult {
  readonly outcome: Outcome;
  /** The first execution that failed (bug, deadlock, step-limit or model error), if any. */
  readonly first: ExecutionResult | null;
  readonly executions: number;
  readonly steps: number;
  /** True when the strategy covered everything within its bounds. */
  readonly exhaustive: boolean;
  /** Distinct final shared states of completed executions. */
  readonly terminalStates: ReadonlySet<string>;
  /** Failures by site (`file:line` or verdict name) with counts. */
  readonly failureSites: ReadonlyMap<string, number>;
  readonly verdicts: Readonly<Record<Verdict, number>>;
  readonly elapsedMs: number;
  /** The strategy's own account of what it covered. */
  readonly coverage: string;
}

/** Where a failing execution failed, as one key: the assertion's `file:line`, or the verdict. */
export function failureKey(r: ExecutionResult): string {
  return r.bug !== null ? `${r.bug.site.file}:${r.bug.site.line}` : r.verdict;
}

/** RunOptions.wanted for a search that looks for failures at one site (`file:line` or a verdict) only. */
export function wantedAt(site: string | undefined): RunOptions["wanted"] {
  return site === undefined ? undefined : (r) => failureKey(r) === site;
}

export function run(program: Program, strategy: Strategy, opts: RunOptions = {}): RunResult {
  const stopOnFailure = opts.stopOnFailure ?? true;
  const maxExecutions = opts.maxExecutions ?? Number.POSITIVE_INFINITY;
  const deadline = opts.timeMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeMs;
  const t0 = Date.now();
  let nextProgress = t0 + 100;
  const ck = opts.checkpoint;
  const t = ck === undefined ? newTotals() : resume(program, strategy, ck, opts);
  const { terminalStates, failureSites, verdicts } = t;
  const everyMs = ck?.everyMs ?? 60_000;
  let nextSave = t0 + everyMs;
  /** `maxExecutions` counts this run's executions, not the earlier runs'. */
  const startExecutions = t.executions;
  for (;;) {
    if (t.executions - startExecutions >= maxExecutions) break;
    // A resumed run that had stopped at its failure stops there again.
    if (t.first !== null && (stopOnFailure || t.first.verdict === "model-error")) break;
    // The clock is read after every execution (~50 ns, against ≥ 10 µs for the shortest execution): at
    // HPAGE_PMD_NR=512 an execution takes tens of ms, and checking every 64th overshot budgets by seconds.
    if (deadline !== Number.POSITIVE_INFINITY && Date.now() >= deadline) break;
    if (!strategy.newExecution()) break;
    const r = runExecution(program, strategy, opts);
    strategy.endExecution(r);
    t.executions++;
    t.steps += r.steps;
    verdicts[r.verdict]++;
    if (r.verdict === "completed") {
      if (r.finalState !== null) terminalStates.add(r.finalState);
    } else if (r.verdict !== "pruned") {
      const key = failureKey(r);
      failureSites.set(key, (failureSites.get(key) ?? 0) + 1);
      const counts = r.verdict === "model-error" || opts.wanted === undefined || opts.wanted(r);
      if (t.first === null && counts) t.first = r;
      if ((stopOnFailure && counts) || r.verdict === "model-error") break;
    }
    if (opts.onProgress !== undefined) {
      const now = Date.now();
      if (now >= nextProgress) {
        nextProgress = now + 100;
        const detail = strategy.progress?.() ?? "";
        opts.onProgress({
          executions: t.executions,
          steps: t.steps,
          failures: failureSites.size,
          elapsedMs: now - t0,
          detail,
        });
      }
    }
    opts.between?.(t);
    if (ck !== undefined && Date.now() >= nextSave) {
      saveRun(strategy, ck, t, Date.now() - t0);
      nextSave = Date.now() + everyMs;
    }
  }
  if (ck !== undefined) saveRun(strategy, ck, t, Date.now() - t0);
  const first = t.first;
  const outcome: Outcome =
    first?.verdict === "model-error"
      ? "model-error"
      : first !== null
        ? "bug"
        : strategy.exhausted
          ? "ok"
          : strategy.name === "random" || strategy.name === "pct" || strategy.name === "pos"
            ? "ok"
            : "incomplete";
  return {
    outcome,
    first,
    executions: t.executions,
    steps: t.steps,
    exhaustive: strategy.exhausted,
    terminalStates,
    failureSites,
    verdicts,
    elapsedMs: Date.now() - t0,
    coverage: strategy.describe() + checkpointNote(ck, t, strategy.exhausted || first !== null),
  };
}
