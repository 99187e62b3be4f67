/**
 * Textbook programs written for state fingerprints: every value a thread uses after a yield lives in its
 * frame's locals or in the shared state returned by `stateRoots()` (docs/model.md, "What a state is").
 * (`independent` in programs.ts, n threads each bumping its own counter, keeps the rule too.)
 * `staleRead` breaks that rule on purpose, to show what the soundness checks catch.
 */
import { type AssertionInfo, ModelAssertion } from "../../src/engine/errors.js";
import type { Program, ThreadSpec } from "../../src/engine/program.js";
import { enter, enterFn, type Gen, leave, newObject, read, waitUntil, write } from "../../src/engine/runtime.js";
import { fn, site } from "../../src/engine/site.js";

const F_INC = fn("incr", "counter.c", 1);
const S_READ = site("counter.c", 11, "incr", "tmp = x");
export const INC_CHECK = { file: "counter.c", line: 20 } as const;

/** A fatal model assertion at `site`, as the programs below throw it. */
function failure(kind: string, site: AssertionInfo["site"], condition: string, message: string): ModelAssertion {
  return new ModelAssertion({ kind, site, condition, message, detail: [], fatal: true });
}

function lostUpdateCheck(x: number, n: number): null {
  if (x !== n) {
    throw failure("invariant", INC_CHECK, `x == ${n}`, `lost update: x == ${x}`);
  }
  return null;
}

/**
 * n threads each run `tmp = x; x = tmp + 1` as two steps, `tmp` in the frame; finish asserts x == n.
 * `symmetric`: declare the threads interchangeable.
 */
export function increments(n: number, symmetric = false): Program {
  let s = { x: 0, obj: 0 };
  function* incr(): Gen<void> {
    const L = enter(F_INC, { tmp: 0 });
    read(s.obj);
    L.tmp = s.x;
    yield S_READ;
    write(s.obj);
    s.x = L.tmp + 1;
    leave(undefined);
  }
  return {
    id: `increments-${n}`,
    setup(): ThreadSpec[] {
      s = { x: 0, obj: newObject() };
      return Array.from({ length: n }, (_, i) => ({ name: `T${i}`, run: incr }));
    },
    finish: () => lostUpdateCheck(s.x, n),
    stateKey: () => `x=${s.x}`,
    stateRoots: () => [s],
    symmetry: () => (symmetric ? [Array.from({ length: n }, (_, i) => i)] : []),
  };
}

const S_STALE_READ = site("stale.c", 4, "reader", "tmp = x");
const S_STALE_SET = site("stale.c", 10, "writer", "x = 1");
export const STALE_CHECK = { file: "stale.c", line: 6 } as const;

/**
 * Breaks the rule on purpose: the reader keeps `tmp` in a JavaScript variable, invisible to the fingerprint.
 * reader: `tmp = x; <yield>; BUG_ON(tmp != 0)`; writer: `x = 1; <yield>; x = 0`. Reading while x == 1 is
 * the bug. "reader read 0, then the writer ran both steps" and "the writer ran one step, the reader read 1,
 * the writer ran its second step" look alike (x == 0, reader at its read, writer done), so the stateful
 * search prunes the second — the buggy one — when it meets it after the first. Plain DFS finds the bug.
 */
export function staleRead(): Program {
  let s = { x: 0, obj: 0 };
  return {
    id: "stale-read",
    setup(): ThreadSpec[] {
      s = { x: 0, obj: newObject() };
      return [
        {
          name: "reader",
          run: function* reader(): Gen<void> {
            read(s.obj);
            const tmp = s.x;
            yield S_STALE_READ;
            if (tmp !== 0) {
              throw failure("bug", STALE_CHECK, "tmp != 0", "read x while it was 1");
            }
          },
        },
        {
          name: "writer",
          run: function* writer(): Gen<void> {
            write(s.obj);
            s.x = 1;
            yield S_STALE_SET;
            write(s.obj);
            s.x = 0;
          },
        },
      ];
    },
    stateKey: () => `x=${s.x}`,
    stateRoots: () => [s],
  };
}

const F_SPIN = fn("spinner", "spin.c", 1);
const S_SPIN = site("spin.c", 3, "spinner", "while (!flag) cpu_relax()");
const S_SET = site("spin.c", 9, "setter", "flag = 1");
const S_WAIT = site("spin.c", 12, "waiter", "wait_event(flag)");

/**
 * A thread spinning on a flag that another sets after `pad` steps. Unbounded stateless search never ends
 * (the spinner can spin forever); the stateful search sees the spinner come back to the same state.
 */
