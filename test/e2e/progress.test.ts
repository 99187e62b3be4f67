/**
 * The progress line: on stderr only when it is a terminal (here a pseudo-terminal made by util-linux
 * `script`, part of every Debian system), only after a second of search, and never with --json or when
 * output is piped. stress-madvise-dso at HPAGE_PMD_NR=512 runs ~100 executions/s, so a 3 s random run
 * certainly passes the one-second mark.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARGS = ["check", "stress-madvise-dso", "--strategy", "random", "--time", "3", "--no-shrink"];

function inTerminal(args: string[]): string {
  const cmd = ["node", "dist/bin/main.js", ...args].join(" ");
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  if (r.error !== undefined) throw r.error;
  return r.stdout;
}

test("a terminal gets a progress line with executions, rate and failures, cleared before the report", () => {
  const out = inTerminal(ARGS);
  expect(out).toMatch(/stress-madvise-dso \(random\) \[[█░]+\] \d+\/10000 executions \| \d+ exec\/s \| failures 0/);
  expect(out).toContain("No bug found.");
});

test("--json in a terminal and piped output get no progress line", () => {
  expect(inTerminal([...ARGS, "--json"])).not.toMatch(/exec\/s/);
  const piped = spawnSync(process.execPath, ["dist/bin/main.js", ...ARGS], { cwd: ROOT, encoding: "utf8" });
  expect(piped.stderr).toBe("");
  expect(piped.stdout).toContain("No bug found.");
});

test("a failure to shrink is announced at once in a terminal: what, after how many executions, how long", () => {
  // The default check finds race (b) in well under a second, then shrinks it: the line comes before the
  // report (the report goes to stdout after the shrink; script(1) merges both in order).
  const out = inTerminal(["check", "collapse-vs-truncate"]);
  const found = out.search(
    /collapse-vs-truncate: found VM_BUG_ON_PAGE at mm\/truncate\.c:213 after \d+ executions \(\d+\.\d s\); shrinking it/,
  );
  expect(found).toBeGreaterThanOrEqual(0);
  // The report in a terminal has colour and a link around the file name: look for the plain words.
  expect(out.indexOf("kernel BUG at ")).toBeGreaterThan(found);
  const piped = spawnSync(process.execPath, ["dist/bin/main.js", "check", "collapse-vs-truncate"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(piped.stderr).toBe("");
});

test("stress says in a terminal that it shrinks the first failure, once its budget is spent", () => {
  // truncate-vs-truncate at HPAGE_PMD_NR=512 fails within a few PCT executions (race (a)); the shrink
  // runs after the 2 s budget, on the first failure the run met.
  const out = inTerminal(["stress", "truncate-vs-truncate", "--time", "2"]);
  const line = out.search(/truncate-vs-truncate: shrinking the first failure \([A-Z_]+ at mm\/[a-z]+\.c:\d+\)/);
  expect(line).toBeGreaterThanOrEqual(0);
  expect(out.indexOf("kernel BUG at ")).toBeGreaterThan(line);
});
