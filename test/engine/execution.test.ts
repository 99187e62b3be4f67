import { describe, expect, test } from "vitest";
import { ModelAssertion } from "../../src/engine/errors.js";
import { runExecution, stackOf } from "../../src/engine/execution.js";
import type { Program } from "../../src/engine/program.js";
import type { ThreadStack } from "../../src/engine/result.js";
import { run } from "../../src/engine/runner.js";
import { type Gen, LOCK, lock, newObject, READ, read, rt, WRITE, waitUntil, write } from "../../src/engine/runtime.js";
import { site } from "../../src/engine/site.js";
import { RandomStrategy } from "../../src/engine/strategy/random.js";
import { ReplayStrategy } from "../../src/engine/strategy/replay.js";
import type { Strategy } from "../../src/engine/strategy/strategy.js";
import {
  CHAIN_CHECK,
  callChain,
  independent,
  lostUpdate,
  modelBug,
  S_LEVEL,
  S_LU_READ,
  S_SPIN,
  spinForever,
} from "./programs.js";

const S_FLAG_WAIT = site("flag.c", 10, "waiter", "wait for the flag");
const S_FLAG_SET = site("flag.c", 20, "setter", "flag = 1");
const S_FP = site("fp.c", 5, "toucher", "touched");

/** Thread 0 waits for a flag that thread 1 sets in its first step (or never, with `never`). */
function flag(never = false): Program {
  let s = { flag: 0 };
  return {
    id: "flag",
    setup: () => {
      s = { flag: 0 };
      return [
        {
          name: "waiter",
          *run(): Gen<void> {
            yield waitUntil(S_FLAG_WAIT, () => s.flag === 1, "the flag");
          },
        },
        {
          name: "setter",
          *run(): Gen<void> {
            if (!never) s.flag = 1;
            yield S_FLAG_SET;
          },
        },
      ];
    },
  };
}

describe("verdicts", () => {
  test("an endless loop of yields ends at the step limit", () => {
    const r = runExecution(spinForever(), new RandomStrategy(1), { maxSteps: 50 });
    expect(r.verdict).toBe("step-limit");
    expect(r.steps).toBe(50);
    expect(r.choices).toHaveLength(50);
    expect(r.bug).toBeNull();
    expect(r.stacks[0]).toMatchObject({ state: "ready", at: `spin.c:3 ${S_SPIN.label}` });
    // The runner counts it as a failure and stops there.
    const rr = run(spinForever(), new RandomStrategy(1), { maxSteps: 50 });
    expect(rr.executions).toBe(1);
    expect(rr.verdicts["step-limit"]).toBe(1);
    expect(rr.failureSites.get("step-limit")).toBe(1);
  });

  test("an exception inside a wait condition is a model error, not an engine crash", () => {
    const S_W = site("cond.c", 1, "waiter", "wait on a broken condition");
    const p: Program = {
      id: "broken-cond",
      setup: () => [
        {
          name: "waiter",
          run: function* (): Gen<void> {
            yield waitUntil(
              S_W,
              () => {
                throw new RangeError("bad condition");
              },
              "something",
            );
          },
        },
      ],
    };
    const r = runExecution(p, new RandomStrategy(1));
    expect(r.verdict).toBe("model-error");
    expect(r.error).toBe("in a wait condition: RangeError: bad condition");
    // The thread's report treats the condition as not holding: it is blocked.
    expect(r.stacks[0]).toMatchObject({ state: "blocked", waitingFor: "something" });
  });

  test("a plain exception is a model error, never a bug", () => {
    const r = runExecution(modelBug(), new ReplayStrategy([0, 0, 1], true));
    expect(r.verdict).toBe("model-error");
    expect(r.bug).toBeNull();
    expect(r.error).toMatch(/^TypeError: /);
    expect(r.steps).toBe(2);
    const rr = run(modelBug(), new RandomStrategy(3), { stopOnFailure: false, maxExecutions: 10 });
    // A model error stops the run even when failures do not.
    expect(rr.outcome).toBe("model-error");
    expect(rr.executions).toBe(1);
    expect(rr.verdicts.bug).toBe(0);
    expect(rr.verdicts["model-error"]).toBe(1);
  });

  test("a ModelAssertion thrown in a step is a bug of that thread", () => {
    const r = runExecution(callChain("call", true), new ReplayStrategy([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]));
    expect(r.verdict).toBe("bug");
    expect(r.bug).toMatchObject({ thread: 0, kind: "BUG_ON", site: CHAIN_CHECK, message: "kernel BUG at chain.c:55!" });
    expect(r.error).toBeNull();
  });

  test("finish() may return what fired instead of throwing", () => {
    const p = lostUpdate();
    const returning: Program = {
      id: "returning",
      setup: () => p.setup(),
      finish: () => ({
        kind: "invariant",
        site: { file: "f.c", line: 1 },
        condition: "false",
        message: "always",
        detail: [],
        fatal: false,
      }),
    };
    const r = runExecution(returning, new ReplayStrategy([0, 0, 1, 1]));
    expect(r.verdict).toBe("bug");
    expect(r.bug).toMatchObject({ thread: -1, message: "always" });
    expect(r.finalState).toBeNull();
    const throwing: Program = {
      id: "throwing",
      setup: () => p.setup(),
      finish: () => {
        throw new RangeError("oops");
      },
    };
    expect(runExecution(throwing, new ReplayStrategy([0, 0, 1, 1]))).toMatchObject({
      verdict: "model-error",
      error: "RangeError: oops",
    });
  });

  test("a completed execution reports its final state", () => {
    const r = runExecution(lostUpdate(), new ReplayStrategy([1, 1, 0, 0]));
    expect(r).toMatchObject({ verdict: "completed", finalState: "x=2", bug: null, error: null, preemptions: 0 });
    expect(r.stacks.map((s) => s.state)).toEqual(["done", "done"]);
  });
});

