/**
 * Textbook programs for the engine tests: small enough that every number a test expects can be derived
 * by hand (each derivation sits in the test that uses it).
 *
 * Conventions shared by all programs here:
 * - Shared state is a plain object rebuilt by `setup()`; shared objects get ids from `newObject()`.
 * - A thread's atomic step is the code between two resumes. A thread with y yields takes y + 1 steps:
 *   the last step runs from its final yield to its return. "A thread of k steps" below therefore
 *   yields k − 1 times.
 * - Sites are made at module level. Schedule checks hash a site's key (its text), not its id, so goldens
 *   in schedule.test.ts do not move when programs are added here; they move if a site's text changes.
 */
import { ModelAssertion } from "../../src/engine/errors.js";
import type { Program, ThreadSpec } from "../../src/engine/program.js";
import {
  call,
  enter,
  enterFn,
  type Gen,
  leave,
  lock,
  newObject,
  read,
  rt,
  waitUntil,
  write,
} from "../../src/engine/runtime.js";
import { fn, site } from "../../src/engine/site.js";

// ===== lost update =====

export const S_LU_LOCAL = site("counter.c", 4, "worker", "local work");
export const S_LU_READ = site("counter.c", 11, "worker", "tmp = x");
/** Where the final check `x == 2` lives. */
export const LU_CHECK = { file: "counter.c", line: 20 } as const;

/**
 * Two threads each run `tmp = x; x = tmp + 1` as two atomic steps (read, then write), after `pad`
 * steps of thread-local work. `finish()` asserts x == 2. Each thread takes pad + 2 steps.
 * The id is `lost-update` for pad 0, `lost-update-p<pad>` otherwise.
 */
export function lostUpdate(pad = 0): Program {
  let s = { x: 0, xObj: 0 };
  function* worker(): Gen<void> {
    for (let i = 0; i < pad; i++) yield S_LU_LOCAL;
    read(s.xObj);
    const tmp = s.x;
    yield S_LU_READ;
    write(s.xObj);
    s.x = tmp + 1;
  }
  return {
    id: pad === 0 ? "lost-update" : `lost-update-p${pad}`,
    setup(): ThreadSpec[] {
      s = { x: 0, xObj: newObject() };
      return [
        { name: "A", run: worker },
        { name: "B", run: worker },
      ];
    },
    finish() {
      if (s.x !== 2) {
        throw new ModelAssertion({
          kind: "invariant",
          site: LU_CHECK,
          condition: "x == 2",
          message: `lost update: x == ${s.x} after two increments`,
          detail: [],
          fatal: true,
        });
      }
      return null;
    },
    stateKey: () => `x=${s.x}`,
  };
}

// ===== independent threads =====

export const S_INDEP = site("indep.c", 7, "indep_worker", "own counter++");
const F_INDEP = fn("indep_worker", "indep.c", 3);

/**
 * n threads of k steps each; thread i only writes its own counter, so every interleaving ends in the
 * same state and none fails.
 */
export function independent(n: number, k: number): Program {
  let s = { v: [] as number[], obj: [] as number[] };
  function thread(i: number): () => Gen<void> {
    return function* indepWorker(): Gen<void> {
      // The loop counter lives in the frame, so that the stateful search sees it (docs/model.md).
      const L = enter(F_INDEP, { j: 0 });
      for (L.j = 0; L.j < k; L.j++) {
        if (L.j > 0) yield S_INDEP;
        write(s.obj[i] as number);
        s.v[i] = (s.v[i] as number) + 1;
      }
      leave(undefined);
    };
  }
  return {
    id: `indep-${n}x${k}`,
    setup(): ThreadSpec[] {
      s = { v: [], obj: [] };
      const threads: ThreadSpec[] = [];
      for (let i = 0; i < n; i++) {
        s.v.push(0);
        s.obj.push(newObject());
        threads.push({ name: `T${i}`, run: thread(i) });
      }
      return threads;
    },
    stateKey: () => s.v.join(","),
    stateRoots: () => [s.v],
  };
}

// ===== ABBA deadlock =====

export const F_MUTEX_LOCK = fn("mutex_lock", "lock.c", 30);
export const F_WORKER_AB = fn("worker_ab", "abba.c", 10);
export const F_WORKER_BA = fn("worker_ba", "abba.c", 20);
export const S_MUTEX_WAIT = site("lock.c", 32, "mutex_lock", "wait for the owner to unlock");
export const S_ABBA_CRIT = site("abba.c", 14, "worker_ab", "critical section");

