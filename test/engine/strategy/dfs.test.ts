import { describe, expect, test } from "vitest";
import { failureKey, run } from "../../../src/engine/runner.js";
import { DfsStrategy } from "../../../src/engine/strategy/dfs.js";
import { binomial, distinct, explore, factorial } from "../drive.js";
import { abba, atomicity3, independent, LU_CHECK, leaky, lostUpdate, resetLeak } from "../programs.js";
import { increments, READY_CHECK, readyThenIdle } from "../statefulPrograms.js";

/**
 * Independent oracle for n threads of k steps that never block: every arrangement of the multiset
 * {0^k, 1^k, ..., (n-1)^k} is one interleaving, and a switch from thread t is a preemption unless t just
 * ran its last step. Returns how many interleavings have exactly p preemptions, for each p.
 */
function preemptionHistogram(n: number, k: number): number[] {
  const hist: number[] = [];
  const left = new Array<number>(n).fill(k);
  const walk = (prev: number, pre: number, remaining: number): void => {
    if (remaining === 0) {
      hist[pre] = (hist[pre] ?? 0) + 1;
      return;
    }
    for (let t = 0; t < n; t++) {
      if (left[t] === 0) continue;
      const cost = prev >= 0 && t !== prev && (left[prev] as number) > 0 ? 1 : 0;
      left[t] = (left[t] as number) - 1;
      walk(t, pre + cost, remaining - 1);
      left[t] = (left[t] as number) + 1;
    }
  };
  walk(-1, 0, n * k);
  return Array.from(hist, (h) => h ?? 0);
}

/** Runs DFS to the end, remembering the pass (bound) each execution belonged to. */
function exhaust(program: ReturnType<typeof independent>, maxPreemptions: number) {
  const dfs = new DfsStrategy(maxPreemptions);
  const { results, tags } = explore(program, dfs, { tag: () => dfs.bound });
  const lastPass = Math.max(...tags);
  return { dfs, results, tags, lastPass, inLastPass: tags.filter((b) => b === lastPass).length };
}

describe("DFS on two independent threads of k steps", () => {
  /*
   * An interleaving of two threads of k steps is a word with k a's and k b's: C(2k, k) of them.
   *
   * Preemptions: in a word with r runs (aabba has 3), every switch is a preemption except the one into
   * the final run, which follows the other thread's last step. So p = r − 2, and the largest p is
   * 2k − 2 (abab...ab). The passes run at bounds 0, 1, ..., 2k − 2: each pass b prunes the words with
   * more than b preemptions, and pass 2k − 2 prunes nothing, so DFS reports `unbounded`.
   *
   * Each pass re-runs every word with at most b preemptions (the strategy is stateless and starts every
   * pass from scratch), so the last pass alone runs each of the C(2k, k) words once and the whole search
   * runs sum_b N(≤ b) = sum_r N_r (2k + 1 − r) executions, with N_r the number of words of r runs.
   * N_r is symmetric about r = k + 1 (N_2m = 2 C(k−1, m−1)^2 and N_2m+1 = 2 C(k−1, m) C(k−1, m−1) are
   * unchanged by r -> 2k + 2 − r), so the mean of r is k + 1 and the total is k · C(2k, k).
   */
  for (let k = 1; k <= 5; k++) {
    test(`k = ${k}: C(${2 * k},${k}) = ${binomial(2 * k, k)} interleavings, unbounded`, () => {
      const { dfs, results, lastPass, inLastPass } = exhaust(independent(2, k), 2 * k);
      const words = binomial(2 * k, k);
      expect(distinct(results)).toBe(words);
      expect(lastPass).toBe(2 * k - 2);
      expect(inLastPass).toBe(words);
      expect(results.length).toBe(k * words);
      expect(dfs.exhausted).toBe(true);
      expect(dfs.unbounded).toBe(true);
      expect(results.every((r) => r.verdict === "completed" && r.steps === 2 * k)).toBe(true);
      expect(dfs.describe()).toBe(
        `exhaustive DFS: every interleaving run (${k * words} executions; no bound was needed)`,
      );
    });
  }

  test("the runner agrees: ok, exhaustive, one terminal state", () => {
    // Every thread only writes its own counter: all C(6,3) = 20 interleavings end in "3,3".
    const r = run(independent(2, 3), new DfsStrategy(6));
    expect(r.outcome).toBe("ok");
    expect(r.exhaustive).toBe(true);
    expect(r.executions).toBe(3 * 20);
    expect([...r.terminalStates]).toEqual(["3,3"]);
    expect(r.verdicts.completed).toBe(60);
  });

  test("a bound below 2k − 2 is exhaustive within the bound only", () => {
    /*
     * k = 3, bound 1: words with r ≤ 3 runs. N_2 = 2 (aaabbb, bbbaaa); N_3 = 2 C(2,1) C(2,0) = 4
     * (a^i b^3 a^(3−i) for i = 1, 2, and the mirror). Pass 0 runs 2, pass 1 runs 2 + 4 = 6: 8 in all,
     * 6 distinct, and words with 2 or more preemptions were pruned, so not unbounded.
     */
    const { dfs, results } = exhaust(independent(2, 3), 1);
    expect(distinct(results)).toBe(6);
    expect(results.length).toBe(8);
    expect(Math.max(...results.map((r) => r.preemptions))).toBe(1);
    expect(dfs.exhausted).toBe(true);
    expect(dfs.unbounded).toBe(false);
    expect(dfs.describe()).toBe("exhaustive DFS within 1 preemption(s) (8 executions)");
  });
});