describe("blocking", () => {
  test("a waiting thread is not enabled until its condition holds", () => {
    const seen: number[][] = [];
    const recorder = new ReplayStrategy([0, 1, 0, 1]);
    const spy: Strategy = {
      name: "spy",
      exhausted: false,
      newExecution: () => true,
      endExecution: () => {},
      describe: () => "spy",
      nextThread(enabled: readonly number[], current: number): number {
        seen.push(enabled.slice());
        return recorder.nextThread(enabled, current);
      },
    };
    const r = runExecution(flag(), spy);
    expect(r.verdict).toBe("completed");
    // Step 0: both can run; the waiter stops at its wait (flag still 0), so step 1 offers only the
    // setter, which sets the flag and stops; step 2 offers both again and the waiter finishes; step 3
    // offers the setter alone.
    expect(seen).toEqual([[0, 1], [1], [0, 1], [1]]);
    // Switching away from a blocked or finished thread is free; 1 → 0 at step 2, while the setter
    // could go on, is the one preemption.
    expect(r.preemptions).toBe(1);
  });

  test("waiting for something that never comes is a deadlock", () => {
    const r = runExecution(flag(true), new ReplayStrategy([0, 1, 1]));
    expect(r.verdict).toBe("deadlock");
    expect(r.stacks[0]).toEqual({
      id: 0,
      name: "waiter",
      trace: [],
      state: "blocked",
      waitingFor: "the flag",
      at: "flag.c:10 wait for the flag",
    } satisfies ThreadStack);
    expect(r.stacks[1]?.state).toBe("done");
  });
});

