/**
 * The data the HTML viewer steps through: the recorded steps of one execution and, for every position
 * (the initial state, then after each step), the model's state and each thread's call stack.
 *
 * Positions are stored as changes against the previous position (the rows of slots, pages and threads
 * that differ, and the counters when they change), so a long counterexample with HPAGE_PMD_NR = 512 stays
 * a few megabytes: the deltas are built while the trace is recorded, never holding every snapshot.
 */
import { runExecution } from "../../engine/execution.js";
import type { ExecutionResult } from "../../engine/result.js";
import { rt, type ThreadState } from "../../engine/runtime.js";
import { where } from "../../engine/site.js";
import { ReplayStrategy } from "../../engine/strategy/replay.js";
import { recordTrace } from "../../engine/trace.js";
import type { ScenarioProgram } from "../../scenarios/program.js";
import { renderOops } from "../oops.js";
import { type ModelSnapshot, type ObjectInfo, type PageState, type SlotState, snapshot } from "../snapshot.js";

/** One frame of a thread's call stack. */
export interface FrameView {
  readonly fn: string;
  /** `file:line` of the function's definition, or null when the model does not know it. */
  readonly def: string | null;
  /** `file:line` where this frame stopped last, or null if it has not stopped yet. */
  readonly at: string | null;
  readonly label: string | null;
}

/** A thread at one position. */
export interface ThreadView {
  readonly state: "not started" | "ready" | "blocked" | "done";
  readonly waitingFor: string | null;
  /** Innermost first. */
  readonly frames: readonly FrameView[];
}

/** The counters and locks of a position. */
export type Scalars = Omit<ModelSnapshot, "slots" | "pages" | "objects">;

/** Rows that changed since the previous position, and the new row count. */
export interface RowDelta<T> {
  readonly n: number;
  readonly set: readonly (readonly [number, T])[];
}

export interface PositionDelta {
  readonly slots?: RowDelta<SlotState>;
  readonly pages?: RowDelta<PageState>;
  readonly threads?: RowDelta<ThreadView>;
  readonly scalars?: Scalars;
}

export interface StepView {
  readonly step: number;
  readonly thread: number;
  /** Innermost function of the thread's stack after the step (where a bug fired), or null. */
  readonly top: string | null;
  readonly at: string | null;
  readonly fn: string | null;
  readonly label: string | null;
  readonly notes: readonly string[];
  readonly reads: readonly number[];
  readonly writes: readonly number[];
  readonly locks: readonly number[];
}

export interface ViewerData {
  readonly threads: readonly {
    readonly id: number;
    readonly name: string;
    readonly cpu: number;
    readonly comm: string;
  }[];
  readonly steps: readonly StepView[];
  /** steps.length + 1 entries: position 0 is the initial state, position k the state after step k-1. */
  readonly positions: readonly PositionDelta[];
  /** Every shared object seen in any position (the last description wins). */
  readonly objects: Readonly<Record<number, ObjectInfo>>;
  /** How the execution ends. */
  readonly end: {
    readonly verdict: ExecutionResult["verdict"];
    /** The thread that hit the bug (-1: final-state check), or null. */
    readonly thread: number | null;
    readonly site: string | null;
    /** One line: the bug's message (`kernel BUG at mm/truncate.c:213!`), or how the execution ended. */
    readonly what: string;
    /** The check that fired, e.g. `VM_BUG_ON_PAGE(PageTail(page))`, or null. */
    readonly check: string | null;
  };
  readonly oops: string | null;
}

/** Whether two values are equal as JSON would show them (rows hold primitives, arrays and small objects). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** Keeps the previous rows and returns the changed ones. */
class RowEncoder<T> {
  private prev: readonly T[] = [];

  encode(rows: readonly T[]): RowDelta<T> | undefined {
    const set: [number, T][] = [];
    rows.forEach((r, i) => {
      if (i >= this.prev.length || !same(this.prev[i], r)) set.push([i, r]);
    });
    const changed = set.length > 0 || rows.length !== this.prev.length;
    this.prev = rows;
    return changed ? { n: rows.length, set } : undefined;
  }
}

