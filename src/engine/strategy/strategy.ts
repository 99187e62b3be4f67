/**
 * The Strategy interface: what decides which thread runs next. One implementation per file.
 *
 * Lifecycle (shuttle's Scheduler shape): the runner calls `newExecution()` before each execution; it
 * returns false when the strategy has nothing more to explore. During the execution the engine calls
 * `nextThread(enabled, current)` at every scheduling point, where `enabled` lists the runnable thread ids
 * in increasing order and `current` is the thread that ran the previous step (-1 at the start). After the
 * execution, `endExecution(result)` gives the strategy the outcome (DFS uses it to backtrack, PCT to
 * learn the execution length).
 */
import type { SavedState } from "../checkpoint.js";
import type { ExecutionResult } from "../result.js";
import type { StateProbe } from "../state/probe.js";

export interface Strategy {
  /** Short name, as given to `--strategy`. */
  readonly name: string;
  newExecution(): boolean;
  /**
   * Picks the next thread. `state` fingerprints the current state on request (stateful search). Returning
   * -1 ends the execution here as `pruned` (the state was explored before).
   */
  nextThread(enabled: readonly number[], current: number, state: StateProbe): number;
  endExecution(result: ExecutionResult): void;
  /** One line for reports: what this strategy guarantees after the run (bounds, probabilities). */
  describe(): string;
  /** A short account of the search so far, for progress lines (optional). */
  progress?(): string;
  /**
   * Its whole search state, for a checkpoint (checkpoint.ts), taken between executions; `restore` puts a
   * fresh strategy of the same options back there. Only strategies that can resume have both.
   */
  save?(): SavedState;
  restore?(s: SavedState): void;
  /** True once every execution within the strategy's bounds has been run. */
  readonly exhausted: boolean;
}
