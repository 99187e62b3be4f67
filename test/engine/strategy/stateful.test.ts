import { describe, expect, test } from "vitest";
import { runExecution } from "../../../src/engine/execution.js";
import { failureKey, run } from "../../../src/engine/runner.js";
import { crossCheckMerge } from "../../../src/engine/state/crossCheck.js";
import { DfsStrategy } from "../../../src/engine/strategy/dfs.js";
import { StatefulStrategy } from "../../../src/engine/strategy/stateful.js";
import { binomial, distinct, explore } from "../drive.js";
import { abba, independent } from "../programs.js";
import { BOOM_CHECK, idleAndBoom, increments, localWork, spin, staleRead } from "../statefulPrograms.js";

/** Plain DFS with no preemption bound: the reference the stateful search must agree with. */
function plain(program: Parameters<typeof run>[0]) {
  return run(program, new DfsStrategy(1000), { stopOnFailure: false });
}

describe("stateful search on textbook programs", () => {
  test.each([1, 2, 3, 4])("grid 2x%i: (k+1)² − 1 states, 2k(k+1) transitions, one execution per branch", (k) => {
    // A state is the pair of positions (p0, p1), 0 ≤ p ≤ k; the all-done corner is terminal (no scheduling
    // point). Every state but the terminal one is expanded once; the transitions are the grid's edges:
    // 2 threads × k moves × (k+1) positions of the other thread.
    const st = new StatefulStrategy({ sleepSets: false });
    const r = run(independent(2, k), st, { stopOnFailure: false });
    expect(st.exhausted).toBe(true);
    expect(st.states).toBe((k + 1) ** 2 - 1);
    expect(st.transitions).toBe(2 * k * (k + 1));
    expect([...r.terminalStates]).toEqual([`${k},${k}`]);
    // Executions: one per DFS branch — the first, plus one per further enabled thread at each state.
    // States with both threads enabled (p0, p1 < k) have one extra branch each: k² of them.
    expect(st.executions).toBe(1 + k * k);
    // Stateless DFS runs every interleaving: C(2k, k).
    expect(distinct(explore(independent(2, k), new DfsStrategy(1000)).results)).toBe(binomial(2 * k, k));
  });

  test("grid 3x2: 3³ − 1 states and 3·2·3² transitions", () => {
    const st = new StatefulStrategy({ sleepSets: false });
    run(independent(3, 2), st, { stopOnFailure: false });
    expect(st.states).toBe(26);
    expect(st.transitions).toBe(54);
  });

  test.each([
    [2, 1],
    [2, 2],
    [2, 3],
    [2, 4],
    [3, 2],
    [3, 3],
  ])("grid %ix%i with sleep sets: every state, entered once; (k+1)^(n−1) executions", (n, k) => {
    // Sleep sets cut transitions, not states (Godefroid 1996, §5.2): all (k+1)^n − 1 non-final states are
    // still reached, but with independent threads each is entered by exactly one transition (the explored
    // transitions form a spanning tree: transitions = states). An execution is a maximal path of that tree.
    // The last thread to be tried at a state is never put to sleep below it, so every path ends when the
    // highest thread has run all its k steps: one leaf per position of the n − 1 others, (k+1)^(n−1).
    const st = new StatefulStrategy();
    const r = run(independent(n, k), st, { stopOnFailure: false });
    expect(st.exhausted).toBe(true);
    expect(st.states).toBe((k + 1) ** n - 1);
    expect(st.transitions).toBe((k + 1) ** n - 1);
    expect(st.executions).toBe((k + 1) ** (n - 1));
    expect([...r.terminalStates]).toEqual([Array(n).fill(k).join(",")]);
  });

  test.each([
    [2, true],
    [3, true],
    [2, false],
    [3, false],
  ])("increments(%i), sleep sets %s: the same outcomes and bug sites as plain DFS", (n, sleepSets) => {
    const st = new StatefulStrategy({ sleepSets });
    const a = run(increments(n), st, { stopOnFailure: false });
    const b = plain(increments(n));
    expect(st.exhausted).toBe(true);
    expect([...a.terminalStates].sort()).toEqual([...b.terminalStates].sort());
    expect([...a.failureSites.keys()].sort()).toEqual([...b.failureSites.keys()].sort());
    // x == n is reachable (all serial) and so is a lost update.
    expect([...a.terminalStates]).toEqual([`x=${n}`]);
    expect([...a.failureSites.keys()]).toEqual(["counter.c:20"]);
    // Fewer executions than interleavings: (2n)!/2^n for n threads of 2 steps.
    expect(a.executions).toBeLessThan(b.executions);
  });

  test.each([2, 3])("increments(%i) with symmetric threads: fewer states, the same outcomes", (n) => {
    // A thread is at one of three places: not started, read (tmp = value read), done. Without symmetry
    // a state records which thread is where; with it, only how many threads are at each place and what
    // they read, so states that differ by a swap of threads count once.
    const sym = new StatefulStrategy({ mergeSamples: 50 });
    const a = run(increments(n, true), sym, { stopOnFailure: false });
    const plain = new StatefulStrategy();
    const b = run(increments(n), plain, { stopOnFailure: false });
    expect(sym.exhausted).toBe(true);
    expect(sym.states).toBeLessThan(plain.states);
    expect([...a.terminalStates]).toEqual([...b.terminalStates]);
    expect([...a.failureSites.keys()]).toEqual([...b.failureSites.keys()]);
    // Merges of swapped states replay the same under the thread renaming.
    expect(sym.samples.length).toBeGreaterThan(0);
    for (const s of sym.samples) expect(crossCheckMerge(increments(n, true), s, 3)).toBeNull();
  });

  test("progress: states, depth and the branches still to try on the DFS stack", () => {
    // increments(2) without reductions. The first execution runs T0 read, T0 write, T1 read, T1 write and
    // records the 4 states before each step; both threads are enabled only at the first two (after T0's
    // write only T1 is). Backtracking pops the last two and turns the node after T0's read to T1: the stack
    // is 2 deep, and the root's T1 is the one branch still pending.
    const st = new StatefulStrategy({ symmetry: false, sleepSets: false, localSteps: false });
    expect(st.progress()).toBe("0 states, depth 0, 0 branches pending");
    st.newExecution();
    st.endExecution(runExecution(increments(2), st));
    expect(st.progress()).toBe("4 states, depth 2, 1 branches pending");
  });

  test("more than 8 threads: sleep sets switch off (they are stored in a byte), the search still ends", () => {
    // grid 9x1: each thread one step, 2^9 positions, all but the final one scheduling points.
    const st = new StatefulStrategy();
    run(independent(9, 1), st, { stopOnFailure: false });
    expect(st.sleepSets).toBe(false);
    expect(st.exhausted).toBe(true);
    expect(st.states).toBe(2 ** 9 - 1);
  });

  test("finds the ABBA deadlock", () => {
    const r = run(abba(), new StatefulStrategy());
    expect(r.outcome).toBe("bug");
    expect(r.first?.verdict).toBe("deadlock");
  });

  test("a spin loop ends: the spinner comes back to a state it was in", () => {
    // Stateless DFS never finishes here: every execution can spin once more.
    const st = new StatefulStrategy();
    const r = run(spin(2), st, { stopOnFailure: false, maxExecutions: 10_000 });
    expect(st.exhausted).toBe(true);
    expect(r.outcome).toBe("ok");
    expect([...r.terminalStates]).toEqual(["flag=1"]);
    expect(r.verdicts.pruned).toBeGreaterThan(0);
  });

  test("--max-states stops the search, not exhaustive", () => {
    const st = new StatefulStrategy({ maxStates: 5 });
    const r = run(independent(2, 4), st, { stopOnFailure: false });
    expect(st.states).toBe(5);
    expect(st.exhausted).toBe(false);
    expect(r.outcome).toBe("incomplete");
    // The first execution runs thread 0's 4 steps (states 0–4), then thread 1's first step meets the
    // limit. States 0–3 had both threads enabled and have thread 1's branch still to start; state 4 had
    // only thread 1 (taken): 4 branches pending, at depths 0 to 3.
    expect(st.pendingBranches()).toBe(4);
    expect(st.describe()).toContain("4 branches pending on the DFS stack, at depths 0–3");
  });

  test("an exhaustive search leaves no branch pending", () => {
    const st = new StatefulStrategy();
    run(independent(2, 4), st, { stopOnFailure: false });
    expect(st.exhausted).toBe(true);
    expect(st.pendingBranches()).toBe(0);
  });

  test("debug mode: equal fingerprints are equal canonical texts", () => {
    const st = new StatefulStrategy({ checkCollisions: true });
    run(increments(3), st, { stopOnFailure: false });
    expect(st.exhausted).toBe(true);
  });
});

