import { describe, expect, test } from "vitest";
import { failureKey, run } from "../../../src/engine/runner.js";
import { PctStrategy } from "../../../src/engine/strategy/pct.js";
import { AT_CHECK, atomicity3, LU_CHECK, lostUpdate } from "../programs.js";

/*
 * The lost update under PCT with depth d = 2 (one change point c, uniform in 1..k).
 *
 * n = 2 threads, k = 4 steps (each thread: read, write). Say X has the higher priority. c = 2 is the
 * only point that exposes the bug: X reads at step 1, is demoted at step 2, Y reads and writes, X
 * writes its stale value. c = 1 demotes X before it runs (Y, Y, X, X), c = 3 or 4 falls after X
 * finished (X, X, Y, Y). So one execution finds the bug with probability exactly 1/k = 1/4, above the
 * paper's guarantee 1/(n·k^(d−1)) = 1/8. Expected executions to the first find: at most n·k = 8.
 */
describe("PCT on the lost update", () => {
  const n = 2;
  const k = 4;

  test("depth 2, seed 1: found within 5·n·k executions; describe() states the bound", () => {
    const pct = new PctStrategy(1, 2, k);
    const r = run(lostUpdate(), pct, { maxExecutions: 5 * n * k });
    expect(r.outcome).toBe("bug");
    // Seed 1 finds it at execution 3 (≤ 40 is what the theory promises on average-times-five).
    expect(r.executions).toBe(3);
    expect(r.executions).toBeLessThanOrEqual(5 * n * k);
    expect(r.first?.preemptions).toBe(1);
    expect(r.first && failureKey(r.first)).toBe(`${LU_CHECK.file}:${LU_CHECK.line}`);
    const text = pct.describe();
    expect(text).toContain("PCT depth 2, seed 1, n=2 threads, k=4 steps");
    expect(text).toContain("≥ 1/(n·k^(d−1)) = 1.25e-1");
    expect(pct.bound()).toBe(1 / (n * k));
    expect(r.coverage).toBe(text);
  });

  test("over 200 seeds the mean number of executions to the bug is ≤ n·k", () => {
    // True per-execution probability 1/4 gives a geometric mean of 4 (standard error ≈ 0.25 over 200
    // seeds); the guarantee only promises ≤ 8.
    let sum = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const r = run(lostUpdate(), new PctStrategy(seed, 2, k), { maxExecutions: 1000 });
      expect(r.outcome).toBe("bug");
      sum += r.executions;
    }
    const mean = sum / 200;
    expect(mean).toBeLessThanOrEqual(n * k);
    expect(mean).toBeGreaterThan(3);
    expect(mean).toBeLessThan(5.5);
  });

  test("the default k of 100 is a valid but looser bound", () => {
    /*
     * k starts at initialK = 100 and only grows, so for this 4-step program the change point is drawn
     * from 1..100: probability exactly 1/100 per execution, guarantee 1/(n·k) = 1/200 = 5.00e-3.
     */
    const pct = new PctStrategy(1, 2);
    const r = run(lostUpdate(), pct, { maxExecutions: 5 * n * 100 });
    expect(r.outcome).toBe("bug");
    expect(r.executions).toBe(53);
    expect(pct.describe()).toContain("k=100 steps");
    expect(pct.describe()).toContain("= 5.00e-3");
  });

  test("same seed, same executions", () => {
    const a = run(lostUpdate(4), new PctStrategy(7, 2, 12), { maxExecutions: 50, stopOnFailure: false });
    const b = run(lostUpdate(4), new PctStrategy(7, 2, 12), { maxExecutions: 50, stopOnFailure: false });
    expect(a.verdicts).toEqual(b.verdicts);
    expect(a.first?.choices).toEqual(b.first?.choices);
  });

  test("depth must be a whole number ≥ 1", () => {
    expect(() => new PctStrategy(1, 0)).toThrow(RangeError);
  });
});

/*
 * atomicity3: the reader R reads x three times; two incrementers I, I' run one step each. The bug needs
 * R, I, R, I', R in that order (R reads three different values).
 *
 * Under PCT: R runs step 1 with I and I' enabled, so R starts highest. Step 2 needs I above R: R is
 * demoted at step 2. Step 3 needs R above I', still undemoted and so above every demoted thread: I' is
 * demoted at step 3, below R. Step 4 needs I' above R: R is demoted again, below I'. That is three
 * change points, each later one lower than the earlier ones (priority d − i), so depth d = 4; with d = 3
 * (two change points) the bug is unreachable.
 *
 * With n = 3, k = 5 the guarantee is 1/(n·k^(d−1)) = 1/375 per execution.
 */
describe("PCT on an atomicity violation that needs one thread demoted twice", () => {
  test("depth 3 cannot find it", () => {
    const r = run(atomicity3(), new PctStrategy(1, 3, 5), { maxExecutions: 500 });
    expect(r.outcome).toBe("ok");
    expect(r.verdicts.completed).toBe(500);
  });

  test("depth 4 finds it within 5·n·k^3 executions", () => {
    const pct = new PctStrategy(1, 4, 5);
    const r = run(atomicity3(), pct, { maxExecutions: 5 * 375 });
    expect(r.outcome).toBe("bug");
    expect(r.executions).toBe(27);
    expect(r.executions).toBeLessThanOrEqual(5 * 375);
    // R, I, R, I', R with either incrementer first.
    expect([[0, 1, 0, 2, 0].join(), [0, 2, 0, 1, 0].join()]).toContain(r.first?.choices.join());
    expect(r.first && failureKey(r.first)).toBe(`${AT_CHECK.file}:${AT_CHECK.line}`);
    expect(pct.describe()).toContain("= 2.67e-3");
  });
});
