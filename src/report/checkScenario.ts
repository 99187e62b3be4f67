/**
 * Checks one scenario under one configuration: search with the chosen strategy, shrink the first failure
 * to the fewest preemptions and steps, record its trace, and render the oops and the narrative.
 */
import { UsageError } from "../engine/errors.js";
import type { ExecutionResult } from "../engine/result.js";
import { failureKey, type RunOptions, type RunResult, run, wantedAt } from "../engine/runner.js";
import { encodeSchedule } from "../engine/schedule.js";
import { type ShrinkProgress, shrink } from "../engine/shrink.js";
import { Hash64 } from "../engine/state/hash64.js";
import { countTraces } from "../engine/state/traceCount.js";
import { DfsStrategy } from "../engine/strategy/dfs.js";
import { DporStrategy } from "../engine/strategy/dpor.js";
import { PctStrategy } from "../engine/strategy/pct.js";
import { PosStrategy } from "../engine/strategy/pos.js";
import { RandomStrategy } from "../engine/strategy/random.js";
import { StatefulStrategy } from "../engine/strategy/stateful.js";
import type { Strategy } from "../engine/strategy/strategy.js";
import { recordTrace } from "../engine/trace.js";
import { buildId } from "../scenarios/buildId.js";
import { makeProgram, type RunConfig, type ScenarioProgram } from "../scenarios/program.js";
import type { Scenario } from "../scenarios/types.js";
import { buildNarrative } from "./narrative.js";
import { renderOops } from "./oops.js";
import { type BugReport, type CheckReport, SCHEMA_VERSION, type SearchStats } from "./types.js";

/** Executions random and PCT search run when no budget is given. */
const DEFAULT_RANDOM_BUDGET = 10_000;

/** The execution budget of a check: as given, else none for DFS (it ends by itself), else 10,000. */
export function executionBudget(o: CheckOptions): number | undefined {
  const s = o.strategy ?? DEFAULT_STRATEGY;
  return o.maxExecutions ?? (s === "dfs" || s === "stateful" || s === "dpor" ? undefined : DEFAULT_RANDOM_BUDGET);
}

export const STRATEGIES = ["stateful", "dfs", "dpor", "pos", "pct", "random"] as const;
/** What `check` uses unless told: exhaustive, so that "no bug" means no reachable state has one. */
export const DEFAULT_STRATEGY = "stateful";
export type StrategyName = (typeof STRATEGIES)[number];

export interface CheckOptions extends RunConfig {
  readonly strategy?: StrategyName;
  /** DFS preemption bound (default 3). */
  readonly preemptions?: number;
  readonly seed?: number;
  /** PCT depth (default 3). */
  readonly depth?: number;
  readonly maxExecutions?: number;
  /** Stateful search: stop after this many distinct states (not exhaustive). */
  readonly maxStates?: number;
  /** Add terminalStateHashes to the report. */
  readonly listStates?: boolean;
  /** Count the scenario's Mazurkiewicz traces (a second, unreduced stateful search). */
  readonly countTraces?: boolean;
  readonly timeMs?: number;
  /** Skip shrinking (faster first answer). */
  readonly noShrink?: boolean;
  /**
   * Only a failure at this site (`file:line`, or a verdict such as `deadlock`) counts: the search goes on
   * past others, and reports the first one here (or none: the site is not reached within the bounds).
   */
  readonly site?: string;
  /** Resume the search from this checkpoint file if it exists; save it there as the search goes. */
  readonly checkpoint?: string;
  /** Seconds between checkpoint saves (default: the runner's, 60). */
  readonly checkpointEverySeconds?: number;
  /** With several workers (`check --jobs`): steps from the start to the frontier dealt out among them. */
  readonly splitDepth?: number;
  /** Wall-time budget for shrinking, ms (default 10 s: long executions at HPAGE_PMD_NR=512 shrink slowly). */
  readonly shrinkTimeMs?: number;
  readonly onProgress?: RunOptions["onProgress"];
  /** Told when a failure found is about to be shrunk, and how the shrink goes (the CLI's progress lines). */
  readonly onShrink?: ShrinkHooks;
}

/** What a check says of its shrink while it runs. */
export interface ShrinkHooks {
  /** The search found `failing` after `executions` executions; the shrink starts. */
  found(failing: ExecutionResult, executions: number): void;
  progress(p: ShrinkProgress): void;
}

export function makeStrategy(o: CheckOptions): Strategy {
  const name = o.strategy ?? DEFAULT_STRATEGY;
  switch (name) {
    case "dfs":
      return new DfsStrategy(o.preemptions ?? 3);
    case "random":
      return new RandomStrategy(o.seed ?? 1);
    case "pct":
      return new PctStrategy(o.seed ?? 1, o.depth ?? 3);
    case "stateful":
      return new StatefulStrategy({ maxStates: o.maxStates });
    case "dpor":
      return new DporStrategy({ preemptions: o.preemptions });
    case "pos":
      return new PosStrategy(o.seed ?? 1);
    default:
      throw new UsageError(`unknown strategy '${String(name)}' (known: ${STRATEGIES.join(", ")})`);
  }
}