interface Mutex {
  readonly name: string;
  readonly obj: number;
  owner: number;
}

/** Blocks until `m` is free, then takes it (the check and the take are one atomic step). */
function* mutex_lock(m: Mutex): Gen<void> {
  enter(F_MUTEX_LOCK, { m: m.name });
  yield waitUntil(S_MUTEX_WAIT, () => m.owner === -1, `mutex ${m.name}`);
  lock(m.obj);
  m.owner = rt.current.id;
  return leave(undefined);
}

function mutex_unlock(m: Mutex): void {
  lock(m.obj);
  m.owner = -1;
}

/**
 * Thread 0 takes mutex A then B, thread 1 takes B then A (through `yield call(mutex_lock(..))`), each
 * inside a frame of its own function.
 */
export function abba(): Program {
  function body(m1: Mutex, m2: Mutex, info: typeof F_WORKER_AB): () => Gen<void> {
    return function* worker(): Gen<void> {
      enterFn(info);
      yield call(mutex_lock(m1));
      yield call(mutex_lock(m2));
      yield S_ABBA_CRIT;
      mutex_unlock(m2);
      mutex_unlock(m1);
      leave(undefined);
    };
  }
  return {
    id: "abba",
    setup(): ThreadSpec[] {
      const a: Mutex = { name: "A", obj: newObject(), owner: -1 };
      const b: Mutex = { name: "B", obj: newObject(), owner: -1 };
      return [
        { name: "AB", run: body(a, b, F_WORKER_AB) },
        { name: "BA", run: body(b, a, F_WORKER_BA) },
      ];
    },
  };
}

// ===== atomicity violation needing two preemptions =====

export const S_AT_LOCAL = site("reader.c", 5, "reader", "local work");
export const S_AT_R1 = site("reader.c", 11, "reader", "r1 = x");
export const S_AT_R2 = site("reader.c", 12, "reader", "r2 = x");
export const S_AT_INC_LOCAL = site("inc.c", 5, "incr", "local work");
export const AT_CHECK = { file: "reader.c", line: 14 } as const;

/**
 * A reader reads x three times (three steps) and asserts it did not see three different values; two
 * other threads each increment x once (one step), after `pad` steps of local work each. The reader
 * takes pad + 3 steps, each incrementer pad + 1.
 */
export function atomicity3(pad = 0): Program {
  let s = { x: 0, xObj: 0 };
  function* reader(): Gen<void> {
    for (let i = 0; i < pad; i++) yield S_AT_LOCAL;
    read(s.xObj);
    const r1 = s.x;
    yield S_AT_R1;
    read(s.xObj);
    const r2 = s.x;
    yield S_AT_R2;
    read(s.xObj);
    const r3 = s.x;
    if (r1 !== r2 && r2 !== r3) {
      throw new ModelAssertion({
        kind: "BUG_ON",
        site: AT_CHECK,
        condition: "r1 != r2 && r2 != r3",
        message: `reader saw x change twice: ${r1}, ${r2}, ${r3}`,
        detail: [],
        fatal: true,
      });
    }
  }
  function* incr(): Gen<void> {
    for (let i = 0; i < pad; i++) yield S_AT_INC_LOCAL;
    write(s.xObj);
    s.x++;
  }
  return {
    id: pad === 0 ? "atomicity3" : `atomicity3-p${pad}`,
    setup(): ThreadSpec[] {
      s = { x: 0, xObj: newObject() };
      return [
        { name: "reader", run: reader },
        { name: "inc1", run: incr },
        { name: "inc2", run: incr },
      ];
    },
  };
}

// ===== execution verdicts =====

export const S_SPIN = site("spin.c", 3, "spinner", "cpu_relax()");

/** One thread that yields forever (a livelock the step limit must cut). */
export function spinForever(): Program {
  return {
    id: "spin",
    setup: () => [
      {
        name: "spinner",
        *run(): Gen<void> {
          for (;;) yield S_SPIN;
        },
      },
    ],
  };
}

export const S_BROKEN = site("broken.c", 3, "broken", "before the crash");

