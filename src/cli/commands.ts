/**
 * The commands' bodies: parse options into a run, print text or JSON, and return the exit code
 * (0 no bug found, 1 bug found, 2 usage or input error, 3 model error).
 */
import { accessSync, constants, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "../engine/errors.js";
import { runExecution } from "../engine/execution.js";
import type { ExecutionResult } from "../engine/result.js";
import { decodeSchedule, type Schedule } from "../engine/schedule.js";
import { ReplayStrategy } from "../engine/strategy/replay.js";
import { type RecordedTrace, recordTrace } from "../engine/trace.js";
import { PATCH_SETS, PATCHES, resolvePatches } from "../kernel/patches/index.js";
import { checkScenarioParallel } from "../report/checkParallel.js";
import {
  type CheckOptions,
  checkScenario,
  DEFAULT_STRATEGY,
  executionBudget,
  reportExecution,
  SHRINK_EXECUTIONS,
  SHRINK_TIME_MS,
  type StrategyName,
} from "../report/checkScenario.js";
import { renderViewer } from "../report/html.js";
import { buildNarrative, type NarrativeItem, renderNarrative } from "../report/narrative.js";
import { renderReport } from "../report/text.js";
import { type CheckReport, SCHEMA_VERSION } from "../report/types.js";
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO, findScenario, type Scenario } from "../scenarios/index.js";
import { makeProgram, type ScenarioProgram } from "../scenarios/program.js";
import { makeProgress, makeShrinkProgress, type Progress } from "./progress.js";
import { renderSteps, type StepJson, stepsJson } from "./steps.js";
import { decorate, terminalFor } from "./terminal.js";

/** Exit codes of every command. */
export const EXIT = { ok: 0, bug: 1, usage: 2, modelError: 3 } as const;

export interface CliOptions {
  patch?: string[];
  debugVm?: boolean;
  hpageNr?: number;
  json?: boolean;
  quiet?: boolean;
  /** List every step instead of the condensed narrative (check, replay, explain). */
  steps?: boolean;
  strategy?: string;
  preemptions?: number;
  seed?: number;
  /** stress: worker threads, one seed each. */
  jobs?: number;
  splitDepth?: number;
  depth?: number;
  maxExecutions?: number;
  /** Stateful search: stop after this many distinct states. */
  maxStates?: number;
  /** Add the sorted hashes of the distinct final states to --json output. */
  listStates?: boolean;
  /** Also count the scenario's Mazurkiewicz traces. */
  countTraces?: boolean;
  time?: number;
  /** Stateful search: resume from and save to this file. */
  checkpoint?: string;
  checkpointEvery?: number;
  /** `--no-shrink`: report the first failure found as is. */
  shrink?: boolean;
  /** `--site FILE:LINE`: only a failure there counts. */
  site?: string;
  /** check, replay: also write the HTML viewer of the counterexample to this file. */
  html?: string;
  /** Let --html overwrite an existing file. */
  force?: boolean;
  /** `--no-links`: no terminal hyperlinks on kernel sites. */
  links?: boolean;
}

/** `mmrace explain --json`: the interleaving of one schedule, without the oops. */
export interface ExplainReport {
  readonly schemaVersion: number;
  readonly command: "explain";
  readonly scenario: string;
  readonly schedule: string;
  readonly result: CheckReport["result"];
  /** `file:line` of the bug the execution ends in, or null. */
  readonly site: string | null;
  readonly narrative: readonly NarrativeItem[];
  /** Every step, with `--steps`; else null. */
  readonly trace: readonly StepJson[] | null;
}

/** The exit code of a result: 1 for a bug, 3 for a model error, else 0 (an incomplete search found none). */
export function exitFor(result: CheckReport["result"]): number {
  switch (result) {
    case "bug":
      return EXIT.bug;
    case "model-error":
      return EXIT.modelError;
    default:
      return EXIT.ok;
  }
}

/** Runs one command and returns its exit code; bad input throws a UsageError. */
export function runCommand(name: string, args: readonly (string | undefined)[], o: CliOptions): number {
  switch (name) {
    case "list":
      return list(o);
    case "check":
      return check(args[0] ?? DEFAULT_SCENARIO, o);
    case "replay":
      return replay(args[0] as string, args[1] as string, o);
    case "explain":
      return explain(args[0] as string, args[1] as string, o);
    default:
      throw new UsageError(`unknown command '${name}'`);
  }
}

