import { describe, expect, test } from "vitest";
import { ModelAssertion } from "../../../src/engine/errors.js";
import type { Program, ThreadSpec } from "../../../src/engine/program.js";
import { failureKey, run } from "../../../src/engine/runner.js";
import { type Gen, newObject, read, write } from "../../../src/engine/runtime.js";
import { site } from "../../../src/engine/site.js";
import { PctStrategy } from "../../../src/engine/strategy/pct.js";
import { PosStrategy } from "../../../src/engine/strategy/pos.js";
import { RandomStrategy } from "../../../src/engine/strategy/random.js";
import { findScenario } from "../../../src/scenarios/index.js";
import { makeProgram } from "../../../src/scenarios/program.js";
import { explore } from "../drive.js";
import { lostUpdate } from "../programs.js";

const S_B = site("delay.c", 5, "b_worker", "x = i");

/**
 * Thread A (id 0) writes x once: one step. Thread B (id 1) writes x m times: m steps. Every step
 * conflicts with every step of the other thread.
 */
function delay(m: number): Program {
  let x = 0;
  return {
    id: `delay-${m}`,
    setup(): ThreadSpec[] {
      x = newObject();
      return [
        {
          name: "A",
          // biome-ignore lint/correctness/useYield: a thread of one step never stops
          run: function* (): Gen<void> {
            write(x);
          },
        },
        {
          name: "B",
          run: function* (): Gen<void> {
            for (let i = 0; i < m; i++) {
              if (i > 0) yield S_B;
              write(x);
            }
          },
        },
      ];
    },
  };
}

const S_PRIV = site("window.c", 10, "b_worker", "private work");
const S_SET = site("window.c", 12, "b_worker", "x = 1");
const S_READ = site("window.c", 20, "a_worker", "r = x");
const WINDOW_CHECK = { file: "window.c", line: 21 } as const;

/**
 * A narrow window at the end of a long thread. B does m steps of private work (its own object), then
 * sets x = 1 and, one step later, x = 0. A reads x once and fails if it sees 1: A must wait out B's m + 1
 * first steps and then run within B's last one. A random walk delays A that long with probability
 * 2^-(m+1); PCT with one change point hits that one step with probability about 1/(2k), k = m + 3.
 */
function window(m: number): Program {
  let s = { x: 0, xObj: 0, priv: 0 };
  return {
    id: `window-${m}`,
    setup(): ThreadSpec[] {
      s = { x: 0, xObj: newObject(), priv: newObject() };
      return [
        {
          name: "A",
          run: function* (): Gen<void> {
            read(s.xObj);
            const r = s.x;
            yield S_READ;
            if (r === 1) {
              throw new ModelAssertion({
                kind: "BUG_ON",
                site: WINDOW_CHECK,
                condition: "r == 1",
                message: "A saw the transient x == 1",
                detail: [],
                fatal: true,
              });
            }
          },
        },
        {
          name: "B",
          run: function* (): Gen<void> {
            for (let i = 0; i < m; i++) {
              write(s.priv);
              yield S_PRIV;
            }
            write(s.xObj);
            s.x = 1;
            yield S_SET;
            write(s.xObj);
            s.x = 0;
          },
        },
      ];
    },
  };
}

/*
 * The delay a thread can suffer, with a scheduling point at every step (plainEvery: 1, so no history).
 *
 * In `delay(m)` A's one step comes after exactly r of B's steps. At the first scheduling point both
 * threads have independent uniform priorities p (A) and q0 (B); B runs iff q0 > p. After each of B's
 * steps B's next step is a new event with a fresh priority q_i while A keeps p. So for r < m:
 *
 *   P(r) = ∫₀¹ P(q0 > p, …, q_{r-1} > p, q_r < p) dp = ∫₀¹ (1 − p)^r · p dp = 1/((r+1)(r+2)),
 *
 * and P(m) = ∫₀¹ (1 − p)^m dp = 1/(m+1) (B finishes first). A uniform random walk gives 2^-(r+1) and
 * 2^-m: long delays are polynomially, not exponentially, unlikely under POS. Every execution draws fresh
 * priorities, so the executions of one run are independent samples.
 */
describe("POS: the delay distribution", () => {
  test("with two threads a delay of r steps has probability 1/((r+1)(r+2))", () => {
    const m = 4;
    const n = 6000;
    const res = explore(delay(m), new PosStrategy(1, { plainEvery: 1 }), { maxExecutions: n }).results;
    const counts = new Array<number>(m + 1).fill(0);
    for (const r of res) {
      expect(r.verdict).toBe("completed");
      const at = r.choices.indexOf(0);
      counts[at] = (counts[at] as number) + 1;
    }
    for (let r = 0; r <= m; r++) {
      const p = r < m ? 1 / ((r + 1) * (r + 2)) : 1 / (m + 1);
      const sd = Math.sqrt(n * p * (1 - p));
      // Four standard deviations: a deterministic seed, and a wide enough margin for any seed.
      expect(Math.abs((counts[r] as number) - n * p), `r = ${r}: ${counts.join(",")}`).toBeLessThan(4 * sd);
    }
    // The tail that matters: A delayed past all of B is 1/5 here, where a random walk gives 1/16.
    expect((counts[m] as number) / n).toBeGreaterThan(0.17);
  });

  test("plain POS reaches every interleaving of the lost update; bug probability 1/3 per execution", () => {
    /*
     * Lost update (each thread: read, write). The bug needs the first two steps from different threads.
     * First point: X wins (priority p_X > p_Y). X's next step gets a fresh q; Y runs next iff p_Y > q,
     * probability p_Y. P = 2 · ∫∫_{p_Y < p_X} p_Y = 2 · ∫₀¹ p_X²/2 dp_X = 1/3.
     */
    const n = 3000;
    const res = explore(lostUpdate(), new PosStrategy(2, { plainEvery: 1 }), { maxExecutions: n }).results;
    const bugs = res.filter((r) => r.verdict === "bug").length;
    const sd = Math.sqrt((n * (1 / 3) * 2) / 3);
    expect(Math.abs(bugs - n / 3)).toBeLessThan(4 * sd);
    expect(new Set(res.map((r) => r.choices.join(""))).size).toBe(6);
  });
});

