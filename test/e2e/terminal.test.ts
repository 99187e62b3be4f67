/**
 * Colour, hyperlinks and progress lines on a terminal, and their absence elsewhere. The terminal is a
 * pseudo-terminal made by util-linux `script` (as in progress.test.ts); `2>/dev/null` inside its command
 * keeps stderr (progress lines) off the terminal where only stdout is under test. Each run gets a clean
 * environment: no NO_COLOR, FORCE_COLOR or MMRACE_NO_LINKS unless the test sets them, TERM=xterm-256color.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { SITE_PATTERN } from "../../src/report/html/escape.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ESC = "\u001b";
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`, "g");
const OSC8 = new RegExp(`${ESC}\\]8;;([^${ESC}]*)${ESC}\\\\`, "g");
const LINK_213 = `${ESC}]8;;https://elixir.bootlin.com/linux/v5.15-rc3/source/mm/truncate.c#L213${ESC}\\mm/truncate.c:213${ESC}]8;;${ESC}\\`;

type Env = Record<string, string>;

function env(extra: Env): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color", ...extra };
  for (const k of ["NO_COLOR", "FORCE_COLOR", "MMRACE_NO_LINKS"]) if (!(k in extra)) delete e[k];
  return e;
}

interface Out {
  readonly code: number | null;
  readonly out: string;
}

/** Runs mmrace with stdout on a pseudo-terminal; stderr too unless `stderr` is false. */
function inTerminal(args: string[], extra: Env = {}, stderr = false): Out {
  const cmd = `node dist/bin/main.js ${args.join(" ")}${stderr ? "" : " 2>/dev/null"}`;
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: env(extra),
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, out: r.stdout.replace(/\r\n/g, "\n") };
}

