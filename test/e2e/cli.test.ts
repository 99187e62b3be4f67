import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runExecution } from "../../src/engine/execution.js";
import { encodeSchedule } from "../../src/engine/schedule.js";
import { ReplayStrategy } from "../../src/engine/strategy/replay.js";
import { PATCH_SETS, PATCHES } from "../../src/kernel/patches/index.js";
import { BUILTIN_SCENARIOS, findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";
import { BIN, expectUsageError, lines, mmraceIn, type Run } from "./mmrace.js";

const SCENARIO = "truncate-vs-truncate";

interface CheckReportLike {
  readonly fewestPreemptions: boolean | null;
}
const SITE = "mm/truncate.c:213";

function mmrace(...args: string[]): Run {
  return mmraceIn(30000, ...args);
}

/** The `mmrace replay ...` line of a text report, as argv (without `mmrace`). */
function replayArgv(stdout: string): string[] {
  const m = /^Replay: mmrace (replay .*)$/m.exec(stdout);
  expect(m, "a 'Replay: mmrace replay ...' line").not.toBeNull();
  return (m?.[1] ?? "").trim().split(/\s+/);
}

/** The lines of a --steps listing: `<step>  CPU<n> <thread>  <file:line>  <fn>: <label>`. */
const STEP_LINE = /^\s*(\d+) {2}CPU\d+ .+? {2}(\S+:\d+) +(\w+): (.+)$/;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -p .\` (npm test does) first`);
});

describe("list", () => {
  test("text: every built-in scenario, patch and patch set, exit 0", () => {
    const r = mmrace("list");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const s of BUILTIN_SCENARIOS) expect(r.stdout).toContain(s.name);
    for (const p of PATCHES) expect(r.stdout).toContain(p.name);
    for (const k of Object.keys(PATCH_SETS)) expect(r.stdout).toContain(k);
  });

  test("--json: the same names, as data", () => {
    const r = mmrace("list", "--json");
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as {
      scenarios: { name: string }[];
      patches: { name: string }[];
      patchSets: Record<string, string[]>;
    };
    expect(data.scenarios.map((s) => s.name)).toEqual(BUILTIN_SCENARIOS.map((s) => s.name));
    expect(data.patches.map((p) => p.name)).toEqual(PATCHES.map((p) => p.name));
    expect(Object.keys(data.patchSets)).toEqual(Object.keys(PATCH_SETS));
  });
});