describe("the enabled list", () => {
  /*
   * Differential check of the engine's enabled list (rebuilt only when a thread finished or waits):
   * the threads keep their own mirror of their status in the shared state, and a spy strategy
   * computes from it what must be enabled at every step: not finished, and not waiting or waiting on
   * a condition that now holds. Semaphore: two takers wait for c ≥ 1 and take one each time (3
   * times each), two givers add one per step (3 times each), with local steps between.
   */
  const S_TAKE = site("sem.c", 10, "taker", "down");
  const S_GIVE = site("sem.c", 20, "giver", "up");
  function semaphore(): Program & { mirror: () => { c: number; status: (null | "done" | (() => boolean))[] } } {
    let s = { c: 0, status: [] as (null | "done" | (() => boolean))[] };
    const taker = (i: number) =>
      function* (): Gen<void> {
        for (let j = 0; j < 3; j++) {
          const cond = () => s.c >= 1;
          s.status[i] = cond;
          yield waitUntil(S_TAKE, cond, "c >= 1");
          s.status[i] = null;
          s.c--;
          yield S_TAKE;
        }
        s.status[i] = "done";
      };
    const giver = (i: number) =>
      function* (): Gen<void> {
        for (let j = 0; j < 3; j++) {
          s.c++;
          yield S_GIVE;
        }
        s.status[i] = "done";
      };
    return {
      id: "semaphore",
      setup: () => {
        s = { c: 0, status: [null, null, null, null] };
        return [
          { name: "take0", run: taker(0) },
          { name: "give1", run: giver(1) },
          { name: "take2", run: taker(2) },
          { name: "give3", run: giver(3) },
        ];
      },
      mirror: () => s,
    };
  }

  test("matches the threads' own account of who can run, at every step of 300 random runs", () => {
    const p = semaphore();
    let checked = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = new RandomStrategy(seed);
      const spy: Strategy = {
        name: "spy",
        exhausted: false,
        newExecution: () => true,
        endExecution: () => {},
        describe: () => "spy",
        nextThread(enabled: readonly number[]): number {
          const expected = p
            .mirror()
            .status.map((st, i) => (st === "done" || (typeof st === "function" && !st()) ? -1 : i))
            .filter((i) => i >= 0);
          expect(enabled).toEqual(expected);
          checked++;
          return rnd.nextThread(enabled);
        },
      };
      const r = runExecution(p, spy);
      // Takers take 6 and givers give 6: everything completes, whatever the order.
      expect(r.verdict).toBe("completed");
      expect(r.steps).toBe(2 * 7 + 2 * 4);
    }
    expect(checked).toBe(300 * 22);
  });
});

describe("preemptions and the trace hash", () => {
  test("preemptions count switches away from a thread that could go on", () => {
    // 0,1,0,1 on two threads of two steps: 0→1 (0 can go on) and 1→0 (1 can go on) are
    // preemptions; the last switch follows thread 0's last step and is free.
    expect(runExecution(independent(2, 2), new ReplayStrategy([0, 1, 0, 1])).preemptions).toBe(2);
    expect(runExecution(independent(2, 2), new ReplayStrategy([0, 0, 1, 1])).preemptions).toBe(0);
    expect(runExecution(independent(2, 2), new ReplayStrategy([0, 1, 1, 0])).preemptions).toBe(1);
  });

  test("the trace hash folds each step's site key and thread", () => {
    let h = 17;
    for (const t of [1, 0, 0, 1]) h = (Math.imul(h ^ S_LU_READ.key, 0x01000193) + t) | 0;
    expect(runExecution(lostUpdate(), new ReplayStrategy([1, 0, 0, 1])).traceHash).toBe(h >>> 0);
    // Same sites, other threads: another hash.
    expect(runExecution(lostUpdate(), new ReplayStrategy([0, 1, 1, 0])).traceHash).not.toBe(h >>> 0);
  });
});

describe("footprints", () => {
  test("read/write/lock are recorded per step, and object ids restart every execution", () => {
    const ids: number[] = [];
    let s = { a: 0, b: 0 };
    const p: Program = {
      id: "fp",
      setup: () => {
        s = { a: newObject(), b: newObject() };
        ids.push(s.a, s.b);
        return [
          {
            name: "toucher",
            *run(): Gen<void> {
              read(s.a);
              write(s.b);
              yield S_FP;
              lock(s.a);
            },
          },
        ];
      },
    };
    const fps: number[][] = [];
    const onStep = () => fps.push(rt.fp.slice(0, rt.fpLen));
    runExecution(p, new ReplayStrategy([0, 0]), { onStep });
    runExecution(p, new ReplayStrategy([0, 0]), { onStep });
    expect(ids).toEqual([1, 2, 1, 2]);
    const step0 = [1 * 4 + READ, 2 * 4 + WRITE];
    const step1 = [1 * 4 + LOCK];
    expect(fps).toEqual([step0, step1, step0, step1]);
  });
});

