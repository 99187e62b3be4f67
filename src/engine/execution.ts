/**
 * Runs one execution of a Program under a Strategy: the engine's hot loop.
 *
 * At each scheduling point the engine collects the enabled threads (not finished; not blocked, or blocked
 * on a condition that now holds), asks the strategy for one, and resumes it until its next yield: that is
 * one atomic step. A Site ends the step; a Wait ends it and disables the thread until its condition holds;
 * a Call pushes a generator on the thread's explicit stack and goes on within the same step. A thrown
 * ModelAssertion ends the execution as a bug, any other exception as a model error.
 */
import { ModelAssertion, UsageError } from "./errors.js";
import type { Program } from "./program.js";
import type { ExecutionResult, ThreadStack, Verdict } from "./result.js";
import { type Gen, rt, type ThreadState, type Wait, type Yielded } from "./runtime.js";
import { where } from "./site.js";
import { makeProbe } from "./state/probe.js";
import type { Strategy } from "./strategy/strategy.js";

export interface ExecutionOptions {
  /** Steps after which the execution ends as `step-limit` (possible livelock). Default 100000. */
  readonly maxSteps?: number;
  /** Called after every step with the thread that ran (for trace recording; slows the loop). */
  readonly onStep?: (thread: ThreadState, step: number) => void;
}

interface SimThread extends ThreadState {
  /** Explicit generator stack; the top one is resumed. */
  readonly gens: Gen<unknown>[];
}

const DEFAULT_MAX_STEPS = 100_000;

