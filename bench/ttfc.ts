/**
 * Time to first counterexample: how long each search takes to find the first failing execution of each
 * seed scenario, and what a whole `mmrace check` process costs.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/run.js ttfc
 *
 * (a) For each seed scenario (truncate-vs-truncate, collapse-vs-truncate, collapse-vs-writeback,
 *     collapse-vs-two-truncates) at HPAGE_PMD_NR 4 and 512: the default search of `mmrace check` (built
 *     by checkScenario's makeStrategy with no strategy named, so the table follows the default when it
 *     changes), PCT depth 3 and 4, the random walk and POS, each randomized one over seeds 1..S. Every
 *     search runs in a fresh child process (cold JIT, as a real check), with a wall-time budget. Two
 *     times per search: the search alone, and from the child's process start to the counterexample
 *     (Node start-up and module loading included). Medians over the seeds count a search that ran out of
 *     budget as infinitely long, so a median is shown only when more than half of the seeds found a bug.
 * (b) Race (b) at HPAGE_PMD_NR=512 under POS over seeds 1..R: the distribution.
 * (c) Wall time of `node dist/bin/main.js check --quiet` processes (the bin run directly: `npx`
 *     adds ~0.8 s here): the default check (collapse-vs-truncate, N=4, shrink included), and POS checks
 *     at N=4 and N=512 with --no-shrink.
 *
 * Environment: MMRACE_TTFC_SEEDS (default 5) seeds per randomized search in (a); MMRACE_TTFC_BUDGET_MS
 * (default 10000) budget of each search; MMRACE_TTFC_RACEB_SEEDS (default 20) seeds in (b);
 * MMRACE_TTFC_CLI_RUNS (default 7) runs per command in (c); MMRACE_TTFC_SIZES (default "4,512");
 * MMRACE_TTFC_PARTS (default "a,b,c") which parts to run.
 * A default run takes 5 to 10 minutes on this VM, most of it in searches that run out of budget.
 */

import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run as runSearch } from "../src/engine/runner.js";
import { makeStrategy, type StrategyName } from "../src/report/checkScenario.js";
import { findScenario } from "../src/scenarios/index.js";
import { makeProgram } from "../src/scenarios/program.js";
import { envInt, median, runChildJob } from "./child.js";

export const name = "ttfc";

const HERE = dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CLI = join(HERE, "../bin/main.js");
const SCENARIOS = [
  "truncate-vs-truncate",
  "collapse-vs-truncate",
  "collapse-vs-writeback",
  "collapse-vs-two-truncates",
];

// ===== child side: one search in a fresh process =====

interface Job {
  readonly scenario: string;
  readonly hpageNr: number;
  /** undefined: checkScenario's default. */
  readonly strategy?: StrategyName;
  readonly seed?: number;
  readonly depth?: number;
  readonly timeMs: number;
}

interface Found {
  readonly found: boolean;
  /** The search alone, ms. */
  readonly ms: number;
  /** From the child process's start to the end of the search, ms. */
  readonly sinceStart: number;
  readonly executions: number;
  readonly site: string | null;
  readonly strategy: string;
}

function child(j: Job): Found {
  const p = makeProgram(findScenario(j.scenario), { hpageNr: j.hpageNr });
  const strategy = makeStrategy({ strategy: j.strategy, seed: j.seed, depth: j.depth });
  const t0 = performance.now();
  const r = runSearch(p, strategy, { timeMs: j.timeMs });
  const t1 = performance.now();
  const f = r.first;
  return {
    found: f !== null && f.verdict !== "model-error",
    ms: t1 - t0,
    sinceStart: t1,
    executions: r.executions,
    site: f === null ? null : f.bug !== null ? `${f.bug.site.file}:${f.bug.site.line}` : f.verdict,
    strategy: strategy.name,
  };
}

function runChild(j: Job): Found {
  return runChildJob<Found>(SELF, j);
}

// ===== parent side =====

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  return ms >= 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms >= 1000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${ms.toFixed(0)} ms`;
}

/** `mm/truncate.c:213` → `truncate.c:213`. */
function shortSite(s: string | null): string {
  return s === null ? "?" : s.replace(/^.*\//, "");
}

function table(head: readonly string[], align: string, rows: readonly (readonly string[])[]): string {
  const rule = head.map((_, i) => (align[i] === "r" ? "---:" : "---")).join("|");
  const lines = [`| ${head.join(" | ")} |`, `|${rule}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}

