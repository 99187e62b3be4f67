/** The JSON report of a command: declared once, used by --json, the viewer and the tests. */
import type { ThreadStack } from "../engine/result.js";
import type { NarrativeItem } from "./narrative.js";

export const SCHEMA_VERSION = 1;

export interface BugReport {
  /** `file:line` in v5.15-rc3, e.g. `mm/truncate.c:213`. */
  readonly site: string;
  readonly condition: string;
  /** VM_BUG_ON_PAGE, BUG_ON, bad_page, invariant, deadlock, step-limit. */
  readonly kind: string;
  /** The thread that hit it (-1: found in the final-state check). */
  readonly thread: number;
  readonly threadName: string | null;
  readonly message: string;
  readonly stacks: readonly ThreadStack[];
}

/** What a stateful search covered. */
export interface SearchStats {
  /** Distinct states expanded (scheduling points; final states are counted in terminalStates). */
  readonly states: number;
  readonly transitions: number;
  /** Deepest DFS stack, in steps. */
  readonly depth: number;
  /** Chance that two distinct states were merged by a 64-bit fingerprint collision (≈ n²/2^65). */
  readonly collisionProbability: number;
  /** Fingerprint table bytes per state. */
  readonly bytesPerState: number;
  /** Peak resident memory of the process, bytes. */
  readonly peakRssBytes: number;
  /** Branches on the DFS stack not yet started when the search stopped (0 when exhaustive). */
  readonly pendingBranches: number;
}

export interface CheckReport {
  readonly schemaVersion: number;
  readonly command: string;
  readonly scenario: string;
  readonly result: "bug" | "ok" | "incomplete" | "model-error";
  readonly bug: BugReport | null;
  /** The replayable string of the (shrunk) counterexample. */
  readonly schedule: string | null;
  readonly replay: string | null;
  readonly preemptions: number | null;
  /**
   * Whether `preemptions` is the fewest that reach this failure's site: true when a preemption-bounded
   * search below it found none (or the failure came from iterative DFS, which finds the fewest first);
   * false when the counterexample was shrunk but that search ran out of budget; null when it was not
   * shrunk (`--no-shrink`, a replay) or there is no failure.
   */
  readonly fewestPreemptions: boolean | null;
  readonly executions: number;
  readonly steps: number;
  readonly exhaustive: boolean;
  readonly terminalStates: number;
  readonly strategy: string;
  readonly coverage: string;
  readonly config: { readonly HPAGE_PMD_NR: number; readonly DEBUG_VM: boolean; readonly XA_CHUNK_SHIFT: number };
  readonly patches: readonly string[];
  readonly elapsedMs: number;
  readonly oops: string | null;
  readonly narrative: readonly NarrativeItem[] | null;
  /** For a model error: the exception. */
  readonly error: string | null;
  /** The stateful search's account (null for stateless strategies). */
  readonly search: SearchStats | null;
  /** With --count-traces: the number of Mazurkiewicz traces (decimal; null if unknown or infinite). */
  readonly traces?: string | null;
  /** With --list-states: 64-bit hashes (hex) of every distinct final state's canonical text, sorted. */
  readonly terminalStateHashes?: readonly string[];
  /** With --site: the only failure site that counted; `result` and `bug` are about it alone. */
  readonly site?: string;
}

/** One place where executions of a stress run failed. */
export interface SiteCount {
  /** `file:line` of the assertion, or the verdict (`deadlock`, `step-limit`) of a failure without one. */
  readonly site: string;
  readonly kind: string;
  readonly condition: string;
  /** Executions that failed here. */
  readonly count: number;
  /** The first of them (1 = the run's first execution; with several seeds, that seed's first). */
  readonly firstExecution: number;
  /** With several seeds run side by side (`stress --jobs`): the seed whose search failed here first. */
  readonly seed?: number;
  /** The first one's schedule as found (not shrunk), its preemptions and steps, and its replay command. */
  readonly schedule: string;
  readonly preemptions: number;
  readonly steps: number;
  readonly replay: string;
}

/**
 * `mmrace stress --json`: a CheckReport of the first failure (shrunk, with oops and narrative), plus what
 * the whole run saw. `executions` counts the run's executions, not the shrinker's.
 */
export interface StressReport extends CheckReport {
  readonly command: "stress";
  /** Executions that failed, at every site. */
  readonly failures: number;
  /** Failure sites, most frequent first. */
  readonly sites: readonly SiteCount[];
  /** Wall time of the search alone (elapsedMs adds shrinking and reporting). */
  readonly searchMs: number;
  readonly executionsPerSecond: number;
  /** The budget the run was given (null: none of that kind). */
  readonly budget: { readonly timeMs: number | null; readonly maxExecutions: number | null };
}