/** The `mmrace replay` line that reproduces a run. */
export function replayCommand(p: ScenarioProgram, schedule: string): string {
  const parts = ["mmrace replay", p.scenario.path ?? p.scenario.name, schedule];
  if (p.config.HPAGE_PMD_NR !== (p.scenario.hpageNr ?? 4)) parts.push(`--hpage-nr ${p.config.HPAGE_PMD_NR}`);
  if (!p.config.DEBUG_VM) parts.push("--no-debug-vm");
  for (const x of p.patches) parts.push(`--patch ${x}`);
  return parts.join(" ");
}

/** Builds the report of one failing (or clean) execution of a program. */
export function reportExecution(
  p: ScenarioProgram,
  command: string,
  failing: ExecutionResult | null,
  run: Pick<RunResult, "outcome" | "executions" | "steps" | "exhaustive" | "terminalStates" | "coverage">,
  strategy: string,
  elapsedMs: number,
  search: SearchStats | null = null,
  fewestPreemptions: boolean | null = null,
): CheckReport {
  let bug: BugReport | null = null;
  let schedule: string | null = null;
  let oops: string | null = null;
  let narrative: CheckReport["narrative"] = null;
  if (failing !== null) {
    schedule = encodeSchedule({ program: p.id, choices: failing.choices, check: failing.traceHash });
    const trace = recordTrace(p, failing.choices);
    narrative = buildNarrative(p.scenario, trace);
    oops = renderOops(p.scenario, failing);
    const b = failing.bug;
    bug = {
      site: b === null ? failing.verdict : `${b.site.file}:${b.site.line}`,
      condition: b === null ? (failing.error ?? failing.verdict) : b.condition,
      kind: b === null ? failing.verdict : b.kind,
      thread: b === null ? -1 : b.thread,
      threadName: b === null || b.thread < 0 ? null : (p.scenario.threads[b.thread]?.name ?? null),
      message: b === null ? (failing.error ?? failing.verdict) : b.message,
      stacks: failing.stacks,
    };
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    command,
    scenario: p.scenario.name,
    result: run.outcome,
    bug: failing?.verdict === "model-error" ? null : bug,
    schedule,
    replay: schedule === null ? null : replayCommand(p, schedule),
    preemptions: failing?.preemptions ?? null,
    fewestPreemptions: failing === null || failing.verdict === "model-error" ? null : fewestPreemptions,
    executions: run.executions,
    steps: run.steps,
    exhaustive: run.exhaustive,
    terminalStates: run.terminalStates.size,
    strategy,
    coverage: run.coverage,
    config: {
      HPAGE_PMD_NR: p.config.HPAGE_PMD_NR,
      DEBUG_VM: p.config.DEBUG_VM,
      XA_CHUNK_SHIFT: p.config.XA_CHUNK_SHIFT,
    },
    patches: p.patches,
    elapsedMs,
    oops,
    narrative,
    error: failing?.verdict === "model-error" ? failing.error : null,
    search,
  };
}

/** The stateful search's figures, or null for other strategies. */
export function searchStats(strategy: Strategy): SearchStats | null {
  if (!(strategy instanceof StatefulStrategy)) return null;
  return {
    states: strategy.states,
    transitions: strategy.transitions,
    depth: strategy.maxDepth,
    collisionProbability: strategy.collisionProbability(),
    bytesPerState: Math.round(strategy.bytesPerState() * 10) / 10,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    pendingBranches: strategy.pendingBranches(),
  };
}

/** Adds the scenario's trace count: how many executions an optimal stateless DPOR would need. */
function withTraceCount(report: CheckReport, p: ScenarioProgram): CheckReport {
  const t0 = Date.now();
  const c = countTraces(
    makeProgram(p.scenario, { hpageNr: p.config.HPAGE_PMD_NR, debugVm: p.config.DEBUG_VM, patches: p.patches }),
  );
  const traces = c.traces === null ? null : c.traces.toString();
  const what = !c.complete
    ? `trace count not computed: more than ${c.states} states without reductions`
    : traces === null
      ? "infinitely many Mazurkiewicz traces (the state graph has a cycle)"
      : `${traces} Mazurkiewicz traces: an optimal stateless DPOR would run that many executions`;
  return {
    ...report,
    traces,
    coverage: `${report.coverage}; ${what} (${Date.now() - t0} ms)`,
    elapsedMs: report.elapsedMs + (Date.now() - t0),
  };
}