function threadView(th: ThreadState): ThreadView {
  const frames: FrameView[] = [];
  for (let i = th.frames.length - 1; i >= 0; i--) {
    const f = th.frames[i] as (typeof th.frames)[number];
    if (f.fn.inline === true) continue;
    frames.push({
      fn: f.fn.name,
      def: f.fn.line > 0 ? `${f.fn.file}:${f.fn.line}` : null,
      at: f.site === null ? null : where(f.site),
      label: f.site === null ? null : f.site.label,
    });
  }
  // cond() is a pure predicate over model fields (a lock owner, a flag): reading it records nothing.
  const blocked = th.wait !== null && !th.wait.cond();
  return {
    state: th.done ? "done" : blocked ? "blocked" : "ready",
    waitingFor: blocked ? (th.wait?.what ?? null) : null,
    frames,
  };
}

/** Encodes positions one by one. */
class PositionEncoder {
  private readonly slots = new RowEncoder<SlotState>();
  private readonly pages = new RowEncoder<PageState>();
  private readonly threads = new RowEncoder<ThreadView>();
  private scalars: Scalars | null = null;
  readonly objects: Record<number, ObjectInfo> = {};

  encode(s: ModelSnapshot, threads: readonly ThreadView[]): PositionDelta {
    Object.assign(this.objects, s.objects);
    const { slots, pages, objects: _objects, ...scalars } = s;
    const d: { -readonly [K in keyof PositionDelta]: PositionDelta[K] } = {};
    const sd = this.slots.encode(slots);
    if (sd !== undefined) d.slots = sd;
    const pd = this.pages.encode(pages);
    if (pd !== undefined) d.pages = pd;
    const td = this.threads.encode(threads);
    if (td !== undefined) d.threads = td;
    if (!same(scalars, this.scalars)) d.scalars = scalars;
    this.scalars = scalars;
    return d;
  }
}

const NOT_STARTED: ThreadView = { state: "not started", waitingFor: null, frames: [] };

function endOf(p: ScenarioProgram, r: ExecutionResult): ViewerData["end"] {
  const b = r.bug;
  if (b !== null) {
    const site = `${b.site.file}:${b.site.line}`;
    return { verdict: r.verdict, thread: b.thread, site, what: b.message, check: `${b.kind}(${b.condition})` };
  }
  switch (r.verdict) {
    case "completed":
      return { verdict: r.verdict, thread: null, site: null, check: null, what: "Every thread finished; no bug." };
    case "deadlock":
      return {
        verdict: r.verdict,
        thread: null,
        site: null,
        check: null,
        what: "Deadlock: every unfinished thread is blocked.",
      };
    case "model-error":
      return { verdict: r.verdict, thread: null, site: null, check: null, what: `Model error: ${r.error ?? "?"}` };
    default:
      return {
        verdict: r.verdict,
        thread: null,
        site: null,
        check: null,
        what: `Ends in ${r.verdict} (${p.scenario.name}).`,
      };
  }
}

/** Replays `choices` on `p` and collects everything the viewer shows. */
export function buildViewerData(p: ScenarioProgram, choices: readonly number[]): ViewerData {
  const s = p.scenario;
  const threadCount = s.threads.length;
  const enc = new PositionEncoder();

  // Position 0: the state setup builds, before any step (an execution stopped at once).
  runExecution(p, new ReplayStrategy([]), { maxSteps: 0 });
  const positions: PositionDelta[] = [
    enc.encode(
      snapshot(p),
      Array.from({ length: threadCount }, () => NOT_STARTED),
    ),
  ];

  const seen: (ThreadState | null)[] = Array.from({ length: threadCount }, () => null);
  const trace = recordTrace(p, choices, () => {
    seen[rt.current.id] = rt.current;
    positions.push(
      enc.encode(
        snapshot(p),
        seen.map((th) => (th === null ? NOT_STARTED : threadView(th))),
      ),
    );
    return undefined;
  });

  const r = trace.result;
  return {
    threads: s.threads.map((t, id) => ({ id, name: t.name, cpu: t.cpu, comm: t.comm })),
    steps: trace.steps.map((st) => ({
      step: st.step,
      thread: st.thread,
      top: st.stack[0] ?? null,
      at: st.at,
      fn: st.fn,
      label: st.label,
      notes: st.notes,
      reads: st.reads,
      writes: st.writes,
      locks: st.locks,
    })),
    positions,
    objects: enc.objects,
    end: endOf(p, r),
    oops: r.verdict === "completed" && r.bug === null ? null : renderOops(s, r),
  };
}