describe(`check ${SCENARIO}, then replay and explain what it found`, () => {
  let text: Run;
  let json: Run;
  let report: {
    result: string;
    bug: { site: string; kind: string } | null;
    schedule: string | null;
    replay: string | null;
    exhaustive: boolean;
    steps: number;
    config: { HPAGE_PMD_NR: number };
    fewestPreemptions: boolean | null;
  };
  beforeAll(() => {
    text = mmrace("check", SCENARIO);
    json = mmrace("check", SCENARIO, "--json");
    report = JSON.parse(json.stdout);
  });

  test("text: the oops of race (a), the numbered interleaving and the replay line; exit 1", () => {
    expect(text.code).toBe(1);
    expect(text.stderr).toBe("");
    const out = text.stdout;
    expect(out).toContain(`kernel BUG at ${SITE}!`);
    expect(out).toMatch(/^page:\S+ refcount:\d+ .*index:0x3\b/m);
    expect(out).toContain("Call Trace:");
    expect(out).toMatch(/^ truncate_inode_page$/m);
    expect(out).toMatch(/^Minimal interleaving \(\d+ preemption\(s\), \d+ steps\):$/m);
    expect(out).toMatch(/^ 1\. CPU\d+ .+ \(steps? \d+(–\d+)?\):$/m);
    expect(out).toMatch(/^ 2\. CPU\d+ /m);
    expect(out).toMatch(/^Replay: mmrace replay truncate-vs-truncate v1\.truncate-vs-truncate~n4\.\S+$/m);
  });

  test("--json: result bug at truncate.c:213, a v1 schedule, not exhaustive, HPAGE_PMD_NR 4", () => {
    expect(json.code).toBe(1);
    expect(report.result).toBe("bug");
    expect(report.bug?.site).toBe(SITE);
    expect(report.schedule?.startsWith(`v1.${SCENARIO}~n4.`)).toBe(true);
    expect(report.exhaustive).toBe(false);
    expect(report.config.HPAGE_PMD_NR).toBe(4);
    // The shrink's bounded search ran below 2 preemptions and found no failure at the site.
    expect(report.fewestPreemptions).toBe(true);
    // Deterministic: the text run found the same schedule.
    expect(replayArgv(text.stdout)).toEqual(["replay", SCENARIO, report.schedule]);
  });

  test("the printed replay line reproduces the bug; --json replay has the same schedule", () => {
    const argv = replayArgv(text.stdout);
    const r = mmrace(...argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`kernel BUG at ${SITE}!`);
    expect(r.stdout).toContain(`Found: VM_BUG_ON_PAGE at ${SITE} (PageTail(page))`);
    // A replay does not claim the fewest preemptions: it runs what it was given.
    expect(r.stdout).toMatch(/^Replayed interleaving \(2 preemption\(s\), \d+ steps\):$/m);
    const j = mmrace(...argv, "--json");
    expect(j.code).toBe(1);
    const rep = JSON.parse(j.stdout);
    expect(rep.command).toBe("replay");
    expect(rep.result).toBe("bug");
    expect(rep.bug.site).toBe(SITE);
    expect(rep.schedule).toBe(report.schedule);
  });

  test("--quiet prints one line", () => {
    const argv = replayArgv(text.stdout);
    for (const r of [mmrace("check", SCENARIO, "--quiet"), mmrace(...argv, "--quiet")]) {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(`${SCENARIO}: bug: VM_BUG_ON_PAGE at ${SITE}\n`);
    }
  });

  test("explain: the same numbered narrative as check, without the oops", () => {
    const r = mmrace("explain", SCENARIO, report.schedule as string);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^ 1\. CPU\d+ /);
    expect(out[out.length - 1]).toBe(`Ends in: kernel BUG at ${SITE}! (VM_BUG_ON_PAGE: PageTail(page))`);
    expect(text.stdout).toContain(out.slice(0, -1).join("\n"));
    expect(r.stdout).not.toContain("Call Trace:");
    expect(r.stdout).not.toContain("cut here");
    expect(r.stdout).not.toMatch(/^page:/m);
    expect(r.stdout).not.toContain("Replay:");
  });

  test("explain --json and --quiet", () => {
    const j = mmrace("explain", SCENARIO, report.schedule as string, "--json");
    expect(j.code).toBe(1);
    const e = JSON.parse(j.stdout);
    expect(e).toMatchObject({ command: "explain", scenario: SCENARIO, schedule: report.schedule, result: "bug" });
    expect(e.site).toBe(SITE);
    expect(e.narrative.length).toBeGreaterThan(1);
    expect(e.trace).toBeNull();
    const q = mmrace("explain", SCENARIO, report.schedule as string, "--quiet");
    expect(q.code).toBe(1);
    expect(lines(q.stdout)).toEqual([`${SCENARIO}: bug: VM_BUG_ON_PAGE at ${SITE}`]);
  });

  test("explain --steps lists every step: number, CPU and thread, file:line, function, label, notes", () => {
    const r = mmrace("explain", SCENARIO, report.schedule as string, "--steps");
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    const steps = out.filter((l) => STEP_LINE.test(l));
    expect(steps.map((l) => Number(STEP_LINE.exec(l)?.[1]))).toEqual([...Array(steps.length).keys()]);
    // Every line is a step, a note under a step, or the closing line.
    const notes = out.filter((l) => /^ +· \S/.test(l));
    expect(notes.length).toBeGreaterThan(0);
    expect(steps.length + notes.length + 1).toBe(out.length);
    expect(out[out.length - 1]).toMatch(/^Ends in: kernel BUG at mm\/truncate\.c:213!/);
    // The last step is the one that hit the BUG, in truncate_inode_page.
    const last = STEP_LINE.exec(steps[steps.length - 1] ?? "");
    expect(last?.[2]).toBe(SITE);
    expect(last?.[3]).toBe("truncate_inode_page");
    expect(r.stdout).toContain("do_dentry_open: get_write_access(inode)");

    const j = JSON.parse(mmrace("explain", SCENARIO, report.schedule as string, "--steps", "--json").stdout);
    expect(j.trace.length).toBe(steps.length);
    expect(j.trace[0]).toMatchObject({ step: 0, thread: expect.any(Number), who: expect.stringMatching(/^CPU\d+ /) });
    expect(j.trace[0].at).toMatch(/^\S+:\d+$/);
  });

  test("--no-shrink: the interleaving as found, not called minimal; fewestPreemptions null", () => {
    const t = mmrace("check", SCENARIO, "--no-shrink");
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/^Interleaving as found \(\d+ preemption\(s\), \d+ steps; not shrunk\):$/m);
    expect(t.stdout).not.toMatch(/^Minimal interleaving/m);
    const j = JSON.parse(mmrace("check", SCENARIO, "--no-shrink", "--json").stdout) as CheckReportLike;
    expect(j.fewestPreemptions).toBeNull();
  });

  test("check --steps and replay --steps: every step instead of the condensed narrative", () => {
    const c = mmrace("check", SCENARIO, "--steps");
    const r = mmrace(...replayArgv(text.stdout), "--steps");
    for (const x of [c, r]) {
      expect(x.code).toBe(1);
      expect(x.stdout).toContain(`kernel BUG at ${SITE}!`);
      expect(x.stdout).toContain("Call Trace:");
      expect(x.stdout).toMatch(/^(Minimal|Replayed) interleaving /m);
      expect(x.stdout).not.toMatch(/^ 1\. CPU\d+ /m);
      expect(x.stdout).toMatch(/^Replay: mmrace replay /m);
      const steps = lines(x.stdout).filter((l) => STEP_LINE.test(l));
      expect(steps.length).toBeGreaterThan(10);
      expect(steps[steps.length - 1]).toMatch(/ {2}mm\/truncate\.c:213 +truncate_inode_page: /);
    }
    // Same schedule, same steps.
    expect(lines(c.stdout).filter((l) => STEP_LINE.test(l))).toEqual(lines(r.stdout).filter((l) => STEP_LINE.test(l)));
    const j = JSON.parse(mmrace("check", SCENARIO, "--steps", "--json").stdout);
    expect(j.schedule).toBe(report.schedule);
    expect(j.trace.length).toBe(lines(c.stdout).filter((l) => STEP_LINE.test(l)).length);
  });

  describe("bad schedules: exit 2, one line", () => {
    const cases: [string, () => string[]][] = [
      ["a schedule for another scenario", () => ["replay", "collapse-vs-truncate", report.schedule as string]],
      ["a schedule for another HPAGE_PMD_NR", () => ["replay", SCENARIO, report.schedule as string, "--hpage-nr", "8"]],
      ["a tampered check", () => ["replay", SCENARIO, (report.schedule as string).replace(/\.[0-9a-z]+$/, ".0")]],
      [
        "an extra step after the bug",
        () => ["replay", SCENARIO, (report.schedule as string).replace(/\.([^.]+)$/, "a.$1")],
      ],
      [
        "explain, tampered check",
        () => ["explain", SCENARIO, (report.schedule as string).replace(/\.[0-9a-z]+$/, ".0")],
      ],
    ];
    test.each(cases)("%s", (_what, argv) => expectUsageError(mmrace(...argv())));
  });
});

