import { describe, expect, test } from "vitest";
import { run } from "../../../src/engine/runner.js";
import { RandomStrategy } from "../../../src/engine/strategy/random.js";
import { explore } from "../drive.js";
import { independent, lostUpdate } from "../programs.js";

/*
 * The lost update under a uniform random walk: whoever runs first (X) reads; at the second step both
 * threads are enabled and the walk picks Y with probability 1/2. Then both reads precede both writes
 * and x ends at 1, whatever follows. Otherwise X writes first and Y runs alone: x == 2. So one
 * execution finds the bug with probability exactly 1/2: 2 executions expected.
 */
describe("random walk on the lost update", () => {
  test("seed 1 finds it within 5 × the expected 2 executions", () => {
    const rnd = new RandomStrategy(1);
    const r = run(lostUpdate(), rnd, { maxExecutions: 10 });
    expect(r.outcome).toBe("bug");
    expect(r.executions).toBe(2);
    expect(r.executions).toBeLessThanOrEqual(10);
    expect(r.first?.bug?.condition).toBe("x == 2");
    expect(rnd.describe()).toBe("random walk, seed 1, 2 executions (no coverage guarantee)");
  });

  test("over 200 seeds the mean number of executions to the bug is about 2", () => {
    // Geometric with p = 1/2: mean 2, standard deviation √2; the mean of 200 has standard error 0.1.
    let sum = 0;
    for (let seed = 1; seed <= 200; seed++) sum += run(lostUpdate(), new RandomStrategy(seed)).executions;
    const mean = sum / 200;
    expect(mean).toBeGreaterThan(1.6);
    expect(mean).toBeLessThan(2.4);
  });

  test("the walk is reproducible from its seed", () => {
    const a = explore(lostUpdate(3), new RandomStrategy(99), { maxExecutions: 30 }).results;
    const b = explore(lostUpdate(3), new RandomStrategy(99), { maxExecutions: 30 }).results;
    expect(a.map((r) => r.choices.join(""))).toEqual(b.map((r) => r.choices.join("")));
    const c = explore(lostUpdate(3), new RandomStrategy(100), { maxExecutions: 30 }).results;
    expect(c.map((r) => r.choices.join(""))).not.toEqual(a.map((r) => r.choices.join("")));
  });
});

describe("random walk distribution", () => {
  test("two threads of two steps: AABB and BBAA 1/4 each, the four others 1/8 each", () => {
    /*
     * The walk picks uniformly among enabled threads, not among interleavings: AABB = 1/2 · 1/2 (then
     * B is alone); ABAB = 1/2 · 1/2 · 1/2 (the third pick is between A and B again); likewise ABBA,
     * BAAB, BABA. Over N = 8000 executions the counts are binomial: 2000 ± 39 and 1000 ± 30 (one
     * standard deviation); the test allows five.
     */
    const N = 8000;
    const counts = new Map<string, number>();
    for (const r of explore(independent(2, 2), new RandomStrategy(2024), { maxExecutions: N }).results) {
      const key = r.choices.join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["0011", "0101", "0110", "1001", "1010", "1100"]);
    for (const w of ["0011", "1100"]) expect(Math.abs((counts.get(w) ?? 0) - N / 4)).toBeLessThan(5 * 39);
    for (const w of ["0101", "0110", "1001", "1010"]) {
      expect(Math.abs((counts.get(w) ?? 0) - N / 8)).toBeLessThan(5 * 30);
    }
  });

  test("a single enabled thread costs no random draw", () => {
    // One thread of 5 steps: the walk never consults its PRNG, so the next program sees the same stream.
    const rnd = new RandomStrategy(5);
    explore(independent(1, 5), rnd, { maxExecutions: 3 });
    const after = explore(lostUpdate(), rnd, { maxExecutions: 20 }).results;
    const fresh = explore(lostUpdate(), new RandomStrategy(5), { maxExecutions: 20 }).results;
    expect(after.map((r) => r.choices.join(""))).toEqual(fresh.map((r) => r.choices.join("")));
  });
});
