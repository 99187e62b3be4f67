/**
 * `mmrace stress`: random or PCT search of a stress workload at the real THP size (HPAGE_PMD_NR = 512)
 * until a time or execution budget runs out. Unlike check it does not stop at the first failure: it
 * counts failing executions by site and keeps the first counterexample of each, then shrinks and explains
 * the run's first failure the way check does.
 */

import type { ExecutionResult } from "../engine/result.js";
import { failureKey, type RunProgress, type RunResult, run } from "../engine/runner.js";
import { encodeSchedule } from "../engine/schedule.js";
import type { StateProbe } from "../engine/state/probe.js";
import type { Strategy } from "../engine/strategy/strategy.js";
import { makeProgram, type ScenarioProgram } from "../scenarios/program.js";
import type { Scenario } from "../scenarios/types.js";
import { type CheckOptions, makeStrategy, replayCommand, reportExecution, shrinkFailure } from "./checkScenario.js";
import { renderReportBody } from "./text.js";
import type { SiteCount, StressReport } from "./types.js";

/** The workload stress runs when none is named: stress_madvise_dso.c. */
export const STRESS_SCENARIO = "stress-madvise-dso";

/** HPAGE_PMD_NR of a stress run unless --hpage-nr says otherwise: the x86-64 value. */
export const STRESS_HPAGE_NR = 512;

/** The time budget of a stress run given neither a time nor an execution budget. */
export const STRESS_DEFAULT_TIME_MS = 60_000;

export const STRESS_STRATEGIES = ["pct", "random"] as const;

/** Running totals of a stress run, about every 100 ms. */
export interface StressProgress extends RunProgress {
  /** Executions that failed so far (RunProgress.failures counts distinct sites). */
  readonly failedExecutions: number;
}

export interface StressOptions extends Omit<CheckOptions, "strategy" | "preemptions" | "onProgress"> {
  /** Default pct. */
  readonly strategy?: (typeof STRESS_STRATEGIES)[number];
  readonly onProgress?: (p: StressProgress) => void;
}

/** The budget a stress run gets: as given, else STRESS_DEFAULT_TIME_MS of wall time. */
export function stressBudget(o: Pick<StressOptions, "timeMs" | "maxExecutions">): StressReport["budget"] {
  if (o.timeMs === undefined && o.maxExecutions === undefined) {
    return { timeMs: STRESS_DEFAULT_TIME_MS, maxExecutions: null };
  }
  return { timeMs: o.timeMs ?? null, maxExecutions: o.maxExecutions ?? null };
}

/**
 * A strategy that passes everything through to another and keeps, for each failure site, the first
 * execution that failed there (the runner keeps only the run's first). The time budget is the runner's
 * (it reads the clock after every execution).
 */
class FirstPerSite implements Strategy {
  readonly first = new Map<string, { readonly r: ExecutionResult; readonly execution: number }>();
  executions = 0;
  failed = 0;

  constructor(private readonly inner: Strategy) {}

  get name(): string {
    return this.inner.name;
  }
  get exhausted(): boolean {
    return this.inner.exhausted;
  }
  newExecution(): boolean {
    return this.inner.newExecution();
  }
  nextThread(enabled: readonly number[], current: number, state: StateProbe): number {
    return this.inner.nextThread(enabled, current, state);
  }
  endExecution(r: ExecutionResult): void {
    this.inner.endExecution(r);
    this.executions++;
    if (r.verdict === "completed" || r.verdict === "pruned") return;
    this.failed++;
    const key = failureKey(r);
    if (!this.first.has(key)) this.first.set(key, { r, execution: this.executions });
  }
  describe(): string {
    return this.inner.describe();
  }
}

/** What one stress search saw: plain data, so a worker thread can send it back (stressParallel.ts). */
export interface StressSearch {
  readonly seed: number;
  readonly executions: number;
  readonly steps: number;
  readonly failed: number;
  readonly terminalStates: readonly string[];
  /** Failing executions by site. */
  readonly failureSites: readonly (readonly [string, number])[];
  /** The first failing execution at each site, and its number (1 = this search's first execution). */
  readonly firstPerSite: readonly (readonly [string, { readonly r: ExecutionResult; readonly execution: number }])[];
  readonly first: ExecutionResult | null;
  readonly outcome: RunResult["outcome"];
  readonly exhaustive: boolean;
  readonly coverage: string;
  readonly elapsedMs: number;
}

/** The stress search of `s` alone (no shrinking, no report). */
export function stressSearch(s: Scenario, o: StressOptions = {}): StressSearch {
  const p = makeProgram(s, { ...o, hpageNr: o.hpageNr ?? STRESS_HPAGE_NR });
  const { onProgress, ...co } = o;
  const budget = stressBudget(o);
  const strategy = new FirstPerSite(makeStrategy({ ...co, strategy: o.strategy ?? "pct" }));
  const r = run(p, strategy, {
    stopOnFailure: false,
    maxExecutions: budget.maxExecutions ?? undefined,
    timeMs: budget.timeMs ?? undefined,
    onProgress: onProgress === undefined ? undefined : (x) => onProgress({ ...x, failedExecutions: strategy.failed }),
  });
  return {
    seed: o.seed ?? 1,
    executions: r.executions,
    steps: r.steps,
    failed: strategy.failed,
    terminalStates: [...r.terminalStates],
    failureSites: [...r.failureSites],
    firstPerSite: [...strategy.first],
    first: r.first,
    outcome: r.outcome,
    exhaustive: r.exhaustive,
    coverage: r.coverage,
    elapsedMs: r.elapsedMs,
  };
}