describe("a schedule without a bug (writer A runs to its end, then writer B)", () => {
  // Built here with the engine: lenient replay of no choices runs each thread to its end in turn.
  const p = makeProgram(findScenario(SCENARIO));
  const r = runExecution(p, new ReplayStrategy([], true));
  const schedule = encodeSchedule({ program: p.id, choices: r.choices, check: r.traceHash });

  test("replay: no bug, exit 0; --steps lists the steps after the report", () => {
    expect(r.verdict).toBe("completed");
    const t = mmrace("replay", SCENARIO, schedule);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain("No bug found.");
    const st = mmrace("replay", SCENARIO, schedule, "--steps");
    expect(st.code).toBe(0);
    expect(lines(st.stdout).filter((l) => STEP_LINE.test(l))).toHaveLength(r.steps);
    expect(JSON.parse(mmrace("replay", SCENARIO, schedule, "--json").stdout)).toMatchObject({
      result: "ok",
      bug: null,
      schedule: null,
    });
  });

  test("explain: the story, ending with every thread finished, exit 0", () => {
    const t = mmrace("explain", SCENARIO, schedule);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^ 1\. CPU\d+ /m);
    expect(t.stdout).toMatch(/^ 2\. CPU\d+ /m);
    expect(lines(t.stdout).at(-1)).toBe("Ends: every thread finished, no bug.");
  });
});

