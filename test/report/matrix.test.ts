/**
 * The matrix's fewest-preemptions column (report/matrix.ts): what a cell says when the bounded search
 * finds the failure, and when its time runs out first (the bound it reports is the last one searched in
 * full, so ">Bp" never claims more than was searched).
 */
import { describe, expect, test } from "vitest";
import { cellText, fewestPreemptions, type MatrixCell } from "../../src/report/matrix.js";
import { increments } from "../engine/statefulPrograms.js";

describe("fewest preemptions of a cell's failure", () => {
  test("two increments: the lost update needs one preemption (T1 reads between T0's read and write)", () => {
    const np = fewestPreemptions(increments(2), 6, undefined);
    expect(np.first?.preemptions).toBe(1);
    expect(np.bound).toBe(6);
  });

  test("out of time before the pass at 0 ended: no bound was searched in full", () => {
    // A budget of 0 ms stops the search before its first execution.
    const np = fewestPreemptions(increments(2), 6, 0);
    expect(np.first).toBeNull();
    expect(np.bound).toBe(-1);
  });
});

describe("a bug cell's text", () => {
  const cell = (preemptions: number | null, bound: number): MatrixCell => ({
    scenario: "s",
    column: "c",
    result: "bug",
    site: "mm/filemap.c:311",
    condition: null,
    preemptions,
    bound,
    exhaustive: false,
    states: 1,
    executions: 1,
    elapsedMs: 1,
  });

  test("the fewest preemptions, or more than the bound searched, or unknown", () => {
    expect(cellText(cell(6, 6))).toBe("BUG filemap.c:311 (6p)");
    expect(cellText(cell(null, 3))).toBe("BUG filemap.c:311 (>3p)");
    expect(cellText(cell(null, -1))).toBe("BUG filemap.c:311 (?p)");
  });
});