/** Runs one execution to its end and returns the result. */
export function runExecution(program: Program, strategy: Strategy, opts: ExecutionOptions = {}): ExecutionResult {
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  const onStep = opts.onStep;
  rt.nextObject = 1;
  rt.nextField = 0;
  rt.fpLen = 0;
  const specs = program.setup();
  const threads: SimThread[] = [];
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i] as (typeof specs)[number];
    const th: SimThread = {
      id: i,
      name: s.name,
      frames: [],
      local: { ...(s.local ?? {}) },
      site: null,
      wait: null,
      done: false,
      gens: [],
    };
    rt.current = th;
    th.gens.push(s.run());
    threads.push(th);
  }
  const choices: number[] = [];
  const enabled: number[] = [];
  let current = -1;
  let preemptions = 0;
  let traceHash = 17;
  let verdict: Verdict = "completed";
  let bug: ExecutionResult["bug"] = null;
  let error: string | null = null;
  const n = threads.length;
  const probe = makeProbe(program, threads);

  // The enabled list only changes when a thread finishes or waits, or, while some thread waits, when
  // its condition may have changed (after any step): otherwise it is reused as is. Setting
  // `enabled.length` every step cost about half of the flat step time (bench/RESULTS.md).
  let live = 0;
  let waiting = 0; // threads whose `wait` is set
  let stale = true; // a thread finished or started waiting since `enabled` was built
  for (;;) {
    if (stale || waiting > 0) {
      let k = 0;
      live = 0;
      try {
        for (let i = 0; i < n; i++) {
          const th = threads[i] as SimThread;
          if (th.done) continue;
          live++;
          const w = th.wait;
          if (w === null || w.cond()) enabled[k++] = i;
        }
      } catch (e) {
        // A wait condition is model code too: its exception is a model error, not an engine crash.
        verdict = "model-error";
        error = `in a wait condition: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
        break;
      }
      if (enabled.length !== k) enabled.length = k;
      stale = false;
    }
    if (enabled.length === 0) {
      verdict = live === 0 ? "completed" : "deadlock";
      break;
    }
    if (choices.length >= maxSteps) {
      verdict = "step-limit";
      break;
    }
    const pick = strategy.nextThread(enabled, current, probe);
    if (pick === -1) {
      verdict = "pruned";
      break;
    }
    if (enabled.indexOf(pick) < 0) {
      throw new UsageError(
        `step ${choices.length} chooses thread ${pick}, which is not runnable (runnable: ${enabled.join(",")})`,
      );
    }
    if (current >= 0 && pick !== current && enabled.indexOf(current) >= 0) preemptions++;
    current = pick;
    choices.push(pick);
    const th = threads[pick] as SimThread;
    if (th.wait !== null) {
      th.wait = null;
      waiting--;
    }
    rt.current = th;
    rt.fpLen = 0;
    if (rt.recording) rt.notes.length = 0;
    try {
      rt.stepping = true;
      runStep(th);
      rt.stepping = false;
    } catch (e) {
      rt.stepping = false;
      if (ModelAssertion.is(e)) {
        verdict = "bug";
        bug = { ...e.info, thread: pick };
      } else {
        verdict = "model-error";
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
      onStep?.(th, choices.length - 1);
      break;
    }
    if (th.done) stale = true;
    else if (th.wait !== null) waiting++;
    const key = th.site === null ? 0 : th.site.key;
    traceHash = (Math.imul(traceHash ^ key, 0x01000193) + pick) | 0;
    if (onStep !== undefined) onStep(th, choices.length - 1);
  }

  let finalState: string | null = null;
  // finish() is model code and may record accesses: keep the last step's footprint in rt.fp[0, fpLen) for
  // the strategy's endExecution (partial-order reduction needs it).
  const lastFpLen = rt.fpLen;
  if (verdict === "completed") {
    try {
      const fired = program.finish?.() ?? null;
      if (fired !== null) {
        verdict = "bug";
        bug = { ...fired, thread: -1 };
      }
    } catch (e) {
      if (ModelAssertion.is(e)) {
        verdict = "bug";
        bug = { ...e.info, thread: -1 };
      } else {
        verdict = "model-error";
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
    if (verdict === "completed") finalState = program.stateKey?.() ?? null;
  }
  rt.fpLen = lastFpLen;
  return {
    verdict,
    choices,
    steps: choices.length,
    preemptions,
    traceHash: traceHash >>> 0,
    bug,
    error,
    stacks: threads.map(stackOf),
    finalState,
  };
}

/**
 * Resumes a thread until it yields a Site or a Wait, or finishes. A callee's return value goes to its
 * caller within the same step, so nothing is sent across steps: resuming a thread always sends undefined.
 */
function runStep(th: SimThread): void {
  const gens = th.gens;
  let g = gens[gens.length - 1] as Gen<unknown>;
  let send: unknown;
  for (;;) {
    const r = g.next(send);
    if (r.done === true) {
      gens.pop();
      const len = gens.length;
      if (len === 0) {
        th.done = true;
        return;
      }
      send = r.value;
      g = gens[len - 1] as Gen<unknown>;
      continue;
    }
    const y = r.value as Yielded;
    if (y.op === 0) {
      th.site = y;
      const f = th.frames;
      if (f.length > 0) {
        const top = f[f.length - 1] as (typeof f)[number];
        top.site = y;
        top.calls = 0;
      }
      return;
    }
    if (y.op === 1) {
      const w = y as Wait;
      th.site = w.site;
      const f = th.frames;
      if (f.length > 0) {
        const top = f[f.length - 1] as (typeof f)[number];
        top.site = w.site;
        top.calls = 0;
      }
      th.wait = w;
      return;
    }
    g = y.gen;
    gens.push(g);
    send = undefined;
  }
}

/** The call trace of a thread, innermost first. */
export function stackOf(th: ThreadState): ThreadStack {
  const trace = [];
  for (let i = th.frames.length - 1; i >= 0; i--) {
    const f = th.frames[i] as (typeof th.frames)[number];
    if (f.fn.inline === true) continue;
    trace.push({ fn: f.fn.name, at: f.site === null ? null : where(f.site) });
  }
  return {
    id: th.id,
    name: th.name,
    trace,
    state: th.done ? "done" : th.wait !== null && !condHolds(th.wait) ? "blocked" : "ready",
    waitingFor: th.wait === null ? null : th.wait.what,
    at: th.site === null ? null : `${where(th.site)} ${th.site.label}`,
  };
}

/** Evaluates a wait condition for a report; a condition that throws counts as not holding. */
function condHolds(w: Wait): boolean {
  try {
    return w.cond();
  } catch {
    return false;
  }
}
