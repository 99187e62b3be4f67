/**
 * Results are values. An execution ends in one of six verdicts; the runner aggregates executions into a
 * RunResult. These types are declared once here and used by the CLI, the reports and the tests.
 */
import type { AssertionInfo } from "./errors.js";

/** One line of a call trace. */
export interface TraceLine {
  readonly fn: string;
  /** `file:line` where this frame stopped, or null if it has not stopped yet. */
  readonly at: string | null;
}

/** A thread's state at the end of an execution. */
export interface ThreadStack {
  readonly id: number;
  readonly name: string;
  /** Innermost frame first, as an oops prints it. */
  readonly trace: readonly TraceLine[];
  readonly state: "done" | "ready" | "blocked";
  /** For a blocked thread: what it waits for. */
  readonly waitingFor: string | null;
  /** Where it stands now (`file:line label`), or null if it never ran. */
  readonly at: string | null;
}

/** `pruned`: a stateful search stopped the execution at a state it had already explored. */
export type Verdict = "completed" | "bug" | "deadlock" | "step-limit" | "model-error" | "pruned";

/** The outcome of one execution. */
export interface ExecutionResult {
  readonly verdict: Verdict;
  /** Thread chosen at each step, in order: the schedule. */
  readonly choices: readonly number[];
  readonly steps: number;
  /** Switches away from a thread that could have gone on. */
  readonly preemptions: number;
  /** Hash of the sequence of (thread, site) of every step: two runs with equal hashes did the same. */
  readonly traceHash: number;
  /** For `bug`: what fired, and in which thread. */
  readonly bug: (AssertionInfo & { readonly thread: number }) | null;
  /** For `model-error`: the JS exception's message (never confused with a kernel bug). */
  readonly error: string | null;
  /** Every thread's stack at the end. */
  readonly stacks: readonly ThreadStack[];
  /** Canonical text of the final shared state (completed executions), if the program provides one. */
  readonly finalState: string | null;
}
