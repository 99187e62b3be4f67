/** Shared helpers for the race tests: run a scenario the way `mmrace check` does, without shrinking. */
import { checkReplay } from "../../src/engine/replayCheck.js";
import { run } from "../../src/engine/runner.js";
import { DfsStrategy } from "../../src/engine/strategy/dfs.js";
import { StatefulStrategy } from "../../src/engine/strategy/stateful.js";
import { resolvePatches } from "../../src/kernel/patches/index.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";

export interface Outcome {
  readonly result: "bug" | "ok" | "incomplete" | "model-error";
  /** `file:line` of what fired, or the verdict for deadlock/step-limit, or null. */
  readonly site: string | null;
  readonly kind: string | null;
  readonly condition: string | null;
  readonly preemptions: number | null;
  readonly exhaustive: boolean;
  readonly executions: number;
  /** Whether the counterexample replays to the same verdict, site, steps and trace hash. */
  readonly replays: boolean | null;
}

/** Bounded DFS (iterative from 0 preemptions) over a built-in scenario. */
export function explore(
  scenario: string,
  opts: { patches?: string[]; bound: number; debugVm?: boolean; hpageNr?: number },
): Outcome {
  const p = makeProgram(findScenario(scenario), {
    patches: resolvePatches(opts.patches ?? []),
    debugVm: opts.debugVm,
    hpageNr: opts.hpageNr,
  });
  const r = run(p, new DfsStrategy(opts.bound));
  const f = r.first;
  return {
    result: r.outcome,
    site: f === null ? null : f.bug === null ? f.verdict : `${f.bug.site.file}:${f.bug.site.line}`,
    kind: f?.bug?.kind ?? null,
    condition: f?.bug?.condition ?? null,
    preemptions: f?.preemptions ?? null,
    exhaustive: r.exhaustive,
    executions: r.executions,
    replays: f === null ? null : checkReplay(p, f).ok,
  };
}

/**
 * Every failure site (`file:line`, or a verdict) the stateful search reaches in the whole state space of
 * a built-in scenario; throws if the search did not end.
 */
export function exhaustiveSites(scenario: string, patches: string[], debugVm = true, hpageNr = 4): string[] {
  const p = makeProgram(findScenario(scenario), { patches: resolvePatches(patches), debugVm, hpageNr });
  const st = new StatefulStrategy();
  const r = run(p, st, { stopOnFailure: false });
  if (!st.exhausted) throw new Error(`${scenario}: the stateful search did not end`);
  return [...r.failureSites.keys()].sort();
}
