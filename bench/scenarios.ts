/**
 * Scenario benchmark: how long the kernel model takes to find each built-in race, with every strategy
 * `mmrace check` offers, and what a whole `mmrace check` process costs.
 *
 * For each built-in scenario (collapse-vs-two-truncates only with MMRACE_BENCH_FULL=1: its DFS runs for
 * minutes):
 * (a) the default search (DFS, iterative preemption bound up to 3, as `mmrace check`) at HPAGE_PMD_NR=4:
 *     time to the first counterexample, executions and steps until then, steps/s; then the shrink
 *     checkScenario runs on it (budget 3,000 executions), timed separately;
 * (b) at HPAGE_PMD_NR=512: PCT (depth 3 and 4) and random walk, a few seeds each, time to the first
 *     counterexample within a budget of 20 s each ("not found" when the budget runs out);
 * (c) the wall time of `node dist/bin/main.js check collapse-vs-truncate --quiet`, Node start-up
 *     included, median of several runs;
 * (d) one run of that command under `node --cpu-prof`: the functions with the most self time.
 *
 * Every search runs in a fresh child process (this file run with `--child`), so each figure includes the
 * JIT warm-up a real `mmrace check` pays; (a) also reports a second, warm run in the same child.
 *
 * Environment: MMRACE_BENCH_FULL=1 adds collapse-vs-two-truncates; MMRACE_BENCH_SEEDS (default 3) seeds per
 * PCT/random configuration (0 skips (b)); MMRACE_BENCH_BUDGET_MS (default 20000) the budget of each (b)
 * search; MMRACE_BENCH_DFS_BUDGET_MS (default 120000) the budget of each (a) search; MMRACE_BENCH_CLI_RUNS
 * (default 7) the runs of (c). A default run takes about 10 minutes, most of it in (b) searches that run
 * out of budget.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExecutionResult } from "../src/engine/result.js";
import { run as runSearch } from "../src/engine/runner.js";
import { shrink } from "../src/engine/shrink.js";
import { DfsStrategy } from "../src/engine/strategy/dfs.js";
import { PctStrategy } from "../src/engine/strategy/pct.js";
import { RandomStrategy } from "../src/engine/strategy/random.js";
import type { Strategy } from "../src/engine/strategy/strategy.js";
import { BUILTIN_SCENARIOS, findScenario } from "../src/scenarios/index.js";
import { makeProgram } from "../src/scenarios/program.js";
import { envInt, median, runChildJob } from "./child.js";

export const name = "scenarios";

const HERE = dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CLI = join(HERE, "../bin/main.js");
const SLOW = "collapse-vs-two-truncates";
/** checkScenario's defaults: DFS bound 3, shrink budget 3,000 executions and 10 s. */
const DFS_BOUND = 3;
const SHRINK_BUDGET = 3_000;
const SHRINK_TIME_MS = 10_000;

// ===== child side: one search in a fresh process =====

interface ChildJob {
  readonly scenario: string;
  readonly hpageNr: number;
  readonly strategy: "dfs" | "pct" | "random";
  readonly seed?: number;
  readonly depth?: number;
  readonly timeMs?: number;
  /** DFS: shrink the failure as checkScenario does, then repeat the search warm. */
  readonly shrinkAndRepeat?: boolean;
}

interface SearchFigures {
  readonly found: boolean;
  /** Wall time of the search, to the first counterexample or to the end (budget, exhaustion). */
  readonly ms: number;
  readonly executions: number;
  readonly steps: number;
  readonly outcome: string;
  readonly exhaustive: boolean;
  readonly site: string | null;
  readonly preemptions: number | null;
  /** Steps of the failing execution. */
  readonly failSteps: number | null;
}

interface ChildResult {
  readonly search: SearchFigures;
  readonly shrink?: {
    readonly ms: number;
    readonly executions: number;
    readonly minimal: boolean;
    readonly preemptions: number;
    readonly steps: number;
  };
  readonly warm?: SearchFigures;
}

function makeStrategy(j: ChildJob): Strategy {
  switch (j.strategy) {
    case "dfs":
      return new DfsStrategy(DFS_BOUND);
    case "pct":
      return new PctStrategy(j.seed ?? 1, j.depth ?? 3);
    case "random":
      return new RandomStrategy(j.seed ?? 1);
  }
}

function search(j: ChildJob): { fig: SearchFigures; first: ExecutionResult | null } {
  const p = makeProgram(findScenario(j.scenario), { hpageNr: j.hpageNr });
  const t0 = process.hrtime.bigint();
  const r = runSearch(p, makeStrategy(j), { timeMs: j.timeMs });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const f = r.first;
  const fig: SearchFigures = {
    found: f !== null && f.verdict !== "model-error",
    ms,
    executions: r.executions,
    steps: r.steps,
    outcome: r.outcome,
    exhaustive: r.exhaustive,
    site: f === null ? null : f.bug !== null ? `${f.bug.site.file}:${f.bug.site.line}` : f.verdict,
    preemptions: f?.preemptions ?? null,
    failSteps: f?.steps ?? null,
  };
  return { fig, first: f };
}