describe("DFS on three independent threads of k steps", () => {
  /*
   * Interleavings are arrangements of {a^k, b^k, c^k}: the multinomial (3k)! / (k!)^3 = 6, 90, 1680 for
   * k = 1, 2, 3. The last pass runs each once. The total over all passes is sum_b N(≤ b), with N taken
   * from preemptionHistogram (an enumeration that does not use the engine).
   */
  for (let k = 1; k <= 3; k++) {
    const words = factorial(3 * k) / factorial(k) ** 3;
    test(`k = ${k}: ${words} interleavings`, () => {
      const hist = preemptionHistogram(3, k);
      expect(hist.reduce((a, b) => a + b, 0)).toBe(words);
      let total = 0;
      let upTo = 0;
      for (const h of hist) {
        upTo += h;
        total += upTo;
      }
      const { dfs, results, lastPass, inLastPass } = exhaust(independent(3, k), 3 * k);
      expect(distinct(results)).toBe(words);
      expect(lastPass).toBe(hist.length - 1);
      expect(inLastPass).toBe(words);
      expect(results.length).toBe(total);
      expect(dfs.unbounded).toBe(true);
      // Each preemption count seen matches the oracle's histogram in the last pass.
      const seen: number[] = new Array<number>(hist.length).fill(0);
      for (const r of results.slice(results.length - words)) seen[r.preemptions] = (seen[r.preemptions] ?? 0) + 1;
      expect(seen).toEqual(hist);
    });
  }
});

describe("DFS on the lost update", () => {
  test("bound 0 finds nothing and is exhaustive within the bound", () => {
    /*
     * Without preemption a thread runs until it finishes: its read and its write are back to back, so
     * the only executions are AABB and BBAA (the first choice is free), both ending with x == 2.
     */
    const dfs = new DfsStrategy(0);
    const r = run(lostUpdate(), dfs);
    expect(r.outcome).toBe("ok");
    expect(r.exhaustive).toBe(true);
    expect(dfs.unbounded).toBe(false);
    expect(r.executions).toBe(2);
    expect([...r.terminalStates]).toEqual(["x=2"]);
    expect(r.coverage).toBe("exhaustive DFS within 0 preemption(s) (2 executions)");
  });

  test("bound 1 finds it with one preemption", () => {
    /*
     * Pass 0 runs AABB and BBAA. Pass 1 starts again with AABB, then backtracks to the deepest branch
     * that costs at most 1: after A's read, run B (1 preemption). B reads and writes, then A (free: B
     * finished) writes its stale tmp + 1: x == 1. That is the 4th execution, choices 0,1,1,0.
     */
    const r = run(lostUpdate(), new DfsStrategy(1));
    expect(r.outcome).toBe("bug");
    expect(r.executions).toBe(4);
    const first = r.first;
    expect(first?.verdict).toBe("bug");
    expect(first?.choices).toEqual([0, 1, 1, 0]);
    expect(first?.preemptions).toBe(1);
    expect(first?.bug?.thread).toBe(-1);
    expect(first?.bug?.message).toBe("lost update: x == 1 after two increments");
    expect(first && failureKey(first)).toBe(`${LU_CHECK.file}:${LU_CHECK.line}`);
  });
});

describe("DFS on ABBA", () => {
  test("finds the deadlock and both stacks show what each thread waits for", () => {
    /*
     * Fewest preemptions: AB takes A and stops at its wait for B (steps 0, 1); a preemption to BA,
     * which stops at its wait for B (step 2) and takes it (step 3), then waits for A. Nothing can run.
     */
    const r = run(abba(), new DfsStrategy(2));
    expect(r.outcome).toBe("bug");
    const first = r.first;
    expect(first?.verdict).toBe("deadlock");
    expect(first?.preemptions).toBe(1);
    expect(first?.choices).toEqual([0, 0, 1, 1]);
    expect(first?.stacks).toEqual([
      {
        id: 0,
        name: "AB",
        trace: [
          { fn: "mutex_lock", at: "lock.c:32" },
          { fn: "worker_ab", at: null },
        ],
        state: "blocked",
        waitingFor: "mutex B",
        at: "lock.c:32 wait for the owner to unlock",
      },
      {
        id: 1,
        name: "BA",
        trace: [
          { fn: "mutex_lock", at: "lock.c:32" },
          { fn: "worker_ba", at: null },
        ],
        state: "blocked",
        waitingFor: "mutex A",
        at: "lock.c:32 wait for the owner to unlock",
      },
    ]);
    expect(r.failureSites.get("deadlock")).toBe(1);
  });

  test("without preemptions there is no deadlock", () => {
    // Each thread takes both locks and releases them before the other starts.
    const r = run(abba(), new DfsStrategy(0));
    expect(r.outcome).toBe("ok");
    expect(r.executions).toBe(2);
  });
});

