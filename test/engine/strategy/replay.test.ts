import { afterEach, describe, expect, test, vi } from "vitest";
import { UsageError } from "../../../src/engine/errors.js";
import { runExecution } from "../../../src/engine/execution.js";
import type { Program } from "../../../src/engine/program.js";
import { checkReplay } from "../../../src/engine/replayCheck.js";
import type { ExecutionResult } from "../../../src/engine/result.js";
import { failureKey } from "../../../src/engine/runner.js";
import { decodeSchedule, encodeSchedule } from "../../../src/engine/schedule.js";
import { DfsStrategy } from "../../../src/engine/strategy/dfs.js";
import { PctStrategy } from "../../../src/engine/strategy/pct.js";
import { RandomStrategy } from "../../../src/engine/strategy/random.js";
import { ReplayStrategy } from "../../../src/engine/strategy/replay.js";
import type { Strategy } from "../../../src/engine/strategy/strategy.js";
import { explore } from "../drive.js";
import {
  abba,
  atomicity3,
  coinFlip,
  leaky,
  lostUpdate,
  modelBug,
  resetLeak,
  S_HEADS,
  S_TAILS,
  spinForever,
} from "../programs.js";

function failures(program: Program, strategy: Strategy, maxExecutions: number): ExecutionResult[] {
  return explore(program, strategy, { maxExecutions }).results.filter((r) => r.verdict !== "completed");
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return null;
}

describe("every failing schedule replays strictly to the same execution", () => {
  const sources: [string, () => Program, () => Strategy, number][] = [
    ["DFS, lost update p2", () => lostUpdate(2), () => new DfsStrategy(2), 10_000],
    ["DFS, atomicity3", () => atomicity3(), () => new DfsStrategy(2), 10_000],
    ["DFS, ABBA", () => abba(), () => new DfsStrategy(3), 10_000],
    ["PCT, lost update p3", () => lostUpdate(3), () => new PctStrategy(11, 2, 10), 300],
    ["PCT, atomicity3 p1", () => atomicity3(1), () => new PctStrategy(12, 4, 8), 2000],
    ["random, lost update p3", () => lostUpdate(3), () => new RandomStrategy(13), 300],
    ["random, atomicity3 p2", () => atomicity3(2), () => new RandomStrategy(14), 2000],
    ["random, ABBA", () => abba(), () => new RandomStrategy(15), 300],
  ];
  for (const [what, program, strategy, max] of sources) {
    test(what, () => {
      const found = failures(program(), strategy(), max);
      expect(found.length).toBeGreaterThan(0);
      for (const r of found) {
        const again = runExecution(program(), new ReplayStrategy(r.choices));
        expect(again.verdict).toBe(r.verdict);
        expect(failureKey(again)).toBe(failureKey(r));
        expect(again.steps).toBe(r.steps);
        expect(again.traceHash).toBe(r.traceHash);
        expect(again.preemptions).toBe(r.preemptions);
        expect(again.stacks).toEqual(r.stacks);
        const check = checkReplay(program(), r);
        expect(check.ok).toBe(true);
        expect(check.reason).toMatch(/^reproduced: /);

        // Through the text form as a user would paste it.
        const p = program();
        const s = decodeSchedule(encodeSchedule({ program: p.id, choices: r.choices, check: r.traceHash }));
        expect(s.program).toBe(p.id);
        expect(runExecution(p, new ReplayStrategy(s.choices)).traceHash).toBe(s.check);
      }
    });
  }

  test("step-limit and model-error results reproduce too", () => {
    const spin = runExecution(spinForever(), new RandomStrategy(1), { maxSteps: 30 });
    expect(spin.verdict).toBe("step-limit");
    // checkReplay replays a step-limit result with its own length as the limit.
    expect(checkReplay(spinForever(), spin)).toMatchObject({ ok: true });
    const broken = runExecution(modelBug(), new RandomStrategy(2));
    expect(broken.verdict).toBe("model-error");
    expect(checkReplay(modelBug(), broken)).toMatchObject({ ok: true });
  });
});