describe("explicit-stack calls", () => {
  /*
   * level_d(x) yields, calls level_{d+1}(x + 1), returns its result + 1; level5(x) yields and returns
   * 2x. level1(x) = 2(x + 4) + 4 = 2x + 12: 14 for thread 0 (x = 1), 16 for thread 1 (x = 2). Each
   * thread yields five times (once per level), so it takes 6 steps.
   */
  for (const style of ["call", "star"] as const) {
    test(`${style}: return values come back through the chain`, () => {
      const p = callChain(style);
      const r = runExecution(p, new RandomStrategy(8));
      expect(r.verdict).toBe("completed");
      expect(r.steps).toBe(12);
      expect(p.results()).toEqual([14, 16]);
    });
  }

  test("both styles run the same steps at the same sites", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const a = runExecution(callChain("call"), new RandomStrategy(seed));
      const b = runExecution(callChain("star"), new RandomStrategy(seed));
      expect(a.choices).toEqual(b.choices);
      expect(a.traceHash).toBe(b.traceHash);
    }
  });

  test("frames appear in the stack, innermost first, and are popped on return", () => {
    const traces: ThreadStack[] = [];
    const p = callChain("call");
    runExecution(p, new ReplayStrategy([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]), {
      onStep: (th) => traces.push(stackOf(th)),
    });
    // After step d (d = 1..5) thread 0 stands in level_d, having entered chain_main and level1..d.
    for (let d = 1; d <= 5; d++) {
      const expected = [];
      for (let j = d; j >= 1; j--) expected.push({ fn: `level${j}`, at: `chain.c:${10 * j + 2}` });
      expected.push({ fn: "chain_main", at: null });
      expect(traces[d - 1]?.trace).toEqual(expected);
      expect(traces[d - 1]?.at).toBe(`chain.c:${10 * d + 2} ${S_LEVEL[d - 1]?.label}`);
    }
    // Step 6 returns through all five levels and chain_main: nothing left.
    expect(traces[5]).toMatchObject({ trace: [], state: "done" });
  });

  test("a failure deep in the chain keeps every frame in the result's stacks", () => {
    // Thread 1 finishes first; thread 0 fails at the bottom of its chain on its 6th step.
    const r = runExecution(callChain("call", true), new ReplayStrategy([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]));
    expect(r.verdict).toBe("bug");
    expect(r.steps).toBe(12);
    expect(r.stacks[0]?.trace.map((l) => l.fn)).toEqual([
      "level5",
      "level4",
      "level3",
      "level2",
      "level1",
      "chain_main",
    ]);
    expect(r.stacks[0]?.trace[0]?.at).toBe("chain.c:52");
    expect(r.stacks[1]?.state).toBe("done");
  });
});

describe("per-thread local data", () => {
  test("each execution gets a fresh copy of the spec's local object", () => {
    const local = { n: 0 };
    const seen: number[] = [];
    const p: Program = {
      id: "local",
      setup: () => [
        {
          name: "t",
          local,
          *run(): Gen<void> {
            const l = rt.current.local as { n: number };
            l.n++;
            seen.push(l.n);
            yield S_FP;
          },
        },
      ],
    };
    runExecution(p, new ReplayStrategy([0, 0]));
    runExecution(p, new ReplayStrategy([0, 0]));
    expect(seen).toEqual([1, 1]);
    expect(local.n).toBe(0);
  });
});

describe("ModelAssertion and UsageError are recognised by kind", () => {
  test("is() works on plain objects carrying the footprint", () => {
    const a = new ModelAssertion({
      kind: "BUG_ON",
      site: { file: "x.c", line: 1 },
      condition: "c",
      message: "m",
      detail: [],
      fatal: true,
    });
    expect(ModelAssertion.is(a)).toBe(true);
    expect(ModelAssertion.is(new Error("m"))).toBe(false);
    expect(ModelAssertion.is({ [Symbol.for("mmrace.assertion")]: true })).toBe(true);
  });
});
