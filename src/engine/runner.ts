/**
 * Runs executions of a Program under a Strategy until the strategy is exhausted, a failure is found (by
 * default), or a budget (executions, time) runs out, and aggregates what it saw.
 */
import { type CheckpointIdentity, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { UsageError } from "./errors.js";
import { type ExecutionOptions, runExecution } from "./execution.js";
import type { Program } from "./program.js";
import type { ExecutionResult, Verdict } from "./result.js";
import { ReplayStrategy } from "./strategy/replay.js";
import type { Strategy } from "./strategy/strategy.js";

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
}

export interface CheckpointOptions {
  readonly path: string;
  readonly identity: CheckpointIdentity;
  /** Milliseconds between saves (default 60 s); the run also saves when it stops. */
  readonly everyMs?: number;
}

/** The runner's totals in a checkpoint. */
interface SavedTotals {
  readonly executions: number;
  readonly steps: number;
  readonly verdicts: Record<Verdict, number>;
  readonly terminalStates: string[];
  readonly failureSites: [string, number][];
  readonly elapsedMs: number;
  /** The first failure's schedule: replayed on resume to give the same `first`. */
  readonly firstChoices: number[] | null;
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

export function run(program: Program, strategy: Strategy, opts: RunOptions = {}): RunResult {
  const stopOnFailure = opts.stopOnFailure ?? true;
  const maxExecutions = opts.maxExecutions ?? Number.POSITIVE_INFINITY;
  const deadline = opts.timeMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeMs;
  const t0 = Date.now();
  let nextProgress = t0 + 100;
  let executions = 0;
  let steps = 0;
  let first: ExecutionResult | null = null;
  let terminalStates = new Set<string>();
  let failureSites = new Map<string, number>();
  let verdicts: Record<Verdict, number> = {
    completed: 0,
    bug: 0,
    deadlock: 0,
    "step-limit": 0,
    "model-error": 0,
    pruned: 0,
  };
  /** Time spent by the runs this one resumes (null: not resumed). */
  let earlierMs: number | null = null;
  const ck = opts.checkpoint;
  const save = (): void => {
    if (ck === undefined || strategy.save === undefined) return;
    const totals: SavedTotals = {
      executions,
      steps,
      verdicts,
      terminalStates: [...terminalStates],
      failureSites: [...failureSites],
      elapsedMs: (earlierMs ?? 0) + Date.now() - t0,
      firstChoices: first === null ? null : [...first.choices],
    };
    writeCheckpoint(ck.path, { identity: ck.identity, runner: totals, strategy: strategy.save() });
  };
  let nextSave = Number.POSITIVE_INFINITY;
  if (ck !== undefined) {
    if (strategy.save === undefined || strategy.restore === undefined) {
      throw new UsageError(`a checkpoint needs a search that can resume (stateful), not ${strategy.name}`);
    }
    const saved = readCheckpoint(ck.path, ck.identity);
    if (saved !== null) {
      const tot = saved.runner as SavedTotals;
      strategy.restore(saved.strategy);
      executions = tot.executions;
      steps = tot.steps;
      verdicts = { ...tot.verdicts };
      terminalStates = new Set(tot.terminalStates);
      failureSites = new Map(tot.failureSites);
      earlierMs = tot.elapsedMs;
      if (tot.firstChoices !== null) first = runExecution(program, new ReplayStrategy(tot.firstChoices), opts);
    } else {
      // A new checkpoint is written at once: an unwritable path fails now, not after an hour of search.
      save();
    }
    nextSave = t0 + (ck.everyMs ?? 60_000);
  }
  /** `maxExecutions` counts this run's executions, not the earlier runs'. */
  const startExecutions = executions;
  for (;;) {
    if (executions - startExecutions >= maxExecutions) break;
    // A resumed run that had stopped at its failure stops there again.
    if (first !== null && (stopOnFailure || first.verdict === "model-error")) break;
    // The clock is read after every execution (~50 ns, against ≥ 10 µs for the shortest execution): at
    // HPAGE_PMD_NR=512 an execution takes tens of ms, and checking every 64th overshot budgets by seconds.
    if (deadline !== Number.POSITIVE_INFINITY && Date.now() >= deadline) break;
    if (!strategy.newExecution()) break;
    const r = runExecution(program, strategy, opts);
    strategy.endExecution(r);
    executions++;
    steps += r.steps;
    verdicts[r.verdict]++;
    if (r.verdict === "completed") {
      if (r.finalState !== null) terminalStates.add(r.finalState);
    } else if (r.verdict !== "pruned") {
      const key = failureKey(r);
      failureSites.set(key, (failureSites.get(key) ?? 0) + 1);
      if (first === null) first = r;
      if (stopOnFailure || r.verdict === "model-error") break;
    }
    if (opts.onProgress !== undefined) {
      const now = Date.now();
      if (now >= nextProgress) {
        nextProgress = now + 100;
        const detail = strategy.progress?.() ?? "";
        opts.onProgress({ executions, steps, failures: failureSites.size, elapsedMs: now - t0, detail });
      }
    }
    if (ck !== undefined && Date.now() >= nextSave) {
      save();
      nextSave = Date.now() + (ck.everyMs ?? 60_000);
    }
  }
  save();
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
    executions,
    steps,
    exhaustive: strategy.exhausted,
    terminalStates,
    failureSites,
    verdicts,
    elapsedMs: Date.now() - t0,
    coverage: strategy.describe() + checkpointNote(ck, earlierMs, strategy.exhausted || first !== null),
  };
}

/** What a run did with its checkpoint: resumed from it, and where the search can go on from. */
function checkpointNote(ck: CheckpointOptions | undefined, earlierMs: number | null, over: boolean): string {
  if (ck === undefined) return "";
  const resumed =
    earlierMs === null
      ? ""
      : `; resumed from checkpoint ${ck.path} after ${(earlierMs / 1000).toFixed(1)} s of earlier runs`;
  const saved = over ? `; saved in ${ck.path}` : `; saved in ${ck.path}: the same command goes on from here`;
  return resumed + saved;
}
