/**
 * Trace recording: replays a schedule and keeps, for every step, which thread ran, where it stopped, its
 * call stack, the shared objects it touched and what the model noted. Used by the narrative, the JSON
 * report and the HTML viewer; never by the search itself (recording is slow on purpose).
 */
import { runExecution } from "./execution.js";
import type { Program } from "./program.js";
import type { ExecutionResult } from "./result.js";
import { READ, rt, WRITE } from "./runtime.js";
import { where } from "./site.js";
import { ReplayStrategy } from "./strategy/replay.js";

export interface TraceStep {
  readonly step: number;
  readonly thread: number;
  /** `file:line` where the step ended, or null if the thread finished or failed before yielding. */
  readonly at: string | null;
  readonly fn: string | null;
  readonly label: string | null;
  /** Innermost function first. */
  readonly stack: readonly string[];
  readonly reads: readonly number[];
  readonly writes: readonly number[];
  readonly locks: readonly number[];
  readonly notes: readonly string[];
  /** Optional model snapshot taken after the step (for the viewer). */
  readonly snapshot?: unknown;
}

export interface RecordedTrace {
  readonly result: ExecutionResult;
  readonly steps: readonly TraceStep[];
}

/** Replays `choices` strictly and records every step; `snapshot` is called after each step. */
export function recordTrace(
  program: Program,
  choices: readonly number[],
  snapshot?: () => unknown,
  maxSteps?: number,
): RecordedTrace {
  const steps: TraceStep[] = [];
  rt.recording = true;
  try {
    const result = runExecution(program, new ReplayStrategy(choices), {
      maxSteps,
      onStep: (th, step) => {
        // Sets, not arrays searched per entry: a step that frees a page reads every slot of the XArray
        // (hundreds at HPAGE_PMD_NR=512), and a linear search per entry made recording quadratic there.
        const reads = new Set<number>();
        const writes = new Set<number>();
        const locks = new Set<number>();
        for (let i = 0; i < rt.fpLen; i++) {
          const e = rt.fp[i] as number;
          const kind = e & 3;
          (kind === READ ? reads : kind === WRITE ? writes : locks).add(e >> 2);
        }
        const s = th.site;
        steps.push({
          step,
          thread: th.id,
          at: s === null ? null : where(s),
          fn: s === null ? null : s.fn,
          label: s === null ? null : s.label,
          stack: th.frames
            .filter((f) => f.fn.inline !== true)
            .map((f) => f.fn.name)
            .reverse(),
          reads: [...reads],
          writes: [...writes],
          locks: [...locks],
          notes: rt.notes.slice(),
          snapshot: snapshot?.(),
        });
      },
    });
    return { result, steps };
  } finally {
    rt.recording = false;
  }
}