/** Runs mmrace with stdout and stderr piped. */
function piped(args: string[], extra: Env = {}): Out & { readonly err: string } {
  const r = spawnSync(process.execPath, ["dist/bin/main.js", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: env(extra),
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function plain(s: string): string {
  return s.replace(SGR, "").replace(OSC8, "");
}

/** The kernel sites in a plain text, in order. */
function sites(s: string): string[] {
  return [...s.matchAll(new RegExp(SITE_PATTERN, "g"))].map((m) => m[0]);
}

/** The link targets in a decorated text, in order. */
function links(s: string): string[] {
  return [...s.matchAll(OSC8)].map((m) => m[1] as string).filter((u) => u !== "");
}

/** Run times differ between two runs of the same search. */
function noTimes(s: string): string {
  return s.replace(/\(\d+ ms\)/g, "(N ms)");
}

const CHECK = ["check", "truncate-vs-truncate"];

describe("check on a terminal", () => {
  let tty: Out;
  let pipe: Out;
  beforeAll(() => {
    tty = inTerminal(CHECK);
    pipe = piped(CHECK);
  });

  test("the oops's BUG line is bold red with its site linked; Found: is red", () => {
    expect(tty.code).toBe(1);
    expect(tty.out).toContain(`${ESC}[1;31mkernel BUG at ${LINK_213}!${ESC}[22;39m\n`);
    expect(tty.out).toContain(`${ESC}[31mFound: VM_BUG_ON_PAGE at ${LINK_213} (PageTail(page))${ESC}[39m\n`);
    expect(tty.out).toMatch(new RegExp(`^ 1\\. ${ESC}\\[1mCPU\\d+ writer [AB]${ESC}\\[22m`, "m"));
  });

  test("every kernel file:line is a link to its line on Elixir, and the text is otherwise the piped text", () => {
    expect(pipe.code).toBe(1);
    const text = plain(tty.out);
    expect(noTimes(text)).toBe(noTimes(pipe.out));
    const want = sites(pipe.out).map((s) => {
      const [, file, line] = /^(.*):(\d+)$/.exec(s) as unknown as [string, string, string];
      return `https://elixir.bootlin.com/linux/v5.15-rc3/source/${file}#L${line}`;
    });
    expect(want.length).toBeGreaterThan(5);
    expect(links(tty.out)).toEqual(want);
  });

  test("piped output has no escape codes at all, even with FORCE_COLOR", () => {
    expect(pipe.out).not.toContain(ESC);
    const forced = piped(CHECK, { FORCE_COLOR: "1" });
    expect(forced.out).not.toContain(ESC);
    expect(noTimes(forced.out)).toBe(noTimes(pipe.out));
  });

  test("no bug is green; the --quiet verdicts are coloured too", () => {
    const ok = inTerminal([...CHECK, "--patch", "landed-5.16"]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`${ESC}[32mNo bug found.${ESC}[39m\n`);
    const q = inTerminal([...CHECK, "--quiet"]);
    expect(q.out).toBe(`${ESC}[31mtruncate-vs-truncate: bug: VM_BUG_ON_PAGE at ${LINK_213}${ESC}[39m\n`);
    const qok = inTerminal([...CHECK, "--quiet", "--patch", "landed-5.16"]);
    expect(qok.out).toBe(`${ESC}[32mtruncate-vs-truncate: ok${ESC}[39m\n`);
  });

  test("--json on a terminal is plain JSON", () => {
    const j = inTerminal([...CHECK, "--json"]);
    expect(j.out).not.toContain(ESC);
    expect(JSON.parse(j.out).bug.site).toBe("mm/truncate.c:213");
  });
});

describe("turning colour and links off on a terminal", () => {
  const hasColour = (s: string) => new RegExp(`${ESC}\\[[0-9;]*m`).test(s);
  const hasLinks = (s: string) => s.includes(`${ESC}]8;;`);
  const q = [...CHECK, "--quiet"];

  test.each([
    ["NO_COLOR=1", { NO_COLOR: "1" }, false, true],
    ["NO_COLOR set but empty", { NO_COLOR: "" }, false, true],
    ["FORCE_COLOR=0", { FORCE_COLOR: "0" }, false, true],
    ["FORCE_COLOR=1 overrides NO_COLOR", { FORCE_COLOR: "1", NO_COLOR: "1" }, true, true],
    ["MMRACE_NO_LINKS=1", { MMRACE_NO_LINKS: "1" }, true, false],
    ["MMRACE_NO_LINKS=0 keeps links", { MMRACE_NO_LINKS: "0" }, true, true],
    ["TERM=dumb", { TERM: "dumb" }, false, false],
  ] as [string, Env, boolean, boolean][])("%s", (_name, extra, colour, linked) => {
    const r = inTerminal(q, extra);
    expect(r.code).toBe(1);
    expect(hasColour(r.out)).toBe(colour);
    expect(hasLinks(r.out)).toBe(linked);
    expect(plain(r.out)).toBe("truncate-vs-truncate: bug: VM_BUG_ON_PAGE at mm/truncate.c:213\n");
  });

  test("--no-links: colour stays, links go; the full report's text is unchanged", () => {
    const r = inTerminal([...CHECK, "--no-links"]);
    expect(r.out).not.toContain(`${ESC}]8;;`);
    expect(r.out).toContain(`${ESC}[1;31mkernel BUG at mm/truncate.c:213!${ESC}[22;39m`);
    const n = inTerminal(CHECK, { NO_COLOR: "1" });
    expect(hasColour(n.out)).toBe(false);
    expect(n.out).toContain(`kernel BUG at ${LINK_213}!\n`);
  });
});

describe("stress on a terminal", () => {
  test("a progress line with time left, executions, exec/s and failures, cleared before the report", () => {
    const r = inTerminal(["stress", "--time", "3", "--no-shrink"], {}, true);
    expect(r.out).toMatch(
      /stress-madvise-dso \(pct\) \[[█░]+\] \d+ s left \| \d+ executions \| \d+ exec\/s \| failures \d+ at \d+ site\(s\)/,
    );
    const report = r.out.indexOf("mmrace stress stress-madvise-dso — HPAGE_PMD_NR=512");
    expect(report).toBeGreaterThan(0);
    expect(r.out.lastIndexOf("exec/s")).toBeLessThan(report);
    expect(r.out.slice(0, report).endsWith(`${ESC}[2K`)).toBe(true); // the line was cleared first
  });

  test("the sites of the failure table are linked; no progress with --quiet or when piped", () => {
    const args = ["stress", "--hpage-nr", "4", "--max-executions", "1000", "--seed", "5"];
    const r = inTerminal(args);
    expect(r.code).toBe(1);
    const table = r.out.slice(r.out.indexOf("Failures by site"));
    expect(table).toContain(`  ${LINK_213}  VM_BUG_ON_PAGE(PageTail(page)): `);
    expect(table).toContain(
      `${ESC}]8;;https://elixir.bootlin.com/linux/v5.15-rc3/source/mm/filemap.c#L2096${ESC}\\mm/filemap.c:2096${ESC}]8;;${ESC}\\`,
    );
    const q = inTerminal(["stress", "--time", "2", "--no-shrink", "--quiet"], {}, true);
    expect(q.out).not.toMatch(/exec\/s/);
    const p = piped(["stress", "--time", "2", "--no-shrink"]);
    expect(p.err).toBe("");
    expect(p.out).not.toContain(ESC);
  });
});

describe("matrix on a terminal", () => {
  // collapse-vs-truncate: four cells of a few seconds in all, so the progress line (drawn after the first
  // second) shows; reverse-collapse-rollback is exhaustively free of bugs (a green cell).
  const args = [
    "matrix",
    "--scenario",
    "collapse-vs-truncate",
    "--patch",
    "lock-filemap-when-truncating",
    "--patch",
    "landed-5.16",
    "--patch",
    "reverse-collapse-rollback",
  ];

  test("a progress line (cells done of the total, the current cell, elapsed time), then cells in colour", () => {
    const r = inTerminal(args, {}, true);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      // One running cell per worker thread (--jobs defaults to the cores), listed with commas.
      /matrix \[[█░]+\] [0-3]\/4 cells \| collapse-vs-truncate × (rc3|lock-filemap-when-truncating|landed-5\.16|reverse-collapse-rollback)(, collapse-vs-truncate × (rc3|lock-filemap-when-truncating|landed-5\.16|reverse-collapse-rollback))* \| \d+ s/,
    );
    // A bug is red with its site linked, no bug green.
    expect(r.out).toMatch(
      new RegExp(
        ` {2}rc3 +${ESC}\\[31mBUG ${ESC}\\]8;;https://elixir\\.bootlin\\.com/linux/v5\\.15-rc3/source/mm/truncate\\.c#L213${ESC}\\\\truncate\\.c:213${ESC}\\]8;;${ESC}\\\\ \\(3p\\)${ESC}\\[39m\n`,
      ),
    );
    expect(r.out).toMatch(new RegExp(`${ESC}\\[32mno bug \\(exhaustive: \\d+ states\\)${ESC}\\[39m`));
  });

  test("piped: plain cells, no progress", () => {
    const p = piped(args);
    expect(p.code).toBe(0);
    expect(p.err).toBe("");
    expect(p.out).not.toContain(ESC);
    expect(p.out).toMatch(/^ {2}rc3 +BUG truncate\.c:213 \(3p\)$/m);
  });
});