describe("check --site: one failure site only", () => {
  test("collapse-vs-writeback --site include/linux/page_ref.h:184: the get_page that lands after the freeze", () => {
    // Race (c)'s first failure is bad_page, with no preemption. page_ref.h:184 needs end_page_writeback
    // switched out between get_page's check and its increment, and khugepaged switched out between its
    // freeze and its unfreeze while the increment runs: two preemptions, which the shrink proves minimal.
    const r = mmrace("check", "collapse-vs-writeback", "--site", "include/linux/page_ref.h:184", "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as {
      result: string;
      site: string;
      bug: { site: string };
      preemptions: number;
      coverage: string;
      replay: string;
    };
    expect(j).toMatchObject({ result: "bug", site: "include/linux/page_ref.h:184", preemptions: 2 });
    expect(j.bug.site).toBe("include/linux/page_ref.h:184");
    expect(j.coverage).toMatch(
      /looking for failures at include\/linux\/page_ref\.h:184 only \(went past others: .*mm\/page_alloc\.c:647/,
    );
    const again = mmrace(...j.replay.split(" ").slice(1), "--quiet");
    expect(again.stdout.trim()).toBe("collapse-vs-writeback: bug: VM_BUG_ON_PAGE at include/linux/page_ref.h:184");
  });

  test("a site no interleaving reaches: the whole search, exit 0, said in those words", () => {
    const r = mmrace("check", "collapse-vs-writeback", "--site", "mm/filemap.c:9999");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No failure at mm/filemap.c:9999 found.");
    expect(r.stdout).toMatch(/exhaustive — exhaustive stateful search/);
  });
});

describe("patches", () => {
  test("check --patch landed-5.16: the invalidate_lock (55fc0d917467) serialises the truncations", () => {
    const r = mmrace("check", SCENARIO, "--patch", "landed-5.16", "--json");
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.result).toBe("ok");
    expect(rep.bug).toBeNull();
    expect(rep.patches).toContain("lock-filemap-when-truncating");
    const q = mmrace("check", SCENARIO, "--patch", "landed-5.16", "--quiet");
    expect(q.code).toBe(0);
    expect(q.stdout).toBe(`${SCENARIO}: ok\n`);
  });
});

