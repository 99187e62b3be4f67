/** Worker thread of `mmrace check --jobs N`: one of the searches that share a table (checkParallel.ts). */
import { serveJobs } from "../engine/pool.js";
import { run, wantedAt } from "../engine/runner.js";
import { SharedFingerprintTable } from "../engine/state/sharedTable.js";
import { StatefulStrategy } from "../engine/strategy/stateful.js";
import { findScenario } from "../scenarios/index.js";
import { makeProgram } from "../scenarios/program.js";
import type { SearchJob, SearchPart, SearchProgress } from "./checkParallel.js";

serveJobs<SearchJob, SearchPart, SearchProgress>((job, progress) => {
  const p = makeProgram(findScenario(job.scenario), job.config);
  const table = new SharedFingerprintTable(job.table);
  const strategy = new StatefulStrategy({
    maxStates: job.maxStates,
    shared: { table, worker: job.worker, workers: job.workers, frontier: job.frontier },
  });
  const r = run(p, strategy, {
    timeMs: job.timeMs,
    wanted: wantedAt(job.site),
    onProgress: (x) => progress({ executions: x.executions, steps: x.steps, failures: x.failures }),
    // A checkpoint is being taken: say what this worker has seen and what its stack holds, and wait.
    between: job.pausable
      ? (t) =>
          table.pauseIfAsked(() =>
            progress({
              executions: t.executions,
              steps: t.steps,
              failures: t.failureSites.size,
              pause: {
                stack: strategy.sharedStack(),
                terminalStates: [...t.terminalStates],
                failureSites: [...t.failureSites],
              },
            }),
          )
      : undefined,
  });
  // A failure ends every search on the table, as it ends the single search.
  if (r.first !== null) table.stop();
  return {
    first: r.first,
    executions: r.executions,
    steps: r.steps,
    exhausted: strategy.exhausted,
    terminalStates: [...r.terminalStates],
    failureSites: [...r.failureSites],
    transitions: strategy.transitions,
    slept: strategy.slept,
    localCuts: strategy.localCuts,
    maxDepth: strategy.maxDepth,
    pendingBranches: strategy.pendingBranches(),
    stoppedAtLimit: strategy.stoppedAtLimit,
    tableFull: strategy.tableFull,
    shallowStates: strategy.shallowStates,
    givenAway: strategy.givenAway,
    stack: strategy.sharedStack(),
  };
});