/** 64-bit hashes (16 hex digits) of final-state texts, sorted: comparable across runs and tools. */
export function terminalStateHashes(states: Iterable<string>): string[] {
  const h = new Hash64();
  const out: string[] = [];
  for (const text of states) {
    h.reset();
    for (let i = 0; i < text.length; i++) h.word(text.charCodeAt(i));
    h.finish();
    out.push(h.hi.toString(16).padStart(8, "0") + h.lo.toString(16).padStart(8, "0"));
  }
  return out.sort();
}

/** `mmrace check`: search, shrink, report. */
export function checkScenario(s: Scenario, o: CheckOptions = {}): CheckReport {
  const t0 = Date.now();
  const p = makeProgram(s, o);
  const strategy = makeStrategy(o);
  const budget = executionBudget(o);
  const site = o.site;
  const r = run(p, strategy, {
    maxExecutions: budget,
    timeMs: o.timeMs,
    onProgress: o.onProgress,
    checkpoint: checkpointOptions(p, strategy, o),
    wanted: wantedAt(site),
  });
  const { failing, fewest } = shrinkFailure(p, r.first, o, strategy.name === "dfs", r.executions);
  const run_ = site === undefined ? r : { ...r, coverage: `${r.coverage}${siteNote(site, r)}` };
  const ms = Date.now() - t0;
  const report = reportExecution(p, "check", failing, run_, strategy.name, ms, searchStats(strategy), fewest);
  return withAsked(o.countTraces === true ? withTraceCount(report, p) : report, o, r.terminalStates);
}

/** A check's report with what its options add: the site it looked for, the final states' hashes. */
export function withAsked(report: CheckReport, o: CheckOptions, terminalStates: Iterable<string>): CheckReport {
  const withSite = o.site === undefined ? report : { ...report, site: o.site };
  return o.listStates === true ? { ...withSite, terminalStateHashes: terminalStateHashes(terminalStates) } : withSite;
}

/** What a `--site` search says about the failures it went past. */
export function siteNote(site: string, r: Pick<RunResult, "failureSites">): string {
  const others = [...r.failureSites].filter(([k]) => k !== site);
  if (others.length === 0) return `; looking for failures at ${site} only`;
  const list = others.map(([k, n]) => `${k} ×${n}`).join(", ");
  return `; looking for failures at ${site} only (went past others: ${list})`;
}

/** Where and under which identity the search checkpoints, if asked to. */
function checkpointOptions(p: ScenarioProgram, strategy: Strategy, o: CheckOptions): RunOptions["checkpoint"] {
  if (o.checkpoint === undefined) return undefined;
  const options =
    strategy instanceof StatefulStrategy
      ? ` sleep-sets=${strategy.sleepSets} symmetry=${strategy.symmetry} local-steps=${strategy.localSteps}`
      : "";
  return checkpointFor(p, o.checkpoint, o, `${strategy.name}${options}`);
}

/** A checkpoint at `path` of a search of `p` by `strategy` (its name and every option that shapes it). */
export function checkpointFor(
  p: ScenarioProgram,
  path: string,
  o: CheckOptions,
  strategy: string,
): NonNullable<RunOptions["checkpoint"]> {
  const patches = [...new Set(p.patches)].sort().join(",");
  return {
    path,
    everyMs: o.checkpointEverySeconds === undefined ? undefined : o.checkpointEverySeconds * 1000,
    identity: { program: `${p.id} patches=[${patches}]`, strategy, build: buildId(p.scenario.path) },
  };
}

/**
 * The shrink's budgets: executions, and wall time unless `shrinkTimeMs` says otherwise. The time is what
 * usually ends a long proof; the execution cap only keeps a cheap one from running on (a proof that
 * Hugh's deletions' filemap.c:311 needs 6 preemptions takes ~28,000 short executions, bench/RESULTS.md §14).
 */
export const SHRINK_EXECUTIONS = 100_000;
export const SHRINK_TIME_MS = 10_000;

/**
 * Shrinks a failure found by a search to the fewest preemptions, then steps, within SHRINK_EXECUTIONS
 * and `o.shrinkTimeMs` (10 s by default). A model error, no failure, or `o.noShrink` comes back unchanged.
 * `provenMinimal`: the failure came from iterative DFS, so its preemptions need no proof.
 * `fewest`: whether no failure at its site has fewer preemptions (CheckReport.fewestPreemptions).
 */
export function shrinkFailure(
  p: ScenarioProgram,
  failing: ExecutionResult | null,
  o: CheckOptions,
  provenMinimal: boolean,
  searchExecutions: number,
): { failing: ExecutionResult | null; fewest: boolean | null } {
  if (failing === null || failing.verdict === "model-error" || o.noShrink === true) return { failing, fewest: null };
  o.onShrink?.found(failing, searchExecutions);
  const s = shrink(p, failing, {
    maxExecutions: SHRINK_EXECUTIONS,
    timeMs: o.shrinkTimeMs ?? SHRINK_TIME_MS,
    provenMinimal,
    onProgress: o.onShrink?.progress,
  });
  return { failing: s.result, fewest: s.minimalPreemptions };
}