describe("DFS replay of its prefixes", () => {
  test("a model whose setup leaks state between executions makes DFS diverge", () => {
    /*
     * leaky(): thread 0 takes 3 steps in odd executions and 1 in even ones. Execution 1 runs 0,0,0,1;
     * pass 0 backtracks to the free first choice (1,0 in execution 2); pass 1 restarts with 0,0,0,1 and
     * then replays the prefix 0,0 before trying thread 1: but in execution 4 thread 0 finished after
     * one step, so the prefix names a thread that cannot run.
     */
    resetLeak();
    expect(() => run(leaky(), new DfsStrategy(2))).toThrow(
      /dfs replay diverged at step 1: thread 0 is not runnable; the model is nondeterministic/,
    );
  });

  test("the bound must be a whole number", () => {
    expect(() => new DfsStrategy(-1)).toThrow(/preemption bound/);
    expect(() => new DfsStrategy(1.5)).toThrow(/preemption bound/);
  });
});

describe("local steps (the shrinker's proof of the fewest preemptions)", () => {
  test.each([
    ["lost update, 3 local steps per thread", () => lostUpdate(3), 1],
    ["atomicity3, 2 local steps per thread", () => atomicity3(2), 2],
  ])("%s: the same fewest preemptions, none below, in fewer executions", (_name, mk, fewest) => {
    // Cutting the other branches after the running thread's local step keeps, for every schedule, one
    // with no more preemptions (dfs.ts): the bug is found at the same bound, and the pass below it is
    // still exhaustive and finds nothing.
    const plain = new DfsStrategy(fewest);
    const a = run(mk(), plain, { stopOnFailure: false });
    const cut = new DfsStrategy(fewest, 0, { localSteps: true });
    const b = run(mk(), cut, { stopOnFailure: false });
    expect(a.first?.preemptions).toBe(fewest);
    expect(b.first?.preemptions).toBe(fewest);
    expect([...b.failureSites.keys()]).toEqual([...a.failureSites.keys()]);
    expect(cut.localCuts).toBeGreaterThan(0);
    expect(cut.executions).toBeLessThan(plain.executions);
    const below = new DfsStrategy(fewest - 1, 0, { localSteps: true });
    const c = run(mk(), below, { stopOnFailure: false });
    expect(below.exhausted).toBe(true);
    expect(c.failureSites.size).toBe(0);
  });
});

describe("the state cache (the shrinker's proof at bounds from 3)", () => {
  test.each([
    ["increments of 3 threads", () => increments(3), 2],
    ["increments of 4 threads", () => increments(4), 2],
  ])("%s: the same fewest preemptions, the same final states, fewer executions", (_name, mk, bound) => {
    // A pass that ends executions at states it reached before with no more preemptions (and the same
    // thread last to run) still covers every state reachable within its bound (dfs.ts): the failure
    // comes at the same bound, every final state within the bound is still reached, and the executions
    // are those of the states, not of every path to them.
    const plain = new DfsStrategy(bound, 0, { localSteps: true });
    const a = run(mk(), plain, { stopOnFailure: false });
    const cached = new DfsStrategy(bound, 0, { localSteps: true, cacheFromBound: 0 });
    const b = run(mk(), cached, { stopOnFailure: false });
    expect(b.first?.preemptions).toBe(a.first?.preemptions);
    expect([...b.failureSites.keys()].sort()).toEqual([...a.failureSites.keys()].sort());
    expect([...b.terminalStates].sort()).toEqual([...a.terminalStates].sort());
    expect(cached.statePrunes).toBeGreaterThan(0);
    expect(cached.executions).toBeLessThan(plain.executions);
  });

  test("a pass below the cache's first bound runs as before", () => {
    const plain = new DfsStrategy(2, 0, { localSteps: true });
    run(increments(3), plain, { stopOnFailure: false });
    const late = new DfsStrategy(2, 0, { localSteps: true, cacheFromBound: 3 });
    run(increments(3), late, { stopOnFailure: false });
    expect(late.statePrunes).toBe(0);
    expect(late.executions).toBe(plain.executions);
  });

  test("a cycle closed by the cache after a local step's cut: the cut branch is restored (stack proviso)", () => {
    // readyThenIdle: thread 0's idle steps are local and come back to the same state, so the cache ends
    // the first execution where the second idle step returns; the cut it made of thread 1's branch there
    // must be undone, or the failure (thread 1 just after `ready`, one preemption) is never run.
    const dfs = new DfsStrategy(1, 0, { localSteps: true, cacheFromBound: 0 });
    const r = run(readyThenIdle(), dfs, { stopOnFailure: false });
    expect(r.first?.preemptions).toBe(1);
    expect(r.first === null ? null : failureKey(r.first)).toBe(`${READY_CHECK.file}:${READY_CHECK.line}`);
    expect(dfs.exhausted).toBe(true);
  });
});
