/**
 * A run's totals, and resuming a run from its checkpoint (checkpoint.ts holds the file format): the
 * runner's totals are saved beside the strategy's own state, and the first failure as its schedule, which
 * is replayed on resume to give the same result.
 */
import { type CheckpointIdentity, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { UsageError } from "./errors.js";
import { type ExecutionOptions, runExecution } from "./execution.js";
import type { Program } from "./program.js";
import type { ExecutionResult, Verdict } from "./result.js";
import { ReplayStrategy } from "./strategy/replay.js";
import type { Strategy } from "./strategy/strategy.js";

export interface CheckpointOptions {
  readonly path: string;
  readonly identity: CheckpointIdentity;
  /** Milliseconds between saves (default 60 s); the run also saves when it stops. */
  readonly everyMs?: number;
}

/** What a run has seen so far (with the runs it resumes). */
export interface Totals {
  executions: number;
  steps: number;
  /** The first execution that failed, if any. */
  first: ExecutionResult | null;
  readonly terminalStates: Set<string>;
  readonly failureSites: Map<string, number>;
  readonly verdicts: Record<Verdict, number>;
  /** Time spent by the runs this one resumes (null: not resumed). */
  readonly earlierMs: number | null;
}

export function newTotals(): Totals {
  return {
    executions: 0,
    steps: 0,
    first: null,
    terminalStates: new Set(),
    failureSites: new Map(),
    verdicts: { completed: 0, bug: 0, deadlock: 0, "step-limit": 0, "model-error": 0, pruned: 0 },
    earlierMs: null,
  };
}

/** The totals as a checkpoint holds them. */
interface SavedTotals {
  readonly executions: number;
  readonly steps: number;
  readonly verdicts: Record<Verdict, number>;
  readonly terminalStates: string[];
  readonly failureSites: [string, number][];
  readonly elapsedMs: number;
  readonly firstChoices: number[] | null;
}

/**
 * Puts `strategy` back where the checkpoint left it and returns the totals it had; with no checkpoint
 * file yet, writes one at once (an unwritable path fails now, not after an hour of search) and returns
 * fresh totals.
 */
export function resume(program: Program, strategy: Strategy, ck: CheckpointOptions, opts: ExecutionOptions): Totals {
  if (strategy.save === undefined || strategy.restore === undefined) {
    throw new UsageError(`a checkpoint needs a search that can resume (stateful), not ${strategy.name}`);
  }
  const saved = readCheckpoint(ck.path, ck.identity);
  if (saved === null) {
    const t = newTotals();
    saveRun(strategy, ck, t, 0);
    return t;
  }
  const s = saved.runner as SavedTotals;
  strategy.restore(saved.strategy);
  return {
    executions: s.executions,
    steps: s.steps,
    first: s.firstChoices === null ? null : runExecution(program, new ReplayStrategy(s.firstChoices), opts),
    terminalStates: new Set(s.terminalStates),
    failureSites: new Map(s.failureSites),
    verdicts: { ...s.verdicts },
    earlierMs: s.elapsedMs,
  };
}

/** Saves the strategy and the totals (`ms`: this run's time so far). */
export function saveRun(strategy: Strategy, ck: CheckpointOptions, t: Totals, ms: number): void {
  if (strategy.save === undefined) return;
  const totals: SavedTotals = {
    executions: t.executions,
    steps: t.steps,
    verdicts: t.verdicts,
    terminalStates: [...t.terminalStates],
    failureSites: [...t.failureSites],
    elapsedMs: (t.earlierMs ?? 0) + ms,
    firstChoices: t.first === null ? null : [...t.first.choices],
  };
  writeCheckpoint(ck.path, { identity: ck.identity, runner: totals, strategy: strategy.save() });
}

/** What a run did with its checkpoint: resumed from it, and where the search can go on from. */
export function checkpointNote(ck: CheckpointOptions | undefined, t: Pick<Totals, "earlierMs">, over: boolean): string {
  if (ck === undefined) return "";
  const resumed =
    t.earlierMs === null
      ? ""
      : `; resumed from checkpoint ${ck.path} after ${(t.earlierMs / 1000).toFixed(1)} s of earlier runs`;
  const saved = over ? `; saved in ${ck.path}` : `; saved in ${ck.path}: the same command goes on from here`;
  return resumed + saved;
}