describe("strict replay refuses schedules that do not fit", () => {
  test("a thread that does not exist", () => {
    const e = thrown(() => runExecution(lostUpdate(), new ReplayStrategy([0, 5, 1, 1])));
    expect(UsageError.is(e)).toBe(true);
    expect((e as Error).message).toBe(
      "schedule diverges at step 1: it runs thread 5, but only 0,1 can run " +
        "(a schedule for another scenario, other options, or a nondeterministic model)",
    );
  });

  test("a thread that already finished", () => {
    // Thread 0 finishes with its second step (the write); step 2 cannot run it again.
    const e = thrown(() => runExecution(lostUpdate(), new ReplayStrategy([0, 0, 0, 1])));
    expect(UsageError.is(e)).toBe(true);
    expect((e as Error).message).toMatch(/^schedule diverges at step 2: it runs thread 0, but only 1 can run/);
  });

  test("a thread that is blocked", () => {
    /*
     * ABBA: thread 0 stops at its wait for A (step 0), takes A and stops at its wait for B (step 1),
     * takes B and stops in its critical section (step 2). Thread 1 stops at its wait for B (step 3);
     * B is held, so at step 4 thread 1 cannot run.
     */
    const e = thrown(() => runExecution(abba(), new ReplayStrategy([0, 0, 0, 1, 1])));
    expect(UsageError.is(e)).toBe(true);
    expect((e as Error).message).toMatch(/^schedule diverges at step 4: it runs thread 1, but only 0 can run/);
  });

  test("a schedule that ends while threads can still run", () => {
    const e = thrown(() => runExecution(lostUpdate(), new ReplayStrategy([0, 1])));
    expect(UsageError.is(e)).toBe(true);
    expect((e as Error).message).toBe("schedule ends after 2 steps but threads 0,1 can still run");
  });

  test("the engine itself refuses a strategy that picks a thread that cannot run", () => {
    const rogue: Strategy = {
      name: "rogue",
      exhausted: false,
      newExecution: () => true,
      nextThread: () => 7,
      endExecution: () => {},
      describe: () => "rogue",
    };
    const e = thrown(() => runExecution(lostUpdate(), rogue));
    expect(UsageError.is(e)).toBe(true);
    expect((e as Error).message).toBe("step 0 chooses thread 7, which is not runnable (runnable: 0,1)");
  });

  test("lenient replay treats the schedule as a hint", () => {
    // 5 is replaced by the previous thread (0); past the end the run goes on without preemption.
    const r = runExecution(lostUpdate(), new ReplayStrategy([0, 5], true));
    expect(r.choices).toEqual([0, 0, 1, 1]);
    expect(r.verdict).toBe("completed");
  });

  test("a replay strategy runs one execution", () => {
    const s = new ReplayStrategy([0, 0, 1, 1]);
    expect(s.newExecution()).toBe(true);
    const r = runExecution(lostUpdate(), s);
    s.endExecution(r);
    expect(s.exhausted).toBe(true);
    expect(s.newExecution()).toBe(false);
  });
});

describe("nondeterministic models are caught", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test("Math.random() picking the path: same choices, other trace", () => {
    // The flipper takes the heads site on its first execution and the tails site on the replay.
    const flips = [0.1, 0.9];
    vi.spyOn(Math, "random").mockImplementation(() => flips.shift() ?? 0.5);
    const recorded = runExecution(coinFlip(), new ReplayStrategy([0, 1, 0, 1]));
    expect(recorded.stacks[0]?.at).toBe(`coin.c:3 ${S_HEADS.label}`);
    const check = checkReplay(coinFlip(), recorded);
    expect(check.ok).toBe(false);
    expect(check.replay?.stacks[0]?.at).toBe(`coin.c:4 ${S_TAILS.label}`);
    expect(check.reason).toMatch(/^trace differs: recorded \w+, replay \w+ \(same choices reached other sites/);
    expect(check.replay?.verdict).toBe(recorded.verdict);
    expect(check.replay?.steps).toBe(recorded.steps);
  });

  test("Math.random() unmocked: some replay of a random run differs", () => {
    // Each replay matches with probability 1/2; 64 matches in a row has probability 2^-64.
    let caught = false;
    for (let i = 0; i < 64 && !caught; i++) {
      const recorded = runExecution(coinFlip(), new RandomStrategy(i));
      caught = !checkReplay(coinFlip(), recorded).ok;
    }
    expect(caught).toBe(true);
  });

  test("state leaking across executions: the replay diverges", () => {
    /*
     * leaky(): thread 0 takes 3 steps in odd executions, 1 in even ones. Recorded (odd): 0,0,0,1.
     * The replay (even) finishes thread 0 after one step, so step 1 names a thread that cannot run.
     */
    resetLeak();
    const recorded = runExecution(leaky(), new ReplayStrategy([0, 0, 0, 1]));
    expect(recorded.verdict).toBe("completed");
    const check = checkReplay(leaky(), recorded);
    expect(check).toEqual({
      ok: false,
      reason:
        "replay diverged: schedule diverges at step 1: it runs thread 0, but only 1 can run " +
        "(a schedule for another scenario, other options, or a nondeterministic model)",
      replay: null,
    });
    // The other way round: record in an even execution (thread 0 short), replay in an odd one.
    leaky().setup(); // execution 3 (odd) is spent here
    const short = runExecution(leaky(), new ReplayStrategy([1, 0])); // execution 4
    expect(short.steps).toBe(2);
    expect(checkReplay(leaky(), short).reason).toBe(
      "replay diverged: schedule ends after 2 steps but threads 0 can still run",
    );
  });

  test("a deterministic model passes the same check", () => {
    const recorded = runExecution(lostUpdate(), new ReplayStrategy([0, 1, 1, 0]));
    expect(checkReplay(lostUpdate(), recorded).reason).toMatch(/^reproduced: counter\.c:20 after 4 steps, trace /);
  });
});
