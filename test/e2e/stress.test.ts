import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run } from "../../src/engine/runner.js";
import { PctStrategy } from "../../src/engine/strategy/pct.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";
import { BIN, expectUsageError, lines, mmraceIn, type Run } from "./mmrace.js";

const SCENARIO = "stress-madvise-dso";
const SMALL = ["--hpage-nr", "4", "--max-executions", "1000", "--seed", "5"];

function mmrace(...args: string[]): Run {
  return mmraceIn(60000, ...args);
}

/** `mmrace replay ...` as argv without `mmrace`. */
function argv(replay: string): string[] {
  expect(replay).toMatch(/^mmrace replay /);
  return replay.split(" ").slice(1);
}

interface Site {
  site: string;
  kind: string;
  condition: string;
  count: number;
  firstExecution: number;
  /** With --jobs above 1: the seed whose search failed here first. */
  seed?: number;
  schedule: string;
  replay: string;
  preemptions: number;
  steps: number;
}

interface Report {
  command: string;
  scenario: string;
  result: string;
  strategy: string;
  bug: { site: string; kind: string } | null;
  schedule: string | null;
  replay: string | null;
  oops: string | null;
  narrative: unknown[] | null;
  executions: number;
  failures: number;
  sites: Site[];
  searchMs: number;
  executionsPerSecond: number;
  budget: { timeMs: number | null; maxExecutions: number | null };
  config: { HPAGE_PMD_NR: number; DEBUG_VM: boolean };
  patches: string[];
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -p .\` (npm test does) first`);
});