function child(j: ChildJob): ChildResult {
  const { fig, first } = search(j);
  if (j.shrinkAndRepeat !== true) return { search: fig };
  let sh: ChildResult["shrink"];
  if (first !== null && first.verdict !== "model-error") {
    const p = makeProgram(findScenario(j.scenario), { hpageNr: j.hpageNr });
    const t0 = process.hrtime.bigint();
    const s = shrink(p, first, { maxExecutions: SHRINK_BUDGET, timeMs: SHRINK_TIME_MS });
    sh = {
      ms: Number(process.hrtime.bigint() - t0) / 1e6,
      executions: s.executions,
      minimal: s.minimalPreemptions,
      preemptions: s.result.preemptions,
      steps: s.result.steps,
    };
  }
  const warm = search(j).fig;
  return { search: fig, shrink: sh, warm };
}

function runChild(j: ChildJob): ChildResult {
  return runChildJob<ChildResult>(SELF, j);
}

// ===== parent side =====

function fmtMs(ms: number): string {
  return ms >= 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms >= 1000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${ms.toFixed(0)} ms`;
}

function fmtRate(steps: number, ms: number): string {
  if (ms <= 0) return "—";
  const r = (steps * 1000) / ms;
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(0)} k`;
}

/** A markdown table; `align` has one letter per column, `l` or `r`. */
function table(head: readonly string[], align: string, rows: readonly (readonly string[])[]): string {
  const rule = head.map((_, i) => (align[i] === "r" ? "---:" : "---")).join("|");
  const lines = [`| ${head.join(" | ")} |`, `|${rule}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}

function dfsTable(scenarios: readonly string[], budgetMs: number): string {
  const rows: string[][] = [];
  for (const s of scenarios) {
    const r = runChild({ scenario: s, hpageNr: 4, strategy: "dfs", timeMs: budgetMs, shrinkAndRepeat: true });
    const f = r.search;
    const what = f.found
      ? `${f.site} (${f.preemptions} pre, ${f.failSteps} steps)`
      : f.exhaustive
        ? `none: exhaustive within ${DFS_BOUND} preemptions`
        : `not found within ${fmtMs(budgetMs)} (${f.outcome})`;
    const sh = r.shrink;
    rows.push([
      s,
      what,
      fmtMs(f.ms),
      String(f.executions),
      String(f.steps),
      fmtRate(f.steps, f.ms),
      r.warm === undefined ? "—" : `${fmtMs(r.warm.ms)} (${fmtRate(r.warm.steps, r.warm.ms)})`,
      sh === undefined
        ? "—"
        : `${fmtMs(sh.ms)}, ${sh.executions} ex → ${sh.preemptions} pre, ${sh.steps} steps${sh.minimal ? ", minimal" : ""}`,
    ]);
    console.error(`  dfs ${s}: ${fmtMs(f.ms)}`);
  }
  return table(
    [
      "scenario",
      "first counterexample",
      "time (cold)",
      "executions",
      "steps",
      "steps/s",
      "again, warm (steps/s)",
      "shrink (3,000 ex or 10 s)",
    ],
    "llrrrrrl",
    rows,
  );
}

function randomizedTable(scenarios: readonly string[], seeds: number, budgetMs: number): string {
  const configs: { label: string; strategy: "pct" | "random"; depth?: number }[] = [
    { label: "PCT d=3", strategy: "pct", depth: 3 },
    { label: "PCT d=4", strategy: "pct", depth: 4 },
    { label: "random", strategy: "random" },
  ];
  const rows: string[][] = [];
  for (const s of scenarios) {
    for (const c of configs) {
      const cells: string[] = [];
      let found = 0;
      const times: number[] = [];
      for (let seed = 1; seed <= seeds; seed++) {
        const r = runChild({
          scenario: s,
          hpageNr: 512,
          strategy: c.strategy,
          seed,
          depth: c.depth,
          timeMs: budgetMs,
        }).search;
        if (r.found) {
          found++;
          times.push(r.ms);
          cells.push(`${fmtMs(r.ms)} / ${r.executions} ex (${r.site})`);
        } else {
          cells.push(`not found within ${fmtMs(budgetMs)} (${r.executions} ex, ${fmtRate(r.steps, r.ms)} steps/s)`);
        }
        console.error(`  ${c.label} ${s} seed ${seed}: ${r.found ? fmtMs(r.ms) : "not found"}`);
      }
      rows.push([s, c.label, `${found}/${seeds}`, times.length > 0 ? fmtMs(median(times)) : "—", cells.join("; ")]);
    }
  }
  return table(["scenario", "strategy", "found", "median time when found", "per seed (1..n)"], "llrrl", rows);
}

function cliWallTime(runs: number): { table: string; median: number } {
  const args = [CLI, "check", "collapse-vs-truncate", "--quiet"];
  const ms: number[] = [];
  let line = "";
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 1) throw new Error(`mmrace check exited ${r.status}, expected 1 (bug found): ${r.stderr}`);
    line = r.stdout.trim();
  }
  const t = table(["command", "runs", "median", "min", "max", "output"], "lrrrrl", [
    [
      "`node dist/bin/main.js check collapse-vs-truncate --quiet`",
      String(runs),
      fmtMs(median(ms)),
      fmtMs(Math.min(...ms)),
      fmtMs(Math.max(...ms)),
      line,
    ],
  ]);
  return { table: `${t}\n\nruns: ${ms.map((x) => x.toFixed(0)).join(", ")} ms; goal ≤ 500 ms`, median: median(ms) };
}

/** Top self-time functions of one `check` run under --cpu-prof. */
function cpuProfile(top = 15): string {
  const dir = mkdtempSync(join(tmpdir(), "mmrace-prof-"));
  try {
    const r = spawnSync(
      process.execPath,
      ["--cpu-prof", `--cpu-prof-dir=${dir}`, CLI, "check", "collapse-vs-truncate", "--quiet"],
      { encoding: "utf8" },
    );
    if (r.status !== 1) throw new Error(`profiled check exited ${r.status}: ${r.stderr}`);
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (file === undefined) throw new Error("no .cpuprofile written");
    return summariseProfile(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, top);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function summariseProfile(p: CpuProfile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i] as number);
    const us = p.timeDeltas[i] ?? 0;
    if (n === undefined) continue;
    const cf = n.callFrame;
    const file = cf.url.replace(/^.*\/dist\//, "").replace(/^.*node_modules\//, "");
    const key = `${cf.functionName === "" ? "(anonymous)" : cf.functionName} ${file === "" ? "" : `${file}:${cf.lineNumber + 1}`}`;
    self.set(key, (self.get(key) ?? 0) + us);
    const group = file.startsWith("src/engine/")
      ? "engine (src/engine)"
      : file.startsWith("src/kernel/")
        ? "kernel model (src/kernel)"
        : file.startsWith("src/scenarios/")
          ? "scenario glue (src/scenarios)"
          : file.startsWith("src/")
            ? "reports, CLI (src/report, src/cli)"
            : cf.functionName === "(garbage collector)"
              ? "garbage collector"
              : "Node start-up, module loading, other";
    groups.set(group, (groups.get(group) ?? 0) + us);
    total += us;
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1)} %`;
  const t1 = table(
    ["function (self time)", "ms", "share"],
    "lrr",
    [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => [`\`${k}\``, (us / 1000).toFixed(0), pct(us)]),
  );
  const t2 = table(
    ["where", "ms", "share"],
    "lrr",
    [...groups].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, (us / 1000).toFixed(0), pct(us)]),
  );
  return `${t2}\n\n${t1}\n\nsampled ${(total / 1000).toFixed(0)} ms of one \`check collapse-vs-truncate\` process`;
}

