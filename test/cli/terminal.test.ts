/**
 * src/cli/terminal.ts in process: when colour and links are on (a terminal, then the environment), and
 * what decorating a report changes (escape codes only: stripped, the text is the same).
 */
import { describe, expect, test } from "vitest";
import { decorate, link, PLAIN, paint, terminalFor } from "../../src/cli/terminal.js";

const ESC = "\u001b";
const BOTH = { color: true, links: true };

function strip(s: string): string {
  return s
    .replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "")
    .replace(new RegExp(`${ESC}\\]8;;[^${ESC}]*${ESC}\\\\`, "g"), "");
}

describe("terminalFor", () => {
  const term = { TERM: "xterm-256color" };
  test("not a terminal: nothing, whatever the environment or options say", () => {
    expect(terminalFor({}, false, term)).toEqual(PLAIN);
    expect(terminalFor({ links: true }, false, { ...term, FORCE_COLOR: "3" })).toEqual(PLAIN);
  });

  test.each([
    [{}, {}, BOTH],
    [{ NO_COLOR: "1" }, {}, { color: false, links: true }],
    [{ NO_COLOR: "" }, {}, { color: false, links: true }],
    [{ NO_COLOR: "0" }, {}, { color: false, links: true }],
    [{ FORCE_COLOR: "0" }, {}, { color: false, links: true }],
    [{ FORCE_COLOR: "false" }, {}, { color: false, links: true }],
    [{ FORCE_COLOR: "1", NO_COLOR: "1" }, {}, BOTH],
    [{ FORCE_COLOR: "" }, {}, BOTH],
    [{ MMRACE_NO_LINKS: "1" }, {}, { color: true, links: false }],
    [{ MMRACE_NO_LINKS: "0" }, {}, BOTH],
    [{ MMRACE_NO_LINKS: "" }, {}, BOTH],
    [{}, { links: false }, { color: true, links: false }],
    [{ TERM: "dumb" }, {}, PLAIN],
    [{ TERM: "dumb", FORCE_COLOR: "1" }, {}, { color: true, links: false }],
  ] as [Record<string, string>, { links?: boolean }, typeof BOTH][])("env %j, options %j → %j", (env, o, want) => {
    expect(terminalFor(o, true, { ...term, ...env })).toEqual(want);
  });
});

describe("decorate", () => {
  const report = [
    "page dumped because: VM_BUG_ON_PAGE(PageTail(page))",
    "kernel BUG at mm/truncate.c:213!",
    "NMI backtrace for cpu 2 (writer B: finished)",
    " 1. CPU1 writer A (steps 0–11):",
    "      stops at find_lock_entries: x (mm/filemap.c:2097)",
    "Found: VM_BUG_ON_PAGE at mm/truncate.c:213 (PageTail(page))",
    "Replay: mmrace replay truncate-vs-truncate v1.x",
    "No bug found.",
    "382 executions, 23883 steps, 1 distinct final states, not exhaustive — DFS (301 ms)",
  ].join("\n");

  test("plain: unchanged", () => expect(decorate(PLAIN, report)).toBe(report));

  test("decorated: the same text once escape codes are stripped, one link per site", () => {
    const d = decorate(BOTH, report);
    expect(d).not.toBe(report);
    expect(strip(d)).toBe(report);
    expect(d.split(`${ESC}]8;;https://`).length - 1).toBe(3);
    expect(d).toContain(`${ESC}]8;;https://elixir.bootlin.com/linux/v5.15-rc3/source/mm/filemap.c#L2097${ESC}\\`);
  });

  test("line by line: BUG bold red, Found red, no bug green, backtrace headers and totals dim", () => {
    const d = decorate({ color: true, links: false }, report).split("\n");
    expect(d[0]).toBe("page dumped because: VM_BUG_ON_PAGE(PageTail(page))");
    expect(d[1]).toBe(`${ESC}[1;31mkernel BUG at mm/truncate.c:213!${ESC}[22;39m`);
    expect(d[2]).toBe(`${ESC}[2mNMI backtrace for cpu 2 (writer B: finished)${ESC}[22m`);
    expect(d[3]).toBe(` 1. ${ESC}[1mCPU1 writer A${ESC}[22m${ESC}[2m (steps 0–11):${ESC}[22m`);
    expect(d[5]).toMatch(new RegExp(`^${ESC}\\[31mFound: .*${ESC}\\[39m$`));
    expect(d[6]).toBe(`${ESC}[2mReplay: ${ESC}[22mmmrace replay truncate-vs-truncate v1.x`);
    expect(d[7]).toBe(`${ESC}[32mNo bug found.${ESC}[39m`);
    expect(d[8]).toMatch(new RegExp(`^${ESC}\\[2m382 executions`));
  });

  test("paint and link do nothing when off", () => {
    expect(paint(PLAIN, "red", "x")).toBe("x");
    expect(link(PLAIN, "https://example.org/", "x")).toBe("x");
    expect(link({ color: false, links: true }, "https://example.org/", "x")).toBe(
      `${ESC}]8;;https://example.org/${ESC}\\x${ESC}]8;;${ESC}\\`,
    );
  });
});