describe("bad input: exit 2 with one line on stderr, no stack, no help", () => {
  const S = `v1.${SCENARIO}~n4`;
  const cases: string[][] = [
    ["check", "no-such-scenario"],
    ["replay", "no-such-scenario", `${S}.a.0`],
    ["check", SCENARIO, "--patch", "no-such-patch"],
    ["check", SCENARIO, "--patch"],
    ["check", SCENARIO, "--strategy", "bfs"],
    ["check", SCENARIO, "--site", "x"],
    ["check", SCENARIO, "--site", "mm/truncate.c"],
    ["check", SCENARIO, "--site"],
    // malformed schedules
    ["replay", SCENARIO, `v2.${SCENARIO}~n4.a.0`],
    ["replay", SCENARIO, "1.truncate-vs-truncate~n4.a.0"],
    ["replay", SCENARIO, ""],
    ["replay", SCENARIO, "v1"],
    ["replay", SCENARIO, S],
    ["replay", SCENARIO, `${S}.a12b3`],
    ["replay", SCENARIO, `${S}.a.b.0`],
    ["replay", SCENARIO, `${S}..0`],
    ["replay", SCENARIO, `v1..a.0`],
    ["replay", SCENARIO, `${S}.A12b3.0`],
    ["replay", SCENARIO, `${S}.a!.0`],
    ["replay", SCENARIO, `${S}.3a.0`],
    ["replay", SCENARIO, `${S}.a0.0`],
    ["replay", SCENARIO, `${S}.a.XYZ`],
    ["replay", SCENARIO, `${S}.a.zzzzzzzz`],
    ["replay", SCENARIO, `${S}.a\nb.0`],
    ["replay", SCENARIO, `${S}.a.0`], // too short: threads could still run
    ["replay", SCENARIO, `${S}.z5.0`], // thread 25 does not exist
    ["explain", SCENARIO, `${S}.A.0`],
    // numbers
    ["check", SCENARIO, "--hpage-nr", "3"],
    ["check", SCENARIO, "--hpage-nr", "1024"],
    ["check", SCENARIO, "--hpage-nr", "0"],
    ["replay", SCENARIO, `${S}.a.0`, "--hpage-nr", "x"],
    ["check", SCENARIO, "--seed", "-1"],
    ["check", SCENARIO, "--seed", "1.5"],
    ["check", SCENARIO, "--seed", "4294967296"],
    ["check", SCENARIO, "--preemptions", "x"],
    ["check", SCENARIO, "--preemptions", "-2"],
    ["check", SCENARIO, "--time", "0"],
    ["check", SCENARIO, "--time", "-1"],
    ["check", SCENARIO, "--time", "0.5"],
    ["check", SCENARIO, "--max-executions", "0"],
    ["check", SCENARIO, "--depth", "0"],
    ["check", SCENARIO, "--depth", "1e3"],
    // commander
    ["check", "--bogus"],
    ["check", "--jsn"], // commander suggests --json: on the same line
    ["chek"],
    ["help", "chek"],
    ["check", "a", "b"],
    ["replay"],
    ["replay", SCENARIO],
    ["explain", SCENARIO],
  ];
  test.each(cases.map((c) => [c.join(" "), c]))("mmrace %s", (_name, argv) => expectUsageError(mmrace(...argv)));

  test("no command: help on stderr, exit 2", () => {
    const r = mmrace();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Usage: mmrace");
  });
});

describe("help and version", () => {
  test.each([["list"], ["check"], ["replay"], ["explain"]])("%s --help shows an example, exit 0", (cmd) => {
    for (const r of [mmrace(cmd, "--help"), mmrace("help", cmd)]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(new RegExp(`^Usage: mmrace ${cmd} `, "m"));
      expect(r.stdout).toMatch(new RegExp(`^Examples?:\\n {2}mmrace ${cmd}\\b`, "m"));
    }
  });

  test("mmrace --help lists every command; --version prints package.json's", () => {
    const r = mmrace("--help");
    expect(r.code).toBe(0);
    for (const c of ["list", "check", "replay", "explain", "help"])
      expect(r.stdout).toMatch(new RegExp(`^ {2}${c} `, "m"));
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    for (const v of [mmrace("--version"), mmrace("-V")]) {
      expect(v.code).toBe(0);
      expect(v.stdout).toBe(`${pkg.version}\n`);
    }
  });

  test("the schedules in the help examples still replay to the BUG", () => {
    for (const cmd of ["replay", "explain"]) {
      const help = mmrace(cmd, "--help").stdout;
      const ex = new RegExp(`^ {2}mmrace (${cmd} ${SCENARIO} v1\\S+)$`, "m").exec(help);
      expect(ex, `an example of ${cmd} with a schedule`).not.toBeNull();
      const r = mmrace(...(ex?.[1] ?? "").split(" "));
      expect(r.code, `${r.stderr} (update REPLAY_EXAMPLE in src/cli/cli.ts)`).toBe(1);
      expect(r.stdout).toContain(SITE);
    }
  });
});