describe("local steps: a step that touches nothing shared is the only branch its state needs", () => {
  test.each([
    [2, 1],
    [2, 3],
    [3, 2],
    [3, 4],
  ])("%i threads of %i local steps: one path through n·k states instead of the (k+1)^n − 1 grid", (n, k) => {
    // Every step is local (empty footprint), so at each state the first branch taken is persistent and the
    // others are cut. The DFS keeps running one thread while it can: thread 0's k steps, then thread 1's,
    // ...; the states are the scheduling points on that path of n·k steps: its n·k + 1 states less the
    // final one (no scheduling point). Each step into a state where more than one thread could run cut the others:
    // threads t < n − 1 cut (n − 1 − t) branches at each of their k steps.
    const st = new StatefulStrategy();
    const r = run(localWork(n, k), st, { stopOnFailure: false });
    expect(st.exhausted).toBe(true);
    expect(st.executions).toBe(1);
    expect(st.states).toBe(n * k);
    expect(st.transitions).toBe(n * k);
    let cuts = 0;
    for (let t = 0; t < n - 1; t++) cuts += k * (n - 1 - t);
    expect(st.localCuts).toBe(cuts);
    expect(r.outcome).toBe("ok");
    // Without the reduction: the whole grid of positions (0..k each; the all-done corner has no
    // scheduling point).
    const full = new StatefulStrategy({ localSteps: false, sleepSets: false });
    run(localWork(n, k), full, { stopOnFailure: false });
    expect(full.states).toBe((k + 1) ** n - 1);
  });

  test("the cycle proviso: a thread idling locally forever does not hide the other thread's bug", () => {
    // Thread 0's local step leads back to the state it left (on the DFS stack): the state is expanded
    // fully, so thread 1 runs and fails.
    const st = new StatefulStrategy();
    const r = run(idleAndBoom(), st, { stopOnFailure: false });
    expect(st.exhausted).toBe(true);
    expect([...r.failureSites.keys()]).toEqual([`${BOOM_CHECK.file}:${BOOM_CHECK.line}`]);
  });
});

