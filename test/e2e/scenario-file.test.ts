/**
 * User scenarios from a JSON file (`mmrace check ./file.json`), with the same validation and errors as
 * built-ins. examples/three-writers.json is race (a) with a third opener: writers A and B alone reach the
 * crash at two preemptions (test/races/truncate-vs-truncate.test.ts), and writer C can run after them
 * without a preemption, so the crash is found within two.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = fileURLToPath(new URL("../../dist/bin/main.js", import.meta.url));

function mmrace(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("scenario files", () => {
  test("the shipped example finds race (a) and its replay line reproduces it", () => {
    const r = mmrace("check", "examples/three-writers.json", "--preemptions", "2");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("kernel BUG at mm/truncate.c:213!");
    const m = /^Replay: mmrace (replay .*)$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    const again = mmrace(...(m?.[1] ?? "").split(/\s+/), "--quiet");
    expect(again.code).toBe(1);
    expect(again.stdout.trim()).toBe("three-writers: bug: VM_BUG_ON_PAGE at mm/truncate.c:213");
  });

  const base = {
    name: "x",
    summary: "s",
    file: { kind: "regular", cache: "thp" },
    threads: [{ name: "w", cpu: 1, comm: "c", ops: [{ op: "open-for-write" }] }],
  };
  const bad: [string, unknown, RegExp][] = [
    [
      "unknown operation",
      { ...base, threads: [{ ...base.threads[0], ops: [{ op: "opne" }] }] },
      /threads\[0\]\.ops\[0\]\.op: unknown operation 'opne'/,
    ],
    ["unknown field", { ...base, colour: 1 }, /\.colour: unknown field/],
    ["bad name", { ...base, name: "a.b" }, /\.name: may contain only/],
    ["bad cache", { ...base, file: { kind: "regular", cache: "huge" } }, /\.file\.cache: must be/],
    [
      "negative index",
      { ...base, threads: [{ ...base.threads[0], ops: [{ op: "end-page-writeback", index: -1 }] }] },
      /index: must be a whole number/,
    ],
    ["no threads", { ...base, threads: [] }, /\.threads: must list 1 to 26 threads/],
    [
      "truncate of a regular file",
      { ...base, threads: [{ ...base.threads[0], ops: [{ op: "truncate", size: 0 }] }] },
      /threads\[0\]: 'truncate' is modelled for tmpfs files only/,
    ],
    [
      "a partial page",
      {
        ...base,
        file: { kind: "shmem", cache: "small" },
        threads: [{ ...base.threads[0], ops: [{ op: "punch-hole", offset: 100, len: 4096 }] }],
      },
      /ops\[0\]\.offset: must be a multiple of 4096/,
    ],
    [
      "map-read of a tmpfs file",
      {
        ...base,
        file: { kind: "shmem", cache: "small" },
        threads: [{ ...base.threads[0], ops: [{ op: "map-read", start: 0, nr: 0 }] }],
      },
      /threads\[0\]: 'map-read' is modelled for regular files only/,
    ],
    [
      "the old shmem-truncate",
      { ...base, threads: [{ ...base.threads[0], ops: [{ op: "shmem-truncate", lstart: 0, lend: -1 }] }] },
      /'shmem-truncate' was replaced by 'truncate' \{size\} .* and 'punch-hole'/,
    ],
  ];
  test.each(bad)("%s is one line on stderr and exit 2", (_what, content, message) => {
    const dir = mkdtempSync(join(tmpdir(), "mmrace-scn-"));
    const file = join(dir, "s.json");
    writeFileSync(file, JSON.stringify(content));
    const r = mmrace("check", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  test("tmpfs operations: truncate and punch-hole from a file run as the built-ins do", () => {
    // The built-in shmem-collapse-vs-truncate, as a file: the same search, the same first bug.
    const dir = mkdtempSync(join(tmpdir(), "mmrace-scn-"));
    const shmem = (name: string, op: unknown) => ({
      name,
      summary: "s",
      file: { kind: "shmem", cache: "small" },
      threads: [
        { name: "khugepaged", cpu: 0, comm: "khugepaged", ops: [{ op: "collapse-file", start: 0 }] },
        { name: "t", cpu: 1, comm: "t", ops: [op] },
      ],
    });
    const file = join(dir, "t.json");
    writeFileSync(file, JSON.stringify(shmem("t", { op: "truncate", size: 0 })));
    const mine = mmrace("check", file, "--quiet");
    expect(mine.code).toBe(1);
    expect(mine.stdout.trim()).toBe("t: bug: VM_BUG_ON_PAGE at mm/filemap.c:2096");
    const punch = join(dir, "p.json");
    writeFileSync(punch, JSON.stringify(shmem("p", { op: "punch-hole", offset: 0, len: 8192 })));
    const r = mmrace("check", punch, "--patch", "landed-5.16", "--quiet");
    expect(r.stdout.trim()).toBe("p: ok");
    expect(r.code).toBe(0);
  });

  test("a missing file and invalid JSON are one-line errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "mmrace-scn-"));
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ not json");
    for (const f of [join(dir, "missing.json"), file]) {
      const r = mmrace("check", f);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^mmrace: /);
    }
  });
});