interface Config {
  readonly label: string;
  readonly strategy?: StrategyName;
  readonly depth?: number;
  readonly seeded: boolean;
}

const CONFIGS: readonly Config[] = [
  { label: "default", seeded: false },
  { label: "PCT d=3", strategy: "pct", depth: 3, seeded: true },
  { label: "PCT d=4", strategy: "pct", depth: 4, seeded: true },
  { label: "random", strategy: "random", seeded: true },
  { label: "POS", strategy: "pos", seeded: true },
];

function searchTable(sizes: readonly number[], seeds: number, budgetMs: number): string {
  const rows: string[][] = [];
  for (const n of sizes) {
    for (const s of SCENARIOS) {
      for (const c of CONFIGS) {
        const results: Found[] = [];
        for (let seed = 1; seed <= (c.seeded ? seeds : 1); seed++) {
          results.push(
            runChild({
              scenario: s,
              hpageNr: n,
              strategy: c.strategy,
              seed: c.seeded ? seed : undefined,
              depth: c.depth,
              timeMs: budgetMs,
            }),
          );
        }
        const found = results.filter((r) => r.found);
        const inf = (r: Found, x: number): number => (r.found ? x : Number.POSITIVE_INFINITY);
        const sites = [...new Set(found.map((r) => shortSite(r.site)))].join(", ");
        const per = results.map((r) => (r.found ? `${fmtMs(r.ms)}/${r.executions}` : `✗/${r.executions}`)).join(" ");
        const label = c.seeded ? c.label : `${c.label} (${results[0]?.strategy})`;
        rows.push([
          s,
          String(n),
          label,
          `${found.length}/${results.length}`,
          fmtMs(median(results.map((r) => inf(r, r.ms)))),
          fmtMs(median(results.map((r) => inf(r, r.sinceStart)))),
          sites === "" ? "—" : sites,
          per,
        ]);
        console.error(`  ${s} N=${n} ${label}: ${found.length}/${results.length}`);
      }
    }
  }
  return table(
    [
      "scenario",
      "N",
      "strategy",
      "found",
      "median search",
      "median since process start",
      "site(s)",
      "per seed: search time/executions (✗: not found in budget)",
    ],
    "lrlrrrll",
    rows,
  );
}

function raceB(seeds: number, budgetMs: number): string {
  const rows: Found[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    rows.push(runChild({ scenario: "collapse-vs-truncate", hpageNr: 512, strategy: "pos", seed, timeMs: budgetMs }));
  }
  const inf = (r: Found, x: number): number => (r.found ? x : Number.POSITIVE_INFINITY);
  const ms = rows.map((r) => inf(r, r.ms)).sort((a, b) => a - b);
  const since = rows.map((r) => inf(r, r.sinceStart)).sort((a, b) => a - b);
  const ex = rows.map((r) => r.executions).sort((a, b) => a - b);
  const q = (xs: number[], f: number): number => xs[Math.min(xs.length - 1, Math.floor(f * xs.length))] as number;
  const t = table(["", "min", "median", "80th pct", "max"], "lrrrr", [
    ["search", fmtMs(q(ms, 0)), fmtMs(median(ms)), fmtMs(q(ms, 0.8)), fmtMs(q(ms, 1))],
    ["since process start", fmtMs(q(since, 0)), fmtMs(median(since)), fmtMs(q(since, 0.8)), fmtMs(q(since, 1))],
    ["executions", String(q(ex, 0)), String(median(ex)), String(q(ex, 0.8)), String(q(ex, 1))],
  ]);
  const found = rows.filter((r) => r.found).length;
  const under = rows.filter((r) => r.found && r.sinceStart <= 1000).length;
  const bySite = new Map<string, number>();
  for (const r of rows) if (r.found) bySite.set(shortSite(r.site), (bySite.get(shortSite(r.site)) ?? 0) + 1);
  const per = rows
    .map((r, i) => `${i + 1}: ${r.found ? `${fmtMs(r.sinceStart)}/${r.executions} ex/${shortSite(r.site)}` : "✗"}`)
    .join("; ");
  return (
    `${t}\n\nfound ${found}/${seeds}; within 1 s of process start: ${under}/${seeds}; sites: ` +
    `${[...bySite].map(([k, v]) => `${k} ×${v}`).join(", ")}\n\nper seed (since process start/executions/site): ${per}`
  );
}