describe("soundness checks catch state left out of the fingerprint", () => {
  test("a JavaScript local kept across a yield makes the stateful search miss a bug plain DFS finds", () => {
    const b = plain(staleRead());
    expect([...b.failureSites.keys()]).toEqual(["stale.c:6"]);
    // Without sleep sets the exploration order is the one described in statefulPrograms.ts.
    const a = run(staleRead(), new StatefulStrategy({ sleepSets: false, localSteps: false }), { stopOnFailure: false });
    expect([...a.failureSites.keys()]).toEqual([]);
  });

  test("the differential check of sampled merges reports it", () => {
    const st = new StatefulStrategy({ mergeSamples: 100, sleepSets: false, localSteps: false });
    run(staleRead(), st, { stopOnFailure: false });
    expect(st.samples.length).toBeGreaterThan(0);
    const found = st.samples.map((s) => crossCheckMerge(staleRead(), s, 1)).filter((m) => m !== null);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]?.why).toMatch(/bug at stale.c:6|verdict/);
  });

  test("and finds nothing to report where the rule is kept", () => {
    const st = new StatefulStrategy({ mergeSamples: 100 });
    run(increments(3), st, { stopOnFailure: false });
    expect(st.samples.length).toBeGreaterThan(0);
    for (const s of st.samples) {
      for (let seed = 1; seed <= 3; seed++) expect(crossCheckMerge(increments(3), s, seed)).toBeNull();
    }
  });
});

describe("explore() sees pruned executions", () => {
  test("every execution after the first ends pruned or at a terminal state", () => {
    const { results } = explore(independent(2, 2), new StatefulStrategy());
    expect(results.filter((r) => r.verdict === "completed").length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.verdict === "completed" || r.verdict === "pruned")).toBe(true);
    expect(failureKey(results[0] as (typeof results)[number])).toBe("completed");
  });
});
