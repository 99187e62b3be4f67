/**
 * `mmrace stress`: random or PCT search of a stress workload at the real THP size (HPAGE_PMD_NR = 512)
 * until a time or execution budget runs out. Unlike check it does not stop at the first failure: it
 * counts failing executions by site and keeps the first counterexample of each, then shrinks and explains
 * the run's first failure the way check does.
 */

import type { ExecutionResult } from "../engine/result.js";
import { failureKey, type RunProgress, run } from "../engine/runner.js";
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

function siteCount(p: ScenarioProgram, key: string, count: number, f: FirstPerSite): SiteCount {
  const first = f.first.get(key);
  if (first === undefined) throw new Error(`stress: no first execution recorded for failure site ${key}`);
  const { r, execution } = first;
  const schedule = encodeSchedule({ program: p.id, choices: r.choices, check: r.traceHash });
  return {
    site: key,
    kind: r.bug?.kind ?? r.verdict,
    condition: r.bug?.condition ?? r.error ?? r.verdict,
    count,
    firstExecution: execution,
    schedule,
    preemptions: r.preemptions,
    steps: r.steps,
    replay: replayCommand(p, schedule),
  };
}

/** Runs a stress search of `s` and reports it (see StressReport). */
export function stressScenario(s: Scenario, o: StressOptions = {}): StressReport {
  const t0 = Date.now();
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
  const failing = shrinkFailure(p, r.first, co, false);
  const report = reportExecution(p, "stress", failing, r, strategy.name, Date.now() - t0);
  const sites = [...r.failureSites]
    .map(([key, n]) => siteCount(p, key, n, strategy))
    .sort((a, b) => b.count - a.count || a.firstExecution - b.firstExecution);
  return {
    ...report,
    command: "stress",
    failures: strategy.failed,
    sites,
    searchMs: r.elapsedMs,
    executionsPerSecond: r.elapsedMs === 0 ? 0 : Math.round((r.executions * 10_000) / r.elapsedMs) / 10,
    budget,
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
      out.push(`  ${x.site.padEnd(w)}  ${x.kind}(${x.condition}): ${times}, first at execution ${x.firstExecution}`);
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
