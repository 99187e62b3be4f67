/**
 * `mmrace checkpoint FILE`: what a saved search is and how far it got, read from the checkpoint's header
 * alone (a table of tens of millions of states is not loaded): the scenario and patches, the kind of search,
 * the build that wrote it (only that build can go on with it), the states, executions and time so far, and
 * whether it ended (every state explored, or at a failure) or can go on, with the branches still pending.
 */
import { readCheckpointHeader } from "../engine/checkpoint.js";
import type { SavedSearch } from "../engine/strategy/stateful.js";
import { pendingOn } from "../engine/strategy/statefulNode.js";
import { buildId } from "../scenarios/buildId.js";
import { BUILTIN_SCENARIOS } from "../scenarios/index.js";
import type { SharedTotals } from "./sharedCheckpoint.js";

export interface CheckpointInfo {
  readonly file: string;
  /** Scenario, THP size, CONFIG_DEBUG_VM and patches, as the checkpoint names them. */
  readonly program: string;
  /** "stateful" (one thread) or "stateful-shared" (`--jobs`), with the options that shape the search. */
  readonly strategy: string;
  readonly build: string;
  /**
   * Whether this build wrote it, so that it can go on here; null for a user scenario, whose build also
   * hashes the scenario's file (check says so when it resumes).
   */
  readonly thisBuild: boolean | null;
  /** Distinct states saved (a shared search: those at or below its split depth). */
  readonly states: number;
  readonly executions: number;
  readonly steps: number;
  readonly elapsedMs: number;
  /** "exhaustive": every reachable state explored; "failure": stopped at one; null: it can go on. */
  readonly ended: "exhaustive" | "failure" | null;
  /** Failures seen so far by site, with counts. */
  readonly failureSites: readonly (readonly [string, number])[];
  /** One thread's search: branches still to start on its DFS stack, and the depths they are at. */
  readonly pending: { readonly branches: number; readonly depths: string } | null;
}

/** The runner's totals as both kinds of checkpoint keep them. */
type TotalsView = Pick<SharedTotals, "executions" | "steps" | "elapsedMs" | "firstChoices" | "failureSites">;

export function checkpointInfo(file: string): CheckpointInfo {
  const h = readCheckpointHeader(file);
  const t = h.runner as TotalsView;
  const shared = h.identity.strategy.startsWith("stateful-shared");
  const common = {
    file,
    program: h.identity.program,
    strategy: h.identity.strategy,
    build: h.identity.build,
    thisBuild: BUILTIN_SCENARIOS.some((s) => h.identity.program.startsWith(`${s.name}~`))
      ? h.identity.build === buildId()
      : null,
    executions: t.executions,
    steps: t.steps,
    elapsedMs: t.elapsedMs,
    failureSites: t.failureSites,
  };
  const failed = t.firstChoices !== null;
  if (shared) {
    const data = h.strategy as { entries: number };
    const exhaustive = (h.runner as SharedTotals).exhaustive === true;
    return {
      ...common,
      states: data.entries,
      ended: failed ? "failure" : exhaustive ? "exhaustive" : null,
      pending: null,
    };
  }
  const s = h.strategy as Pick<SavedSearch, "states" | "exhausted" | "nodes">;
  return {
    ...common,
    states: s.states,
    ended: failed ? "failure" : s.exhausted ? "exhaustive" : null,
    pending: pendingOn(s.nodes),
  };
}

/** The text `mmrace checkpoint` prints. */
export function renderCheckpointInfo(c: CheckpointInfo): string {
  const kind = c.strategy.startsWith("stateful-shared") ? "stateful search on several workers" : "stateful search";
  const sites = c.failureSites.map(([k, n]) => `${k} ×${n}`).join(", ");
  const status =
    c.ended === "exhaustive"
      ? "ended: every reachable state explored, no failure"
      : c.ended === "failure"
        ? `ended at a failure (${sites}): the same command reports it`
        : `${c.thisBuild === false ? "only the build that wrote it can go on with it" : "goes on with the same command"}${c.pending === null ? "" : ` (${c.pending.branches} branches pending on its DFS stack, at depths ${c.pending.depths})`}`;
  const build =
    c.thisBuild === null ? "" : c.thisBuild ? " (this build)" : ": not this build, which cannot go on with it";
  return [
    `${c.file}: ${kind} of ${c.program}`,
    `  options: ${c.strategy}`,
    `  written by build ${c.build}${build}`,
    `  so far: ${c.states} states, ${c.executions} executions, ${c.steps} steps, ${(c.elapsedMs / 1000).toFixed(1)} s of runs`,
    `  ${status}`,
  ].join("\n");
}
