/**
 * The commands' bodies: parse options into a run, print text or JSON, set the exit code
 * (0 no bug found, 1 bug found, 2 usage or input error, 3 model error).
 */
import { UsageError } from "../engine/errors.js";
import { runExecution } from "../engine/execution.js";
import { decodeSchedule } from "../engine/schedule.js";
import { ReplayStrategy } from "../engine/strategy/replay.js";
import { PATCH_SETS, PATCHES, resolvePatches } from "../kernel/patches/index.js";
import { type CheckOptions, checkScenario, reportExecution, type StrategyName } from "../report/checkScenario.js";
import { renderReport } from "../report/text.js";
import type { CheckReport } from "../report/types.js";
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO, findScenario } from "../scenarios/index.js";
import { makeProgram } from "../scenarios/program.js";

export interface CliOptions {
  patch?: string[];
  debugVm?: boolean;
  hpageNr?: number;
  json?: boolean;
  quiet?: boolean;
  strategy?: string;
  preemptions?: number;
  seed?: number;
  depth?: number;
  maxExecutions?: number;
  time?: number;
}

function exitFor(r: CheckReport): number {
  if (r.result === "model-error") return 3;
  return r.result === "bug" ? 1 : 0;
}

function print(r: CheckReport, o: CliOptions): void {
  if (o.json === true) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  if (o.quiet === true) {
    const what = r.bug === null ? r.result : `${r.result}: ${r.bug.kind} at ${r.bug.site}`;
    process.stdout.write(`${r.scenario}: ${what}\n`);
    return;
  }
  process.stdout.write(`${renderReport(r)}\n`);
}

export function runCommand(name: string, args: (string | undefined)[], o: CliOptions): void {
  switch (name) {
    case "list":
      list(o);
      return;
    case "check":
      check(args[0] ?? DEFAULT_SCENARIO, o);
      return;
    case "replay":
      replay(args[0] as string, args[1] as string, o);
      return;
    default:
      throw new UsageError(`unknown command '${name}'`);
  }
}

function list(o: CliOptions): void {
  if (o.json === true) {
    const data = {
      scenarios: BUILTIN_SCENARIOS.map((s) => ({ name: s.name, summary: s.summary })),
      patches: PATCHES.map((p) => ({ name: p.name, title: p.title, commit: p.commit, landed: p.landed })),
      patchSets: PATCH_SETS,
    };
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const out = ["Scenarios:"];
  for (const s of BUILTIN_SCENARIOS) out.push(`  ${s.name.padEnd(26)} ${s.summary}`);
  out.push("", "Patches:");
  for (const p of PATCHES) {
    out.push(`  ${p.name.padEnd(38)} ${p.commit ?? "(proposed)"}  ${p.title}`);
  }
  out.push("", "Patch sets:");
  for (const [k, v] of Object.entries(PATCH_SETS)) out.push(`  ${k.padEnd(38)} ${v.join(" + ")}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

function checkOptions(o: CliOptions): CheckOptions {
  return {
    hpageNr: o.hpageNr,
    debugVm: o.debugVm,
    patches: resolvePatches(o.patch ?? []),
    strategy: (o.strategy ?? "dfs") as StrategyName,
    preemptions: o.preemptions,
    seed: o.seed,
    depth: o.depth,
    maxExecutions: o.maxExecutions,
    timeMs: o.time === undefined ? undefined : o.time * 1000,
  };
}

function check(scenarioName: string, o: CliOptions): void {
  const s = findScenario(scenarioName);
  const r = checkScenario(s, checkOptions(o));
  print(r, o);
  process.exitCode = exitFor(r);
}

function replay(scenarioName: string, text: string, o: CliOptions): void {
  const s = findScenario(scenarioName);
  const sched = decodeSchedule(text);
  const p = makeProgram(s, checkOptions(o));
  if (sched.program !== p.id) {
    throw new UsageError(
      `schedule is for '${sched.program}', not '${p.id}' (another scenario, or other --hpage-nr/--no-debug-vm options)`,
    );
  }
  const t0 = Date.now();
  const r = runExecution(p, new ReplayStrategy(sched.choices));
  if (r.traceHash !== sched.check && r.verdict !== "model-error") {
    throw new UsageError(
      "replay diverged from the recorded execution (the schedule's check does not match): other patches, a changed model, or a nondeterministic model",
    );
  }
  const failing = r.verdict === "completed" ? null : r;
  const report = reportExecution(
    p,
    "replay",
    failing,
    {
      outcome: failing === null ? "ok" : r.verdict === "model-error" ? "model-error" : "bug",
      executions: 1,
      steps: r.steps,
      exhaustive: false,
      terminalStates: new Set(r.finalState === null ? [] : [r.finalState]),
      coverage: "replay of one recorded execution",
    },
    "replay",
    Date.now() - t0,
  );
  print(report, o);
  process.exitCode = exitFor(report);
}