export function spin(pad: number): Program {
  let s = { flag: 0, pad: 0, obj: 0 };
  return {
    id: `spin-${pad}`,
    setup(): ThreadSpec[] {
      s = { flag: 0, pad: 0, obj: newObject() };
      return [
        {
          name: "spinner",
          run: function* spinner(): Gen<void> {
            enterFn(F_SPIN);
            for (;;) {
              read(s.obj);
              if (s.flag !== 0) break;
              yield S_SPIN;
            }
            leave(undefined);
          },
        },
        {
          name: "setter",
          run: function* setter(): Gen<void> {
            for (s.pad = 0; s.pad < pad; s.pad++) yield S_SET;
            write(s.obj);
            s.flag = 1;
          },
        },
        {
          name: "waiter",
          run: function* waiter(): Gen<void> {
            yield waitUntil(S_WAIT, () => s.flag !== 0, "flag");
            read(s.obj);
          },
        },
      ];
    },
    stateKey: () => `flag=${s.flag}`,
    stateRoots: () => [s],
  };
}

const F_LOCAL = fn("local_work", "local.c", 1);
const S_LOCAL = site("local.c", 3, "local_work", "i++ (no shared access)");

/** n threads of k steps that touch nothing shared: every step is local, its counter in the frame. */
export function localWork(n: number, k: number): Program {
  function* work(): Gen<void> {
    const L = enter(F_LOCAL, { i: 0 });
    for (L.i = 1; L.i < k; L.i++) yield S_LOCAL;
    leave(undefined);
  }
  return {
    id: `local-${n}x${k}`,
    setup: (): ThreadSpec[] => Array.from({ length: n }, (_, i) => ({ name: `T${i}`, run: work })),
    stateKey: () => "",
    stateRoots: () => [],
  };
}

const F_IDLE = fn("idle", "idle.c", 1);
const S_IDLE = site("idle.c", 3, "idle", "cpu_relax() (no shared access)");
const S_BOOM = site("idle.c", 10, "boom", "x = 1");
export const BOOM_CHECK = { file: "idle.c", line: 11 } as const;

/**
 * Thread 0 loops forever without touching shared state (each of its steps is local and comes back to the
 * same state); thread 1 writes x and then fails. A local-step reduction without the cycle proviso would
 * take thread 0's step, cut thread 1's branch, and come back to the same state: thread 1 ignored forever.
 */
export function idleAndBoom(): Program {
  let s = { x: 0, obj: 0 };
  return {
    id: "idle-and-boom",
    setup(): ThreadSpec[] {
      s = { x: 0, obj: newObject() };
      return [
        {
          name: "idle",
          run: function* idle(): Gen<void> {
            enterFn(F_IDLE);
            for (;;) yield S_IDLE;
          },
        },
        {
          name: "boom",
          run: function* boom(): Gen<void> {
            write(s.obj);
            s.x = 1;
            yield S_BOOM;
            throw failure("bug", BOOM_CHECK, "x == 1", "boom");
          },
        },
      ];
    },
    stateKey: () => `x=${s.x}`,
    stateRoots: () => [s],
  };
}

const S_READY = site("ready.c", 3, "idle", "ready = 1");
const S_SEE = site("ready.c", 10, "boom", "if (ready) BUG()");
export const READY_CHECK = { file: "ready.c", line: 10 } as const;

/**
 * Thread 0 sets `ready`, then idles forever without touching shared state (each idle step comes back to
 * the same state); thread 1 fails if it runs after `ready` is set. The failure needs one preemption: thread
 * 1 between thread 0's first step and its idling (at the start thread 1 is free to run, but sees ready 0).
 * Bounded DFS with local-step cuts and a state cache cuts thread 1's branch after thread 0's first idle
 * step and then meets that step's state again: without the stack proviso the failure is never found.
 */
export function readyThenIdle(): Program {
  let s = { ready: 0, obj: 0 };
  return {
    id: "ready-then-idle",
    setup(): ThreadSpec[] {
      s = { ready: 0, obj: newObject() };
      return [
        {
          name: "idle",
          run: function* idle(): Gen<void> {
            enterFn(F_IDLE);
            write(s.obj);
            s.ready = 1;
            yield S_READY;
            for (;;) yield S_IDLE;
          },
        },
        {
          name: "boom",
          run: function* boom(): Gen<void> {
            read(s.obj);
            if (s.ready === 1) {
              throw failure("bug", READY_CHECK, "ready", "boom after ready");
            }
            yield S_SEE;
          },
        },
      ];
    },
    stateKey: () => `ready=${s.ready}`,
    stateRoots: () => [s],
  };
}