/*
 * Scheduling points only after racy steps, with the history.
 *
 * In `window(m)` B's private steps never race; its two writes of x race with A's read in whichever
 * order they come. Once an execution has seen that (any execution in which A reads before B's first
 * write does), B's private steps run without scheduling points. Then, in an execution that uses the
 * history (7 of every 8), the bug is found with probability at least 1/6, whatever m is: at the first
 * point B must win (q0 > p); it runs its private steps and `x = 1` at once; after `x = 1` (racy) B's
 * next step gets a fresh q1 and A runs iff p > q1:
 *
 *   P ≥ ∫∫ [q0 > p] · p = ∫₀¹ (1 − p) · p dp = 1/6.
 *
 * Expected executions to the bug: about 6 · 8/7 ≈ 7, plus the few that teach the history.
 */
describe("POS: the conflict history skips steps that never race", () => {
  const m = 2000;

  test("finds the one-step window after 2,000 private steps in a few executions, for every seed", () => {
    let sum = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const pos = new PosStrategy(seed);
      const r = run(window(m), pos, { maxExecutions: 100 });
      expect(r.outcome, `seed ${seed}`).toBe("bug");
      expect(r.first && failureKey(r.first)).toBe("window.c:21");
      sum += r.executions;
    }
    expect(sum / 20).toBeLessThan(15);
  });

  test("the history turns scheduling points off: a few per execution instead of one per step", () => {
    const pos = new PosStrategy(3, { plainEvery: 0 });
    run(window(m), pos, { maxExecutions: 20, stopOnFailure: false });
    // Two points per execution at most where B runs first (start, after x = 1) plus A's; ~2,000 steps.
    expect(pos.describe()).toMatch(/scheduling points at 0\.\d % of steps/);
    expect(pos.racy()).toBeGreaterThanOrEqual(2);
  });

  test("random walk and PCT do not find it with the same budget", () => {
    for (let seed = 1; seed <= 3; seed++) {
      expect(run(window(m), new RandomStrategy(seed), { maxExecutions: 100 }).outcome).toBe("ok");
      expect(run(window(m), new PctStrategy(seed, 2), { maxExecutions: 100 }).outcome).toBe("ok");
    }
  });
});

describe("POS: determinism", () => {
  test("the same seed gives the same executions; another seed does not", () => {
    const p = makeProgram(findScenario("collapse-vs-truncate"), {});
    const a = explore(p, new PosStrategy(99), { maxExecutions: 25 }).results.map((r) => r.choices.join(""));
    const b = explore(p, new PosStrategy(99), { maxExecutions: 25 }).results.map((r) => r.choices.join(""));
    expect(b).toEqual(a);
    const c = explore(p, new PosStrategy(100), { maxExecutions: 25 }).results.map((r) => r.choices.join(""));
    expect(c).not.toEqual(a);
  });

  test("describe() states what was learned and that there is no coverage bound", () => {
    const pos = new PosStrategy(5);
    run(lostUpdate(), pos, { maxExecutions: 16, stopOnFailure: false });
    expect(pos.describe()).toMatch(
      /^POS with a conflict history, seed 5, 16 executions: \d+ of \d+ step signatures racy; scheduling points at [\d.]+ % of steps; 1 in 8 executions plain POS \(no coverage bound\)$/,
    );
  });
});

describe("POS on race (b), collapse-vs-truncate", () => {
  test("HPAGE_PMD_NR=4: found within 500 executions for seeds 1–5", () => {
    const p = makeProgram(findScenario("collapse-vs-truncate"), {});
    for (let seed = 1; seed <= 5; seed++) {
      const r = run(p, new PosStrategy(seed), { maxExecutions: 500 });
      expect(r.outcome, `seed ${seed}`).toBe("bug");
      expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.first && failureKey(r.first));
    }
  });

  test("HPAGE_PMD_NR=512: found within 100 executions (seed 3: VM_BUG_ON_PAGE(PageTail), truncate.c:213)", () => {
    const p = makeProgram(findScenario("collapse-vs-truncate"), { hpageNr: 512 });
    const r = run(p, new PosStrategy(3), { maxExecutions: 100 });
    expect(r.outcome).toBe("bug");
    expect(r.first && failureKey(r.first)).toBe("mm/truncate.c:213");
  });
});