/** A thread whose second step dereferences undefined: a bug in the model, not in the modelled code. */
export function modelBug(): Program {
  return {
    id: "model-bug",
    setup: () => [
      {
        name: "broken",
        *run(): Gen<void> {
          yield S_BROKEN;
          const missing = (rt.current.local as { page?: { flags: number } }).page;
          (missing as { flags: number }).flags |= 1;
        },
      },
      { name: "idle", *run(): Gen<void> {} },
    ],
  };
}

// ===== call chains =====

export const F_LEVEL = [1, 2, 3, 4, 5].map((d) => fn(`level${d}`, "chain.c", 10 * d));
export const F_CHAIN_MAIN = fn("chain_main", "chain.c", 1);
export const S_LEVEL = [1, 2, 3, 4, 5].map((d) => site("chain.c", 10 * d + 2, `level${d}`, `in level ${d}`));
export const CHAIN_CHECK = { file: "chain.c", line: 55 } as const;

/**
 * level_d(x) yields once, calls level_{d+1}(x + 1) and returns its result + 1; level5(x) yields and
 * returns 2x. So level1(x) = 2(x + 4) + 4 = 2x + 12. `style` picks `yield call(..)` or `yield*`.
 */
function* level(d: number, x: number, style: "call" | "star", failAtBottom: boolean): Gen<number> {
  enter(F_LEVEL[d - 1] as (typeof F_LEVEL)[number], { x });
  yield S_LEVEL[d - 1] as (typeof S_LEVEL)[number];
  if (d === 5) {
    if (failAtBottom) {
      throw new ModelAssertion({
        kind: "BUG_ON",
        site: CHAIN_CHECK,
        condition: "bottom reached",
        message: "kernel BUG at chain.c:55!",
        detail: [],
        fatal: true,
      });
    }
    return leave(2 * x);
  }
  const inner = level(d + 1, x + 1, style, failAtBottom);
  const r = style === "call" ? ((yield call(inner)) as number) : yield* inner;
  return leave(r + 1);
}

/**
 * Two threads each compute level1(x) for x = 1, 2 (call chain of depth 5) and store the result in
 * `results`. With `failAtBottom`, thread 0 hits a BUG_ON at the bottom of its chain instead.
 */
export function callChain(style: "call" | "star", failAtBottom = false): Program & { results: () => number[] } {
  let results: number[] = [];
  function thread(i: number): () => Gen<void> {
    return function* chainMain(): Gen<void> {
      enterFn(F_CHAIN_MAIN);
      const gen = level(1, i + 1, style, failAtBottom && i === 0);
      const r = style === "call" ? ((yield call(gen)) as number) : yield* gen;
      results[i] = r;
      leave(undefined);
    };
  }
  return {
    id: `chain-${style}`,
    setup(): ThreadSpec[] {
      results = [];
      return [
        { name: "C0", run: thread(0) },
        { name: "C1", run: thread(1) },
      ];
    },
    results: () => results,
  };
}

// ===== nondeterministic models (what replay must catch) =====

export const S_HEADS = site("coin.c", 3, "flipper", "heads");
export const S_TAILS = site("coin.c", 4, "flipper", "tails");

/** Wrong on purpose: the path depends on Math.random(), so a schedule does not fix the trace. */
export function coinFlip(): Program {
  return {
    id: "coin-flip",
    setup: () => [
      {
        name: "flipper",
        *run(): Gen<void> {
          yield Math.random() < 0.5 ? S_HEADS : S_TAILS;
        },
      },
      {
        name: "other",
        *run(): Gen<void> {
          yield S_HEADS;
        },
      },
    ],
  };
}

export const S_LEAK = site("leak.c", 8, "leaker", "step");

/** Module-level state that survives from one execution to the next: the bug `leaky()` models. */
let leakedSetups = 0;

/** Restarts the leaked counter so tests do not depend on each other. */
export function resetLeak(): void {
  leakedSetups = 0;
}

/**
 * Wrong on purpose: setup() bumps a module-level counter, and thread 0 takes 3 steps in odd-numbered
 * executions and 1 step in even-numbered ones. Thread 1 takes 1 step.
 */
export function leaky(): Program {
  return {
    id: "leaky",
    setup(): ThreadSpec[] {
      leakedSetups++;
      const long = leakedSetups % 2 === 1;
      return [
        {
          name: "leaker",
          *run(): Gen<void> {
            if (long) {
              yield S_LEAK;
              yield S_LEAK;
            }
          },
        },
        { name: "other", *run(): Gen<void> {} },
      ];
    },
  };
}
