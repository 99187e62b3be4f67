/** `mmrace stress`: random/PCT search until a budget, failures counted by site; text or JSON. */
import { availableParallelism } from "node:os";
import { decodeSchedule } from "../engine/schedule.js";
import { resolvePatches } from "../kernel/patches/index.js";
import { SHRINK_EXECUTIONS, SHRINK_TIME_MS } from "../report/checkScenario.js";
import { renderStressReport, STRESS_SCENARIO, type STRESS_STRATEGIES, stressBudget } from "../report/stress.js";
import { stressParallel } from "../report/stressParallel.js";
import type { StressReport } from "../report/types.js";
import { findScenario } from "../scenarios/index.js";
import { makeProgram } from "../scenarios/program.js";
import { type CliOptions, exitFor, htmlTarget, verdictLine, write, writeText, writeViewer } from "./commands.js";
import { failureWords, makeShrinkProgress, makeStressProgress } from "./progress.js";

/**
 * Worker threads of a stress run: as given; else one per core for a time budget, and one for an execution
 * budget (so `--max-executions N --seed S` gives the same result on any machine).
 */
function stressJobs(o: CliOptions): number {
  if (o.jobs !== undefined) return o.jobs;
  return o.maxExecutions === undefined ? availableParallelism() : 1;
}

export async function stressCommand(scenarioName: string | undefined, o: CliOptions): Promise<number> {
  const s = findScenario(scenarioName ?? STRESS_SCENARIO);
  const strategy = (o.strategy ?? "pct") as (typeof STRESS_STRATEGIES)[number];
  const so = {
    hpageNr: o.hpageNr,
    debugVm: o.debugVm,
    patches: resolvePatches(o.patch ?? []),
    strategy,
    seed: o.seed,
    depth: o.depth,
    maxExecutions: o.maxExecutions,
    timeMs: o.time === undefined ? undefined : o.time * 1000,
    noShrink: o.shrink === false,
  };
  const target = o.html === undefined ? null : htmlTarget(o.html, o.force === true);
  const progress = makeStressProgress(o, `${s.name} (${strategy})`, stressBudget(so));
  // The run's first failure is shrunk after the whole budget: say so, with a bar if it takes a while.
  const shrinking = makeShrinkProgress(
    o,
    s.name,
    Date.now(),
    { executions: SHRINK_EXECUTIONS, timeMs: SHRINK_TIME_MS },
    progress,
    (f) => `shrinking the first failure (${failureWords(f)}) to the fewest preemptions, then steps`,
  );
  let r: StressReport;
  try {
    r = await stressParallel(s, stressJobs(o), {
      ...so,
      onProgress: progress?.onProgress,
      onShrink: shrinking ?? undefined,
    });
  } finally {
    progress?.stop();
    shrinking?.stop();
  }
  if (target !== null) {
    if (r.schedule === null) {
      process.stderr.write(`viewer: no bug found, so no viewer was written (${o.html})\n`);
    } else {
      const p = makeProgram(s, { ...so, hpageNr: r.config.HPAGE_PMD_NR });
      writeViewer(target, o, p, decodeSchedule(r.schedule).choices, r.schedule, "stress");
    }
  }
  if (o.json === true) {
    write(JSON.stringify(r, null, 2));
  } else if (o.quiet === true) {
    const sites = r.sites.length === 1 ? "1 site" : `${r.sites.length} sites`;
    const tail = r.failures === 0 ? "" : `; ${r.failures} of ${r.executions} executions failed, at ${sites}`;
    writeText(`${verdictLine(r.scenario, r.result, r.bug?.site ?? null, r.bug?.kind ?? null)}${tail}`, o);
  } else {
    writeText(renderStressReport(r), o);
  }
  return exitFor(r.result);
}
