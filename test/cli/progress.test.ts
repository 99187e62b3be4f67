/** The stress progress line's arithmetic: how much of the budget is used and how long is left. */
import { describe, expect, test } from "vitest";
import { duration, stressLeft, timeShare } from "../../src/cli/progress.js";

const at = (executions: number, elapsedMs: number) => ({ executions, steps: 0, failures: 0, elapsedMs, detail: "" });

describe("stressLeft", () => {
  test("a time budget: the fraction of the time, the time left", () => {
    expect(stressLeft(at(100, 15_000), { timeMs: 60_000, maxExecutions: null })).toEqual({
      done: 0.25,
      leftMs: 45_000,
    });
  });
  test("an execution budget: the fraction of the executions, the time left at the current rate", () => {
    expect(stressLeft(at(250, 10_000), { timeMs: null, maxExecutions: 1000 })).toEqual({ done: 0.25, leftMs: 30_000 });
  });
  test("both: whichever ends first", () => {
    expect(stressLeft(at(500, 10_000), { timeMs: 60_000, maxExecutions: 1000 })).toEqual({ done: 0.5, leftMs: 10_000 });
    expect(stressLeft(at(10, 30_000), { timeMs: 60_000, maxExecutions: 1000 })).toEqual({ done: 0.5, leftMs: 30_000 });
  });
  test("past the deadline: done, nothing left", () => {
    expect(stressLeft(at(10, 61_000), { timeMs: 60_000, maxExecutions: null }).done).toBe(1);
  });
});

test("duration", () => {
  expect(duration(0)).toBe("0 s");
  expect(duration(59_400)).toBe("59 s");
  expect(duration(185_000)).toBe("3 min 05 s");
  expect(duration(-5)).toBe("0 s");
});

test("timeShare: a check's --time bar, in thousandths of the budget", () => {
  expect(timeShare(0, 60_000)).toBe(0);
  expect(timeShare(15_000, 60_000)).toBe(250);
  expect(timeShare(61_000, 60_000)).toBe(1000); // past the deadline (the run ends at its next execution)
});