/** Runs a stress search of `s` and reports it (see StressReport). */
export function stressScenario(s: Scenario, o: StressOptions = {}): StressReport {
  const t0 = Date.now();
  return stressReport(s, o, [stressSearch(s, o)], t0);
}

/**
 * The report of one or more stress searches of `s` run side by side (one per seed): their counts added
 * up; the first failure explained is the lowest seed's first, as is the first counterexample of each site.
 */
export function stressReport(
  s: Scenario,
  o: StressOptions,
  searches: readonly StressSearch[],
  t0: number,
): StressReport {
  const p = makeProgram(s, { ...o, hpageNr: o.hpageNr ?? STRESS_HPAGE_NR });
  const { onProgress: _progress, ...co } = o;
  const bySeed = [...searches].sort((a, b) => a.seed - b.seed);
  const sum = (f: (x: StressSearch) => number): number => bySeed.reduce((n, x) => n + f(x), 0);
  const sitesCount = new Map<string, number>();
  const firstAt = new Map<string, { r: ExecutionResult; execution: number; seed: number }>();
  for (const x of bySeed) {
    for (const [key, n] of x.failureSites) sitesCount.set(key, (sitesCount.get(key) ?? 0) + n);
    for (const [key, f] of x.firstPerSite) if (!firstAt.has(key)) firstAt.set(key, { ...f, seed: x.seed });
  }
  const first = bySeed.find((x) => x.first !== null)?.first ?? null;
  const searchMs = Math.max(...bySeed.map((x) => x.elapsedMs));
  const executions = sum((x) => x.executions);
  const coverage =
    bySeed.length === 1
      ? (bySeed[0] as StressSearch).coverage
      : `${bySeed.length} worker threads (seeds ${bySeed[0]?.seed}–${bySeed[bySeed.length - 1]?.seed}); seed ${bySeed[0]?.seed}'s search: ${bySeed[0]?.coverage}`;
  const runLike = {
    // The runner's outcome of the search whose failure is explained (any of them if none failed).
    outcome: (bySeed.find((x) => x.first !== null) ?? (bySeed[0] as StressSearch)).outcome,
    executions,
    steps: sum((x) => x.steps),
    exhaustive: bySeed.every((x) => x.exhaustive),
    terminalStates: new Set(bySeed.flatMap((x) => x.terminalStates)),
    coverage,
  } as const;
  const { failing, fewest } = shrinkFailure(p, first, co, false, executions);
  const strategyName = o.strategy ?? "pct";
  const report = reportExecution(p, "stress", failing, runLike, strategyName, Date.now() - t0, null, fewest);
  const sites = [...sitesCount]
    .map(([key, n]) => siteCount(p, key, n, firstAt, bySeed.length > 1))
    .sort((a, b) => b.count - a.count || (a.seed ?? 0) - (b.seed ?? 0) || a.firstExecution - b.firstExecution);
  return {
    ...report,
    command: "stress",
    failures: sum((x) => x.failed),
    sites,
    searchMs,
    executionsPerSecond: searchMs === 0 ? 0 : Math.round((executions * 10_000) / searchMs) / 10,
    budget: stressBudget(o),
  };
}

function siteCount(
  p: ScenarioProgram,
  key: string,
  count: number,
  firstAt: ReadonlyMap<string, { r: ExecutionResult; execution: number; seed: number }>,
  withSeed: boolean,
): SiteCount {
  const first = firstAt.get(key);
  if (first === undefined) throw new Error(`stress: no first execution recorded for failure site ${key}`);
  const { r, execution, seed } = first;
  const schedule = encodeSchedule({ program: p.id, choices: r.choices, check: r.traceHash });
  return {
    site: key,
    kind: r.bug?.kind ?? r.verdict,
    condition: r.bug?.condition ?? r.error ?? r.verdict,
    count,
    firstExecution: execution,
    ...(withSeed ? { seed } : {}),
    schedule,
    preemptions: r.preemptions,
    steps: r.steps,
    replay: replayCommand(p, schedule),
  };
}

/** The text report: check's (oops and story of the first failure), then failures by site and the rate. */
export function renderStressReport(r: StressReport): string {
  const out = [renderReportBody(r)];
  if (r.sites.length > 0) {
    out.push("");
    out.push(`Failures by site (${r.failures} of ${r.executions} executions failed; first counterexample of each):`);
    const w = Math.max(...r.sites.map((x) => x.site.length));
    const pad = " ".repeat(w + 4);
    for (const x of r.sites) {
      const times = x.count === 1 ? "1 execution" : `${x.count} executions`;
      const at = x.seed === undefined ? "" : ` of seed ${x.seed}`;
      out.push(
        `  ${x.site.padEnd(w)}  ${x.kind}(${x.condition}): ${times}, first at execution ${x.firstExecution}${at}`,
      );
      out.push(`${pad}${x.replay}`);
    }
  }
  out.push("");
  const secs = (r.searchMs / 1000).toFixed(1);
  out.push(
    `${r.executions} executions in ${secs} s (${r.executionsPerSecond} executions/s), ${r.steps} steps, ${r.terminalStates} distinct final states — ${r.coverage} (${r.elapsedMs} ms in all)`,
  );
  return out.join("\n");
}