describe("stress on rc3: failures at two sites, counted, each replayable", () => {
  let text: Run;
  let json: Run;
  let report: Report;
  beforeAll(() => {
    text = mmrace("stress", ...SMALL);
    json = mmrace("stress", ...SMALL, "--json");
    report = JSON.parse(json.stdout) as Report;
  });

  test("exit 1; the counts are those of the engine's runner on the same search", () => {
    expect(text.code).toBe(1);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe("");
    const p = makeProgram(findScenario(SCENARIO), { hpageNr: 4 });
    const r = run(p, new PctStrategy(5, 3), { maxExecutions: 1000, stopOnFailure: false });
    expect(report.executions).toBe(1000);
    expect(r.executions).toBe(1000);
    const counts = Object.fromEntries(report.sites.map((s) => [s.site, s.count]));
    expect(counts).toEqual(Object.fromEntries(r.failureSites));
    expect(Object.keys(counts).sort()).toEqual(["mm/filemap.c:2096", "mm/truncate.c:213"]);
    expect(report.failures).toBe([...r.failureSites.values()].reduce((a, b) => a + b, 0));
    // Most frequent first.
    expect(report.sites.map((s) => s.count)).toEqual([...report.sites.map((s) => s.count)].sort((a, b) => b - a));
  });

  test("--json: check's report of the first failure, plus the run's totals", () => {
    expect(report).toMatchObject({
      command: "stress",
      scenario: SCENARIO,
      result: "bug",
      strategy: "pct",
      config: { HPAGE_PMD_NR: 4, DEBUG_VM: true },
      patches: [],
      budget: { timeMs: null, maxExecutions: 1000 },
    });
    expect(report.oops).toContain("kernel BUG at ");
    expect(report.narrative?.length).toBeGreaterThan(1);
    expect(report.schedule).toMatch(/^v1\.stress-madvise-dso~n4\./);
    expect(report.executionsPerSecond).toBeGreaterThan(0);
    expect(report.executionsPerSecond).toBeCloseTo((report.executions * 1000) / report.searchMs, 0);
    // The first failure is the one with the earliest first execution.
    const first = [...report.sites].sort((a, b) => a.firstExecution - b.firstExecution)[0];
    expect(report.bug?.site).toBe(first?.site);
    // Same search, same result: text and JSON runs agree.
    expect(text.stdout).toContain(`Replay: ${report.replay}`);
  });

  test("every replay command it prints replays to its site", () => {
    const cmds = [report.replay as string, ...report.sites.map((s) => s.replay)];
    const sites = [report.bug?.site, ...report.sites.map((s) => s.site)];
    cmds.forEach((cmd, i) => {
      expect(cmd).toContain("--hpage-nr 4");
      const r = mmrace(...argv(cmd), "--json");
      expect(r.code, r.stderr).toBe(1);
      const rep = JSON.parse(r.stdout) as Report;
      expect(rep.bug?.site).toBe(sites[i]);
    });
    // A site's recorded counterexample is the execution as found: its preemptions and steps replay too.
    for (const s of report.sites) {
      const r = JSON.parse(mmrace(...argv(s.replay), "--json").stdout) as { preemptions: number; steps: number };
      expect(r.preemptions).toBe(s.preemptions);
      expect(r.steps).toBe(s.steps);
    }
  });

  test("text: oops and story of the first failure, failures by site with counts, executions/s", () => {
    const out = text.stdout;
    expect(out).toMatch(/^mmrace stress stress-madvise-dso — HPAGE_PMD_NR=4, CONFIG_DEBUG_VM=y, no patches/);
    expect(out).toMatch(/^kernel BUG at mm\/(truncate\.c:213|filemap\.c:2096)!$/m);
    expect(out).toContain("Call Trace:");
    expect(out).toMatch(/^ 1\. CPU\d+ /m);
    expect(out).toMatch(/^Found: VM_BUG_ON_PAGE at /m);
    expect(out).toContain(
      `Failures by site (${report.failures} of 1000 executions failed; first counterexample of each):`,
    );
    for (const s of report.sites) {
      const times = s.count === 1 ? "1 execution" : `${s.count} executions`;
      expect(out).toContain(`${s.site}  ${s.kind}(${s.condition}): ${times}, first at execution ${s.firstExecution}`);
      expect(out).toMatch(new RegExp(`^ +${s.replay.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    }
    expect(lines(out).at(-1)).toMatch(
      /^1000 executions in \d+\.\d s \(\d+(\.\d)? executions\/s\), \d+ steps, \d+ distinct final states — PCT depth 3, seed 5, /,
    );
  });

  test("--quiet: one line with the verdict and the counts", () => {
    const q = mmrace("stress", ...SMALL, "--quiet");
    expect(q.code).toBe(1);
    expect(q.stdout).toBe(
      `${SCENARIO}: bug: VM_BUG_ON_PAGE at ${report.bug?.site}; ${report.failures} of 1000 executions failed, at 2 sites\n`,
    );
  });
});

describe("stress, other cases", () => {
  test("hugh-deletions closes both races: no failure in the same search, exit 0", () => {
    const r = mmrace("stress", ...SMALL, "--patch", "hugh-deletions");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("No bug found.");
    expect(r.stdout).not.toContain("Failures by site");
    expect(lines(r.stdout).at(-1)).toMatch(/^1000 executions in /);
    const j = JSON.parse(mmrace("stress", ...SMALL, "--patch", "hugh-deletions", "--json").stdout) as Report;
    expect(j).toMatchObject({ result: "ok", bug: null, schedule: null, failures: 0, sites: [], executions: 1000 });
    expect(j.patches).toEqual(["remove-find-lock-entries-index-check", "remove-truncate-pagetail-check"]);
  });

  test("defaults: stress-madvise-dso, PCT, HPAGE_PMD_NR=512; --time bounds the run", () => {
    const t0 = Date.now();
    const r = mmrace("stress", "--time", "1", "--no-shrink", "--json");
    const j = JSON.parse(r.stdout) as Report;
    expect(j).toMatchObject({ scenario: SCENARIO, strategy: "pct", config: { HPAGE_PMD_NR: 512 } });
    expect(j.budget).toEqual({ timeMs: 1000, maxExecutions: null });
    expect(j.executions).toBeGreaterThan(0);
    expect(j.searchMs).toBeGreaterThanOrEqual(1000);
    expect(j.searchMs).toBeLessThan(1000 + 5000); // stops at the first 64-execution check past the deadline
    expect(r.code).toBe(j.result === "bug" ? 1 : 0);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  test("--strategy random", () => {
    const r = mmrace("stress", "--hpage-nr", "4", "--max-executions", "200", "--strategy", "random", "--json");
    const j = JSON.parse(r.stdout) as Report;
    expect(j.strategy).toBe("random");
    expect(j.executions).toBe(200);
    expect(r.code).toBe(j.result === "bug" ? 1 : 0);
  });

  describe("--html", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "mmrace-stress-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test("writes the viewer of the first failure (shrunk)", () => {
      const file = join(dir, "race.html");
      const r = mmrace("stress", ...SMALL, "--html", file, "--json");
      expect(r.code).toBe(1);
      const rep = JSON.parse(r.stdout) as Report;
      expect(r.stderr).toMatch(/^viewer: wrote .*race\.html \(\d+ steps\)\n$/);
      const html = readFileSync(file, "utf8");
      expect(html).toContain("mmrace stress");
      expect(html).toContain(rep.schedule as string);
    });
  });
});

describe("stress --jobs: one seed per worker thread, the counts added up", () => {
  test("--jobs 2 --max-executions 1000 --seed 5 runs seeds 5 and 6 for 500 executions each", () => {
    const r = mmrace("stress", "--hpage-nr", "4", "--max-executions", "1000", "--seed", "5", "--jobs", "2", "--json");
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout) as Report;
    // The same two searches run by the engine's runner in this process: PCT d=3 with seeds 5 and 6.
    const p = makeProgram(findScenario(SCENARIO), { hpageNr: 4 });
    const runs = [5, 6].map((seed) => run(p, new PctStrategy(seed, 3), { maxExecutions: 500, stopOnFailure: false }));
    const expected = new Map<string, number>();
    for (const x of runs) for (const [k, n] of x.failureSites) expected.set(k, (expected.get(k) ?? 0) + n);
    expect(j.executions).toBe(1000);
    expect(Object.fromEntries(j.sites.map((x) => [x.site, x.count]))).toEqual(Object.fromEntries(expected));
    expect(r.code).toBe(expected.size > 0 ? 1 : 0);
    // Each site names the seed whose search failed there first (the lower one when both did), and that
    // search's execution number.
    for (const x of j.sites) {
      const seed = runs[0]?.failureSites.has(x.site) === true ? 5 : 6;
      expect(x.seed).toBe(seed);
    }
    // The failure explained is the lowest failing seed's first.
    const firstSeed = runs[0]?.first !== null ? 5 : 6;
    expect(j.sites.some((x) => x.seed === firstSeed)).toBe(expected.size > 0);
    expect(j.oops === null).toBe(expected.size === 0);
  });
});

describe("stress: bad input is one line on stderr, exit 2, before any search", () => {
  const cases: string[][] = [
    ["no-such-scenario"],
    ["examples/no-such-file.json"],
    ["a", "b"],
    ["--strategy", "dfs"],
    ["--strategy", "bfs"],
    ["--strategy"],
    ["--patch", "no-such-patch"],
    ["--patch"],
    ["--hpage-nr", "3"],
    ["--hpage-nr", "1024"],
    ["--hpage-nr", "1"],
    ["--hpage-nr", "x"],
    ["--time", "0"],
    ["--time", "-1"],
    ["--time", "1.5"],
    ["--time", "x"],
    ["--max-executions", "0"],
    ["--max-executions", "1e3"],
    ["--seed", "-1"],
    ["--seed", "4294967296"],
    ["--seed", "x"],
    ["--jobs", "0"],
    ["--jobs", "x"],
    ["--depth", "0"],
    ["--depth", "21"],
    ["--preemptions", "2"], // a DFS option: not one of stress's
    ["--steps"],
    ["--bogus"],
    ["--jsn"],
    ["--html", "/no/such/dir/race.html"],
    ["--html", "."],
  ];
  test.each(cases.map((c) => [c.join(" "), c]))("mmrace stress %s", (_name, args) => {
    const t0 = Date.now();
    expectUsageError(mmrace("stress", ...args));
    expect(Date.now() - t0).toBeLessThan(15_000); // refused up front, not after a 60 s search
  });
});

describe("stress --help", () => {
  test("shows the defaults and examples, exit 0; mmrace --help lists stress", () => {
    for (const r of [mmrace("stress", "--help"), mmrace("help", "stress")]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Usage: mmrace stress /m);
      expect(r.stdout).toMatch(/^Examples:\n {2}mmrace stress\n/m);
      const flat = r.stdout.replace(/\s+/g, " "); // commander wraps option help
      expect(flat).toContain('--strategy <name> search strategy (choices: "pct", "random", default: "pct")');
      expect(flat).toContain("--hpage-nr <n> HPAGE_PMD_NR (default 512;");
      expect(flat).toContain(
        "--time <seconds> stop after this many seconds (default 60 unless --max-executions is given)",
      );
    }
    expect(mmrace("--help").stdout).toMatch(/^ {2}stress /m);
  });

  test("the help's examples parse (each is run with a tiny budget)", () => {
    const ex = [...mmrace("stress", "--help").stdout.matchAll(/^ {2}mmrace (stress.*)$/gm)].map((m) => m[1] as string);
    expect(ex.length).toBeGreaterThanOrEqual(3);
    for (const e of ex) {
      const args = e.split(" ").filter((a) => a !== "");
      // Replace the budget with a tiny one so the examples run fast; the rest of each line is as shown.
      const cut: string[] = [];
      for (let i = 0; i < args.length; i++) {
        if (args[i] === "--time" || args[i] === "--max-executions") i++;
        else cut.push(args[i] as string);
      }
      const r = mmrace(...cut, "--max-executions", "3", "--hpage-nr", "4", "--no-shrink", "--quiet");
      expect([0, 1], `${e}: ${r.stderr}`).toContain(r.code);
    }
  });
});
