/**
 * A Program is what the engine runs: it builds fresh shared state and the threads over it, every
 * execution from scratch (generators cannot be copied, so a branch is reached by re-running its prefix).
 * `setup` must be deterministic: the same program gives the same threads and state every time.
 */

import type { AssertionInfo } from "./errors.js";
import type { Gen } from "./runtime.js";

export interface ThreadSpec {
  /** Shown in traces and reports, e.g. `CPU1 writer`. */
  readonly name: string;
  /** The thread's body; it runs with `rt.current` set to this thread. */
  readonly run: () => Gen<unknown>;
  /** Initial model-owned per-thread data. */
  readonly local?: Record<string, unknown>;
}

export interface Program {
  /** Identifies the program in schedule strings (a scenario name plus its options). */
  readonly id: string;
  /** Builds fresh state and returns the threads. */
  setup(): ThreadSpec[];
  /**
   * Runs after every thread finished: final-state invariants. Returns what fired, or null.
   * Thrown ModelAssertions are also accepted.
   */
  finish?(): AssertionInfo | null;
  /** Canonical text of the shared state, for counting distinct terminal states. */
  stateKey?(): string;
  /**
   * Every piece of shared memory the threads can reach, for state fingerprints (stateful search): module
   * state and the objects built by `setup`. Anything a thread can observe and that is not reachable from
   * here or from thread frames would make the stateful search unsound.
   */
  stateRoots?(): readonly unknown[];
  /**
   * Groups of interchangeable threads (same code, same inputs; ids ascending): the stateful search counts
   * states that differ only by swapping threads of a group once. Thread ids the model stores must be in
   * fields listed by their class's `static threadIdFields`, so that they are renamed with the threads.
   */
  symmetry?(): readonly (readonly number[])[];
}
