/**
 * `mmrace matrix`, spawned as a user would run it, on the fast scenario only. Expected cells come from
 * the kernel code (see test/races/truncate-vs-truncate.test.ts): rc3 crashes at mm/truncate.c:213 with two
 * preemptions; 55fc0d917467's invalidate_lock serialises the two truncations, so no reachable state fails
 * (the stateful search is exhaustive).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { PATCH_SETS, PATCHES } from "../../src/kernel/patches/index.js";

const BIN = fileURLToPath(new URL("../../dist/bin/main.js", import.meta.url));

function mmrace(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Cell {
  scenario: string;
  column: string;
  result: string;
  site: string | null;
  preemptions: number | null;
  bound: number;
  exhaustive: boolean;
  states: number;
}

test("matrix --json: rc3 crashes, the invalidate_lock fix closes race (a) for every interleaving", () => {
  const r = mmrace("matrix", "--scenario", "truncate-vs-truncate", "--patch", "lock-filemap-when-truncating", "--json");
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { cells: Cell[]; columns: { name: string }[] };
  expect(out.columns.map((c) => c.name)).toEqual(["rc3", "lock-filemap-when-truncating"]);
  const [rc3, fixed] = out.cells;
  expect(rc3).toMatchObject({ result: "bug", site: "mm/truncate.c:213", preemptions: 2 });
  expect(fixed).toMatchObject({ result: "ok", exhaustive: true });
  // With the truncations serialised, the writers' states are those of one truncation after the other (and
  // khugepaged-free): far fewer than rc3's interleaved ones; at least one per step of a truncation.
  expect(fixed?.states).toBeGreaterThan(50);
  expect(fixed?.states).toBeLessThan(rc3?.states ?? 0);
});

test("matrix text: one block per scenario with a cell per column", () => {
  const r = mmrace("matrix", "--scenario", "truncate-vs-truncate", "--patch", "landed-5.16");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /truncate-vs-truncate\n {2}rc3 +BUG truncate\.c:213 \(2p\)\n {2}landed-5\.16 +no bug \(exhaustive: \d+ states\)/,
  );
});

test("matrix rejects an unknown patch or scenario with one line and exit 2", () => {
  for (const args of [
    ["--patch", "nope"],
    ["--scenario", "nope"],
  ]) {
    const r = mmrace("matrix", ...args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
  }
});

test("matrix --jobs 2 runs cells on two worker threads: the same cells, in the same order, as --jobs 1", () => {
  // Each cell is a deterministic search (exhaustive or stopped at its first failure), so where it runs
  // cannot change it.
  const args = ["matrix", "--scenario", "collapse-vs-writeback", "--scenario", "truncate-vs-truncate", "--json"];
  const cells = (jobs: string) => {
    const r = mmrace(...args, "--jobs", jobs);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { cells: (Cell & { elapsedMs?: number })[] }).cells.map(
      ({ elapsedMs: _t, ...c }) => c,
    );
  };
  const one = cells("1");
  // Two scenarios × (rc3, each patch, the two sets).
  expect(one).toHaveLength(2 * (1 + PATCHES.length + Object.keys(PATCH_SETS).length));
  expect(cells("2")).toEqual(one);
});

test("matrix --jobs refuses 0 and non-numbers with one line and exit 2", () => {
  for (const v of ["0", "x", "1.5"]) {
    const r = mmrace("matrix", "--jobs", v);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--jobs");
  }
});