function cliRuns(runs: number): string {
  const cmds: { label: string; args: string[] }[] = [
    { label: "check (default: collapse-vs-truncate, N=4, shrink)", args: ["check", "--quiet"] },
    { label: "check --strategy pos --seed 1 (N=4, shrink)", args: ["check", "--quiet", "--strategy", "pos"] },
    {
      label: "check --strategy pos --seed 1 --no-shrink (N=4)",
      args: ["check", "--quiet", "--strategy", "pos", "--no-shrink"],
    },
    {
      label: "check --strategy pos --seed 1 --hpage-nr 512 --no-shrink",
      args: ["check", "--quiet", "--strategy", "pos", "--hpage-nr", "512", "--no-shrink"],
    },
    {
      label: "check --max-executions 1 --no-shrink (start-up, load, one execution)",
      args: ["check", "--quiet", "--max-executions", "1", "--no-shrink"],
    },
  ];
  const ms: number[][] = cmds.map(() => []);
  const out: string[] = cmds.map(() => "");
  // Interleaved, so drift on the noisy VM hits every command alike.
  for (let i = 0; i < runs; i++) {
    cmds.forEach((c, k) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [CLI, ...c.args], { encoding: "utf8" });
      (ms[k] as number[]).push(Number(process.hrtime.bigint() - t0) / 1e6);
      out[k] = r.stdout.trim();
    });
  }
  const node = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ["-e", "0"]);
    node.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const rows = cmds.map((c, k) => {
    const xs = ms[k] as number[];
    return [`\`${c.label}\``, fmtMs(median(xs)), fmtMs(Math.min(...xs)), fmtMs(Math.max(...xs)), out[k] as string];
  });
  rows.push(["`node -e 0` (Node alone)", fmtMs(median(node)), fmtMs(Math.min(...node)), fmtMs(Math.max(...node)), ""]);
  return `${table(["command (node dist/bin/main.js ...)", "median", "min", "max", "output"], "lrrrl", rows)}\n\n${runs} runs each, interleaved`;
}

/** Entry point for bench/run.ts. */
export function run(): void {
  const seeds = envInt("MMRACE_TTFC_SEEDS", 5);
  const budgetMs = envInt("MMRACE_TTFC_BUDGET_MS", 10_000);
  const raceBSeeds = envInt("MMRACE_TTFC_RACEB_SEEDS", 20);
  const cliRunsN = envInt("MMRACE_TTFC_CLI_RUNS", 7);
  const sizes = (process.env.MMRACE_TTFC_SIZES ?? "4,512").split(",").map(Number);
  console.log(
    `every search in a fresh child process (cold JIT); ${seeds} seed(s) per randomized search, budget ${fmtMs(budgetMs)}; ` +
      `load average at start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
  );
  const parts = (process.env.MMRACE_TTFC_PARTS ?? "a,b,c").split(",");
  if (parts.includes("c")) {
    console.log("\n### (c) `mmrace check` processes, Node start-up included\n");
    console.log(cliRuns(cliRunsN));
  }
  if (parts.includes("b")) {
    console.log(`\n### (b) Race (b) at HPAGE_PMD_NR=512 under POS, seeds 1–${raceBSeeds}\n`);
    console.log(raceB(raceBSeeds, budgetMs));
  }
  if (parts.includes("a")) {
    console.log(`\n### (a) Time to first counterexample, HPAGE_PMD_NR ${sizes.join(" and ")}\n`);
    console.log(searchTable(sizes, seeds, budgetMs));
  }
}

if (process.argv[1] === SELF && process.argv[2] === "--child") {
  const job = JSON.parse(process.argv[3] as string) as Job;
  process.stdout.write(`${JSON.stringify(child(job))}\n`);
}