/** Entry point for bench/run.ts. */
export function run(): void {
  const full = process.env.MMRACE_BENCH_FULL === "1";
  const seeds = envInt("MMRACE_BENCH_SEEDS", 3);
  const budgetMs = envInt("MMRACE_BENCH_BUDGET_MS", 20_000);
  const cliRuns = envInt("MMRACE_BENCH_CLI_RUNS", 7);
  const dfsBudgetMs = envInt("MMRACE_BENCH_DFS_BUDGET_MS", 120_000);
  const scenarios = BUILTIN_SCENARIOS.map((s) => s.name).filter((n) => full || n !== SLOW);
  console.log(
    `scenarios: ${scenarios.join(", ")}${full ? "" : ` (${SLOW} only with MMRACE_BENCH_FULL=1)`}; every search in a ` +
      `fresh child process (cold JIT); randomized: ${seeds} seed(s) each, budget ${fmtMs(budgetMs)}`,
  );
  console.log(`\n### Default search: DFS (bound 0..${DFS_BOUND}), HPAGE_PMD_NR=4, then shrink\n`);
  console.log(dfsTable(scenarios, dfsBudgetMs));
  console.log(`\n### \`mmrace check\` process, Node start-up included\n`);
  console.log(cliWallTime(cliRuns).table);
  console.log(`\n### Where the time of that process goes (node --cpu-prof, self time)\n`);
  console.log(cpuProfile());
  if (seeds > 0) {
    console.log(`\n### HPAGE_PMD_NR=512: PCT and random walk, budget ${fmtMs(budgetMs)} per seed\n`);
    console.log(randomizedTable(scenarios, seeds, budgetMs));
  }
}

if (process.argv[1] === SELF && process.argv[2] === "--child") {
  const job = JSON.parse(process.argv[3] as string) as ChildJob;
  process.stdout.write(`${JSON.stringify(child(job))}\n`);
}