test("a reader that closes the pipe early (`mmrace check --help | head -1`) gets no EPIPE stack trace", async () => {
  // The read end is closed before mmrace writes, so every write fails with EPIPE; that must be dropped
  // quietly, and the exit code stays the command's own (0 for --help).
  const child = spawn(process.execPath, [BIN, "check", "--help"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((done) => child.on("close", done));
  expect(stderr).toBe("");
  expect(code).toBe(0);
});

test("the bin is executable, so `npx mmrace` runs it (npm ci builds it through prepare → build)", () => {
  // npm exec runs the package's own bin file directly; a build that left it 0644 made `npx mmrace` fail
  // with "Permission denied" in a fresh clone.
  expect(statSync(BIN).mode & 0o111).not.toBe(0);
});

describe("check --checkpoint: a long search in pieces", () => {
  const dir = mkdtempSync(join(tmpdir(), "mmrace-cli-ckpt-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const args = [SCENARIO, "--patch", "landed-5.16"];

  test("stopped by --max-states, resumed to the end: the whole search's figures; the resume is said", () => {
    const whole = JSON.parse(mmrace("check", ...args, "--json").stdout);
    const file = join(dir, "tvt.ckpt");
    const part = mmrace("check", ...args, "--max-states", "100", "--checkpoint", file, "--json");
    expect(part.code).toBe(0);
    expect(JSON.parse(part.stdout).result).toBe("incomplete");
    expect(JSON.parse(part.stdout).coverage).toMatch(/saved in .*tvt\.ckpt: the same command goes on from here$/);
    const rest = mmrace("check", ...args, "--checkpoint", file, "--json");
    expect(rest.code).toBe(0);
    const r = JSON.parse(rest.stdout);
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
    expect(r.search.states).toBe(whole.search.states);
    expect(r.search.transitions).toBe(whole.search.transitions);
    expect(r.terminalStates).toBe(whole.terminalStates);
    expect(r.coverage).toMatch(
      /resumed from checkpoint .*tvt\.ckpt after [\d.]+ s of earlier runs; saved in \S*tvt\.ckpt$/,
    );
  });

  test("mmrace checkpoint says what a saved search is and how far it got, before and after its end", () => {
    const file = join(dir, "info.ckpt");
    expect(mmrace("check", ...args, "--max-states", "100", "--checkpoint", file, "--quiet").code).toBe(0);
    const text = mmrace("checkpoint", file);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\S*info\.ckpt: stateful search of truncate-vs-truncate~n4 patches=\[/);
    expect(text.stdout).toMatch(/written by build [0-9a-f]{16} \(this build\)/);
    expect(text.stdout).toMatch(/so far: 100 states, /);
    expect(text.stdout).toMatch(
      /goes on with the same command \(\d+ branches pending on its DFS stack, at depths 0–\d+\)/,
    );
    const before = JSON.parse(mmrace("checkpoint", file, "--json").stdout);
    expect(before).toMatchObject({ command: "checkpoint", states: 100, ended: null, thisBuild: true });
    expect(before.pending.branches).toBeGreaterThan(0);
    const whole = JSON.parse(mmrace("check", ...args, "--checkpoint", file, "--json").stdout);
    const after = JSON.parse(mmrace("checkpoint", file, "--json").stdout);
    expect(after).toMatchObject({ ended: "exhaustive", states: whole.search.states, executions: whole.executions });
    expect(mmrace("checkpoint", file).stdout).toMatch(/ended: every reachable state explored, no failure/);
    // Not a checkpoint, no file, no argument: one line, exit 2.
    const notes = join(dir, "notes2.txt");
    writeFileSync(notes, "mine\n");
    expectUsageError(mmrace("checkpoint", notes));
    expectUsageError(mmrace("checkpoint", join(dir, "none.ckpt")));
    expectUsageError(mmrace("checkpoint"));
  });

  test("bad checkpoints: exit 2, one line, the file left alone", () => {
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "mine\n");
    expectUsageError(mmrace("check", ...args, "--checkpoint", notes));
    expect(readFileSync(notes, "utf8")).toBe("mine\n");
    const other = join(dir, "other.ckpt");
    expect(mmrace("check", ...args, "--max-states", "10", "--checkpoint", other).code).toBe(0);
    const before = readFileSync(other);
    expectUsageError(mmrace("check", SCENARIO, "--checkpoint", other)); // other patches
    expectUsageError(mmrace("check", ...args, "--hpage-nr", "8", "--checkpoint", other));
    expect(readFileSync(other).equals(before)).toBe(true);
    expectUsageError(mmrace("check", ...args, "--checkpoint", join(dir, "no-such-dir", "x.ckpt")));
    expectUsageError(mmrace("check", ...args, "--strategy", "dfs", "--checkpoint", join(dir, "dfs.ckpt")));
    expectUsageError(mmrace("check", ...args, "--checkpoint-every", "5"));
    expectUsageError(mmrace("check", ...args, "--checkpoint", join(dir, "y.ckpt"), "--checkpoint-every", "0"));
  });
});

/** collapse-vs-truncate under Hugh's deletions + skip-thp-before-put: no bug, 47,377 states, a few seconds. */
const HUGH_SKIP = ["check", "collapse-vs-truncate", "--patch", "hugh-deletions", "--patch", "skip-thp-before-put"];
let hughSkip: string[] | null = null;

/** The final-state hashes of the single-thread search of HUGH_SKIP (run once). */
function hughSkipHashes(): string[] {
  hughSkip ??= JSON.parse(mmraceIn(120_000, ...HUGH_SKIP, "--json", "--list-states").stdout)
    .terminalStateHashes as string[];
  return hughSkip;
}

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
async function inTempDir(prefix: string, fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits (up to 30 s) until `ready()` holds. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !ready(); i++) await new Promise((r) => setTimeout(r, 50));
}

/** `mmrace ...args` in the background: the process, and its exit with what it printed. */
function background(args: string[]): { child: ChildProcess; exited: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<Run>((r) => child.once("close", (code) => r({ code, stdout, stderr })));
  return { child, exited };
}

/** The states a checkpoint file of a shared search holds (0 if there is no file yet). */
function savedStates(file: string): number {
  if (!existsSync(file)) return 0;
  const b = readFileSync(file);
  const at = "MMRACE-CHECKPOINT 1\n".length;
  const header = JSON.parse(b.toString("utf8", at + 4, at + 4 + b.readUInt32LE(at)));
  return header.strategy.entries as number;
}

describe("check --jobs: one stateful search on several worker threads", () => {
  test("the same verdict and final states as one thread, exhaustively", () => {
    // shmem-collapse-vs-punch under the landed fixes has no bug (10,378 states); split early so that most
    // of the search is dealt out.
    const args = ["check", "shmem-collapse-vs-punch", "--patch", "landed-5.16", "--json", "--list-states"];
    const one = JSON.parse(mmraceIn(120_000, ...args).stdout);
    const two = mmraceIn(120_000, ...args, "--jobs", "2", "--split-depth", "10");
    expect(two.code).toBe(0);
    const r = JSON.parse(two.stdout);
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
    expect(r.terminalStateHashes).toEqual(one.terminalStateHashes);
    expect(r.coverage).toMatch(
      /exhaustive stateful search: .* above step 10, searched by every worker, .* on 2 workers/,
    );
  });

  test("a bug is found, shrunk and proven as with one thread", () => {
    const r = mmraceIn(120_000, "check", "collapse-vs-truncate", "--jobs", "2", "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.bug.site).toBe("mm/truncate.c:213");
    expect(j.fewestPreemptions).toBe(true);
    expect(mmrace("replay", "collapse-vs-truncate", j.schedule, "--quiet").code).toBe(1);
  });

  test("saved, then resumed to the end with another number of workers: the single search's final states", async () => {
    await inTempDir("mmrace-cli-jobs-ckpt-", async (dir) => {
      const base = ["check", "shmem-collapse-vs-punch", "--patch", "landed-5.16", "--json", "--list-states"];
      const one = JSON.parse(mmraceIn(120_000, ...base).stdout);
      const file = join(dir, "punch.ckpt");
      const part = mmraceIn(
        120_000,
        ...base,
        "--jobs",
        "2",
        "--split-depth",
        "10",
        "--max-states",
        "3000",
        "--checkpoint",
        file,
      );
      expect(part.code).toBe(0);
      expect(JSON.parse(part.stdout).result).toBe("incomplete");
      // A single-thread search cannot take over a shared one's file, and leaves it alone.
      const saved = readFileSync(file);
      expectUsageError(mmrace("check", "shmem-collapse-vs-punch", "--patch", "landed-5.16", "--checkpoint", file));
      expect(readFileSync(file).equals(saved)).toBe(true);
      const rest = JSON.parse(
        mmraceIn(120_000, ...base, "--jobs", "3", "--split-depth", "10", "--checkpoint", file).stdout,
      );
      expect(rest.result).toBe("ok");
      expect(rest.exhaustive).toBe(true);
      expect(rest.terminalStateHashes).toEqual(one.terminalStateHashes);
      expect(rest.search.states).toBeGreaterThanOrEqual(3000);
      const info = JSON.parse(mmrace("checkpoint", file, "--json").stdout);
      expect(info).toMatchObject({ strategy: "stateful-shared split=10", ended: "exhaustive", pending: null });
      expect(rest.coverage).toMatch(
        /resumed from checkpoint \S*punch\.ckpt after [\d.]+ s of earlier runs; saved in \S*punch\.ckpt$/,
      );
    });
  });

  test("killed while it runs, resumed from its last periodic save: the single search's final states", async () => {
    await inTempDir("mmrace-cli-jobs-kill-", async (dir) => {
      const file = join(dir, "k.ckpt");
      const args = [...HUGH_SKIP, "--jobs", "2", "--checkpoint", file, "--json", "--list-states"];
      const run = background([...args, "--checkpoint-every", "1"]);
      // Kill it (no chance to save) once a periodic save holds some states: the file is then what the
      // workers' pause left, with whatever each had on its stack marked unexplored.
      for (let i = 0; i < 600 && savedStates(file) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      run.child.kill("SIGKILL");
      await run.exited;
      expect(savedStates(file)).toBeGreaterThan(0);
      const rest = JSON.parse(mmraceIn(120_000, ...args).stdout);
      expect(rest.result).toBe("ok");
      expect(rest.terminalStateHashes).toEqual(hughSkipHashes());
      expect(rest.coverage).toMatch(/resumed from checkpoint \S*k\.ckpt after [\d.]+ s of earlier runs/);
    });
  });

  test("Ctrl-C stops the workers, saves, reports; the same command goes on to the single search's end", async () => {
    await inTempDir("mmrace-cli-jobs-int-", async (dir) => {
      const file = join(dir, "i.ckpt");
      const args = [...HUGH_SKIP, "--jobs", "2", "--checkpoint", file, "--json", "--list-states"];
      const run = background(args);
      for (let i = 0; i < 600 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 700)); // the workers are searching
      run.child.kill("SIGINT");
      const r = await run.exited;
      expect(r.code).toBe(0);
      const part = JSON.parse(r.stdout);
      expect(part.result).toBe("incomplete");
      expect(part.coverage).toMatch(/interrupted \(Ctrl-C\).*saved in \S*i\.ckpt: the same command goes on from here$/);
      const rest = JSON.parse(mmraceIn(120_000, ...args).stdout);
      expect(rest.result).toBe("ok");
      expect(rest.terminalStateHashes).toEqual(hughSkipHashes());
    });
  });

  test("a periodic save that cannot be written stops the search: one line, exit 2", async () => {
    await inTempDir("mmrace-cli-jobs-gone-", async (dir) => {
      const sub = join(dir, "sub");
      mkdirSync(sub);
      const file = join(sub, "g.ckpt");
      const run = background([...HUGH_SKIP, "--jobs", "2", "--checkpoint", file, "--checkpoint-every", "1"]);
      // The first save is written at the start; then the folder goes (as root, permissions would not stop a
      // write), so the next periodic save fails.
      for (let i = 0; i < 600 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
      rmSync(sub, { recursive: true, force: true });
      const r = await run.exited;
      expectUsageError(r);
      expect(r.stderr).toMatch(/cannot write checkpoint/);
    });
  });

  test("a search saved at its bug reports that bug again when resumed", async () => {
    await inTempDir("mmrace-cli-jobs-bug-", async (dir) => {
      const args = ["check", "collapse-vs-truncate", "--jobs", "2", "--json", "--checkpoint", join(dir, "b.ckpt")];
      const first = mmraceIn(120_000, ...args);
      expect(first.code).toBe(1);
      const again = mmraceIn(120_000, ...args);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.stdout).bug.site).toBe(JSON.parse(first.stdout).bug.site);
      expect(JSON.parse(again.stdout).schedule).toBe(JSON.parse(first.stdout).schedule);
    });
  });

  test("combinations it cannot do: one line, exit 2", () => {
    expectUsageError(mmrace("check", "--jobs", "2", "--strategy", "dfs"));
    expectUsageError(mmrace("check", "--split-depth", "5"));
    expectUsageError(mmrace("check", "--jobs", "2", "--max-executions", "10"));
    expectUsageError(mmrace("check", "--jobs", "0"));
  });
});
