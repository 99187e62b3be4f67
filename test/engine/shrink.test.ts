import { describe, expect, test } from "vitest";
import type { Program } from "../../src/engine/program.js";
import { checkReplay } from "../../src/engine/replayCheck.js";
import type { ExecutionResult } from "../../src/engine/result.js";
import { failureKey, run } from "../../src/engine/runner.js";
import { type ShrinkProgress, shrink } from "../../src/engine/shrink.js";
import { RandomStrategy } from "../../src/engine/strategy/random.js";
import { AT_CHECK, abba, atomicity3, LU_CHECK, lostUpdate } from "./programs.js";

/** The first failure a seeded random walk finds. */
function randomFailure(program: Program, seed: number): ExecutionResult {
  const r = run(program, new RandomStrategy(seed), { maxExecutions: 100_000 });
  if (r.first === null) throw new Error(`seed ${seed} found nothing in ${program.id}`);
  return r.first;
}

function word(parts: [number, number][]): string {
  return parts.map(([t, n]) => String(t).repeat(n)).join("");
}

describe("shrinking the lost update to its single preemption", () => {
  /*
   * lost-update-p8: each thread runs 8 local steps, its read, its write (10 steps). A failing
   * execution needs one thread's read between the other's read and write. With one preemption the
   * only way is: X runs its 8 local steps and its read (9 steps), is preempted, Y runs all 10 steps,
   * X writes (the switch back is free: Y finished). Preempting X any earlier would need Y preempted
   * too. So the minimum is 1, reached by exactly two schedules, 20 steps like every execution here.
   */
  const pad = 8;
  const minimal = [
    word([
      [0, pad + 1],
      [1, pad + 2],
      [0, 1],
    ]),
    word([
      [1, pad + 1],
      [0, pad + 2],
      [1, 1],
    ]),
  ];
  for (const seed of [1, 2, 3]) {
    test(`random seed ${seed}`, () => {
      const program = lostUpdate(pad);
      const original = randomFailure(program, seed);
      expect(original.preemptions).toBeGreaterThanOrEqual(4);
      const s = shrink(program, original);
      expect(s.result.verdict).toBe("bug");
      expect(s.result.preemptions).toBe(1);
      expect(s.minimalPreemptions).toBe(true);
      expect(failureKey(s.result)).toBe(`${LU_CHECK.file}:${LU_CHECK.line}`);
      expect(failureKey(s.result)).toBe(failureKey(original));
      expect(s.result.steps).toBeLessThanOrEqual(original.steps);
      expect(minimal).toContain(s.result.choices.join(""));
      expect(s.executions).toBeLessThanOrEqual(20_000);
      expect(checkReplay(program, s.result).ok).toBe(true);
    });
  }
});

describe("shrinking an atomicity violation to its two preemptions", () => {
  /*
   * atomicity3-p5: the reader R runs 5 local steps and reads x three times (8 steps); each incrementer
   * runs 5 local steps and x++ (6 steps). R must see three values, so an increment falls between R's
   * first and second read and the other between its second and third: R is switched away from twice
   * while it can run, 2 preemptions at least. Two suffice: R to its first read (6 steps), I all 6
   * steps, R's second read, I' all 6 steps (both switches back to R are free), R's third read, where
   * it fails. Starting with an incrementer costs a preemption more (it must finish first, or be
   * preempted), so the minimal schedules are exactly these two (I, I' = 1, 2 or 2, 1), 20 steps.
   */
  const pad = 5;
  const minimal = [1, 2].map((i) =>
    word([
      [0, pad + 1],
      [i, pad + 1],
      [0, 1],
      [3 - i, pad + 1],
      [0, 1],
    ]),
  );
  for (const seed of [1, 2, 3]) {
    test(`random seed ${seed}`, () => {
      const program = atomicity3(pad);
      const original = randomFailure(program, seed);
      expect(original.preemptions).toBeGreaterThanOrEqual(5);
      const s = shrink(program, original);
      expect(s.result.verdict).toBe("bug");
      expect(s.result.preemptions).toBe(2);
      expect(s.minimalPreemptions).toBe(true);
      expect(failureKey(s.result)).toBe(`${AT_CHECK.file}:${AT_CHECK.line}`);
      expect(s.result.bug?.thread).toBe(0);
      expect(s.result.steps).toBeLessThanOrEqual(original.steps);
      expect(minimal).toContain(s.result.choices.join(""));
      expect(checkReplay(program, s.result).ok).toBe(true);
    });
  }
});

describe("shrinking other failures", () => {
  test("a random ABBA deadlock shrinks to one preemption and stays a deadlock", () => {
    const original = randomFailure(abba(), 4);
    expect(original.verdict).toBe("deadlock");
    const s = shrink(abba(), original);
    expect(s.result.verdict).toBe("deadlock");
    expect(s.result.preemptions).toBe(1);
    expect(s.minimalPreemptions).toBe(true);
    expect(checkReplay(abba(), s.result).ok).toBe(true);
  });

  test("a minimal failure is kept, and proven minimal", () => {
    // 0,1,1,0 has one preemption; DFS at bound 0 (two executions) proves no failure has none.
    const original = run(lostUpdate(), new RandomStrategy(1)).first as ExecutionResult;
    expect(original.preemptions).toBe(1);
    const s = shrink(lostUpdate(), original);
    expect(s.result.preemptions).toBe(1);
    expect(s.minimalPreemptions).toBe(true);
  });

  test("with no budget the original comes back, not claimed minimal", () => {
    const original = randomFailure(lostUpdate(8), 1);
    const s = shrink(lostUpdate(8), original, { maxExecutions: 0 });
    expect(s.result).toBe(original);
    expect(s.executions).toBe(0);
    expect(s.minimalPreemptions).toBe(false);
  });
});

describe("the shrink's progress", () => {
  test("starts with the failure found, then follows the greedy passes and the proof's bound", () => {
    // The lost update shrinks to one preemption (above), so its proof is the pass at bound 0, which finds
    // nothing: reported with bound 0 while it runs, and with bound null before it (the greedy passes).
    const program = lostUpdate(8);
    const original = randomFailure(program, 1);
    const seen: ShrinkProgress[] = [];
    const s = shrink(program, original, { onProgress: (p) => seen.push(p), progressEveryMs: 0 });
    expect(seen[0]).toMatchObject({ executions: 0, preemptions: original.preemptions, bound: null });
    for (let i = 1; i < seen.length; i++) {
      expect((seen[i] as ShrinkProgress).executions).toBeGreaterThanOrEqual((seen[i - 1] as ShrinkProgress).executions);
    }
    const proof = seen.filter((p) => p.bound !== null);
    expect(proof.length).toBeGreaterThan(0);
    expect(proof.every((p) => p.bound === 0 && p.preemptions === 1)).toBe(true);
    expect(seen.filter((p) => p.bound === null).every((p) => p.preemptions >= s.result.preemptions)).toBe(true);
    expect(s.minimalPreemptions).toBe(true);
  });
});