// ===== output =====

export function write(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Writes a text report, with colour and links when stdout is a terminal that takes them. */
export function writeText(text: string, o: CliOptions): void {
  write(decorate(terminalFor(o), text));
}

export function verdictLine(scenario: string, result: CheckReport["result"], site: string | null, kind: string | null) {
  return `${scenario}: ${site === null ? result : `${result}: ${kind ?? "?"} at ${site}`}`;
}

/** The text report, with the condensed narrative replaced by every step when `steps` is given. */
function reportText(r: CheckReport, steps: string | null): string {
  const text = renderReport(r);
  if (steps === null) return text;
  const condensed = r.narrative === null || r.narrative.length === 0 ? "" : renderNarrative(r.narrative);
  const at = condensed === "" ? -1 : text.indexOf(condensed);
  if (at >= 0) return text.slice(0, at) + steps + text.slice(at + condensed.length);
  return `${text}\n\nSteps:\n${steps}`;
}

function print(r: CheckReport, s: Scenario, trace: RecordedTrace | null, o: CliOptions): void {
  if (o.json === true) {
    write(JSON.stringify(trace === null ? r : { ...r, trace: stepsJson(s, trace) }, null, 2));
  } else if (o.quiet === true) {
    writeText(verdictLine(r.scenario, r.result, r.bug?.site ?? null, r.bug?.kind ?? null), o);
  } else {
    writeText(reportText(r, trace === null ? null : renderSteps(s, trace)), o);
  }
}

// ===== list =====

function list(o: CliOptions): number {
  if (o.json === true) {
    const data = {
      scenarios: BUILTIN_SCENARIOS.map((s) => ({ name: s.name, summary: s.summary })),
      patches: PATCHES.map((p) => ({ name: p.name, title: p.title, commit: p.commit, landed: p.landed })),
      patchSets: PATCH_SETS,
    };
    write(JSON.stringify(data, null, 2));
    return EXIT.ok;
  }
  const out = ["Scenarios:"];
  for (const s of BUILTIN_SCENARIOS) out.push(`  ${s.name.padEnd(26)} ${s.summary}`);
  out.push("", "Patches:");
  for (const p of PATCHES) {
    out.push(`  ${p.name.padEnd(38)} ${p.commit ?? "(proposed)"}  ${p.title}`);
  }
  out.push("", "Patch sets:");
  for (const [k, v] of Object.entries(PATCH_SETS)) out.push(`  ${k.padEnd(38)} ${v.join(" + ")}`);
  writeText(out.join("\n"), o);
  return EXIT.ok;
}

// ===== check =====

function checkOptions(o: CliOptions): CheckOptions {
  if (o.checkpointEvery !== undefined && o.checkpoint === undefined) {
    throw new UsageError("--checkpoint-every needs --checkpoint <file>");
  }
  return {
    hpageNr: o.hpageNr,
    debugVm: o.debugVm,
    patches: resolvePatches(o.patch ?? []),
    strategy: (o.strategy ?? DEFAULT_STRATEGY) as StrategyName,
    preemptions: o.preemptions,
    seed: o.seed,
    depth: o.depth,
    maxExecutions: o.maxExecutions,
    maxStates: o.maxStates,
    listStates: o.listStates,
    countTraces: o.countTraces,
    timeMs: o.time === undefined ? undefined : o.time * 1000,
    noShrink: o.shrink === false,
    site: o.site,
    checkpoint: o.checkpoint,
    checkpointEverySeconds: o.checkpointEvery,
    splitDepth: o.splitDepth,
  };
}

/** Whether the output shows every step (quiet output shows none). */
function wantSteps(o: CliOptions): boolean {
  return o.steps === true && o.quiet !== true;
}

function check(scenarioName: string, o: CliOptions): number {
  const { s, co, target, progress } = checkSetup(scenarioName, o);
  let r: CheckReport;
  try {
    r = checkScenario(s, co);
  } finally {
    progress?.stop();
  }
  return checkOutput(r, s, co, target, o);
}

/** `check --jobs N` (N > 1): the stateful search on N worker threads sharing its table (checkParallel.ts). */
export async function checkParallelCommand(scenarioName: string | undefined, o: CliOptions): Promise<number> {
  const jobs = o.jobs ?? 1;
  if (o.splitDepth !== undefined && jobs <= 1) throw new UsageError("--split-depth is for --jobs 2 or more");
  if (jobs <= 1) return check(scenarioName ?? DEFAULT_SCENARIO, o);
  if ((o.strategy ?? DEFAULT_STRATEGY) !== "stateful") {
    throw new UsageError("--jobs is for the stateful search (--strategy stateful, the default)");
  }
  if (o.countTraces === true) throw new UsageError("--count-traces needs --jobs 1");
  if (o.maxExecutions !== undefined) {
    throw new UsageError("--max-executions needs --jobs 1 (with --jobs, bound the search by --time or --max-states)");
  }
  const { s, co, target, progress } = checkSetup(scenarioName ?? DEFAULT_SCENARIO, o);
  let r: CheckReport;
  try {
    r = await checkScenarioParallel(s, jobs, co);
  } finally {
    progress?.stop();
  }
  return checkOutput(r, s, co, target, o);
}

/** What a check needs before it searches: the scenario, its options, the viewer's path, the progress bar. */
function checkSetup(scenarioName: string, o: CliOptions) {
  const s = findScenario(scenarioName);
  const co0 = checkOptions(o);
  const target = o.html === undefined ? null : htmlTarget(o.html, o.force === true);
  const search = makeProgress(o, `${s.name} (${co0.strategy})`, executionBudget(co0), co0.timeMs);
  const shrinkBudget = { executions: SHRINK_EXECUTIONS, timeMs: co0.shrinkTimeMs ?? SHRINK_TIME_MS };
  const shrinking = makeShrinkProgress(o, s.name, Date.now(), shrinkBudget, search);
  const co: CheckOptions = { ...co0, onProgress: search?.onProgress, onShrink: shrinking ?? undefined };
  const progress: Progress | null =
    search === null && shrinking === null
      ? null
      : {
          onProgress: search?.onProgress ?? (() => {}),
          stop: () => {
            search?.stop();
            shrinking?.stop();
          },
        };
  return { s, co, target, progress };
}

/** Prints a check's report (and writes its viewer); returns the exit code. */
function checkOutput(r: CheckReport, s: Scenario, co: CheckOptions, target: string | null, o: CliOptions): number {
  const trace =
    wantSteps(o) && r.schedule !== null ? recordTrace(makeProgram(s, co), decodeSchedule(r.schedule).choices) : null;
  if (target !== null) {
    if (r.schedule === null) {
      process.stderr.write(`viewer: no bug found, so no viewer was written (${o.html})\n`);
    } else {
      const choices = decodeSchedule(r.schedule).choices;
      writeViewer(target, o, makeProgram(s, co), choices, r.schedule, "check");
    }
  }
  print(r, s, trace, o);
  return exitFor(r.result);
}

// ===== --html =====

/** A file-system error as a few words. */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOTDIR":
      return "a component of the path is not a directory";
    case "EISDIR":
      return "is a directory";
    case "EEXIST":
      return "file exists (use --force to overwrite)";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Checks, before any search runs, that the viewer can be written to `file`: its directory exists and is
 * writable, and the file does not exist (or `force` is given and it is a writable file). Returns the
 * absolute path; a problem is a UsageError (`cannot write FILE: ...`, exit 2).
 */
export function htmlTarget(file: string, force: boolean): string {
  const fail = (why: string) => new UsageError(`cannot write ${file}: ${why}`);
  const path = resolve(file);
  let exists = true;
  try {
    if (statSync(path).isDirectory()) throw fail("is a directory");
  } catch (e) {
    if (UsageError.is(e)) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw fail(reason(e));
    exists = false;
  }
  if (exists) {
    if (!force) throw fail("file exists (use --force to overwrite)");
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      throw fail(reason(e));
    }
    return path;
  }
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw fail(`${dirname(file)} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (UsageError.is(e)) throw e;
    throw fail((e as NodeJS.ErrnoException).code === "ENOENT" ? `no such directory ${dirname(file)}` : reason(e));
  }
  return path;
}

/** Renders the viewer of `choices` and writes it (never over an existing file without --force). */
export function writeViewer(
  path: string,
  o: CliOptions,
  program: ScenarioProgram,
  choices: readonly number[],
  schedule: string,
  command: string,
): void {
  const html = renderViewer({ program, choices, schedule, command });
  try {
    writeFileSync(path, html, { flag: o.force === true ? "w" : "wx" });
  } catch (e) {
    throw new UsageError(`cannot write ${o.html ?? path}: ${reason(e)}`);
  }
  process.stderr.write(`viewer: wrote ${o.html ?? path} (${choices.length} steps)\n`);
}

// ===== replay and explain =====

interface Loaded {
  readonly s: Scenario;
  readonly p: ScenarioProgram;
  readonly sched: Schedule;
}

/** Parses a scenario and a schedule string and checks that the schedule belongs to that program. */
function load(scenarioName: string, text: string, o: CliOptions): Loaded {
  const s = findScenario(scenarioName);
  const sched = decodeSchedule(text);
  const p = makeProgram(s, checkOptions(o));
  if (sched.program !== p.id) {
    throw new UsageError(
      `schedule is for '${sched.program}', not '${p.id}' (another scenario, or other --hpage-nr/--no-debug-vm options)`,
    );
  }
  return { s, p, sched };
}

/** Refuses a replay that went elsewhere than the recorded execution, or stopped before the schedule's end. */
function checkReplayed(r: ExecutionResult, sched: Schedule): void {
  if (r.verdict === "model-error") return;
  if (r.traceHash !== sched.check) {
    throw new UsageError(
      "replay diverged from the recorded execution (the schedule's check does not match): other patches, a changed model, or a nondeterministic model",
    );
  }
  if (r.steps < sched.choices.length) {
    throw new UsageError(
      `schedule has ${sched.choices.length} steps but the execution ended after ${r.steps} (extra steps at its end)`,
    );
  }
}

/** What one execution amounts to, as a report result. */
function outcomeOf(r: ExecutionResult): CheckReport["result"] {
  if (r.verdict === "completed") return "ok";
  return r.verdict === "model-error" ? "model-error" : "bug";
}

function replay(scenarioName: string, text: string, o: CliOptions): number {
  const { s, p, sched } = load(scenarioName, text, o);
  const target = o.html === undefined ? null : htmlTarget(o.html, o.force === true);
  const t0 = Date.now();
  const r = runExecution(p, new ReplayStrategy(sched.choices));
  checkReplayed(r, sched);
  const failing = r.verdict === "completed" ? null : r;
  const report = reportExecution(
    p,
    "replay",
    failing,
    {
      outcome: outcomeOf(r),
      executions: 1,
      steps: r.steps,
      exhaustive: false,
      terminalStates: new Set(r.finalState === null ? [] : [r.finalState]),
      coverage: "replay of one recorded execution",
    },
    "replay",
    Date.now() - t0,
  );
  const trace = wantSteps(o) ? recordTrace(p, sched.choices) : null;
  if (target !== null) writeViewer(target, o, p, sched.choices, text.trim(), "replay");
  print(report, s, trace, o);
  return exitFor(report.result);
}

function explain(scenarioName: string, text: string, o: CliOptions): number {
  const { s, p, sched } = load(scenarioName, text, o);
  const trace = recordTrace(p, sched.choices);
  const r = trace.result;
  checkReplayed(r, sched);
  const result = outcomeOf(r);
  const site = r.bug === null ? null : `${r.bug.site.file}:${r.bug.site.line}`;
  const narrative = buildNarrative(s, trace);
  if (o.json === true) {
    const report: ExplainReport = {
      schemaVersion: SCHEMA_VERSION,
      command: "explain",
      scenario: s.name,
      schedule: text.trim(),
      result,
      site,
      narrative,
      trace: o.steps === true ? stepsJson(s, trace) : null,
    };
    write(JSON.stringify(report, null, 2));
  } else if (o.quiet === true) {
    writeText(verdictLine(s.name, result, site, r.bug?.kind ?? null), o);
  } else {
    const body = o.steps === true ? renderSteps(s, trace) : renderNarrative(narrative);
    writeText(`${body}\n${endLine(r)}`, o);
  }
  return exitFor(result);
}

/** How an explained execution ends, in one line. */
function endLine(r: ExecutionResult): string {
  if (r.bug !== null) return `Ends in: ${r.bug.message} (${r.bug.kind}: ${r.bug.condition})`;
  if (r.verdict === "model-error") return `Ends in: model error: ${r.error ?? "?"}`;
  return r.verdict === "completed" ? "Ends: every thread finished, no bug." : `Ends in: ${r.verdict}`;
}
