/**
 * `--steps`: the interleaving step by step instead of the condensed narrative. One line per step (number,
 * CPU and thread, `file:line`, function, label), then the model's notes for that step, indented.
 *
 *     0  CPU1 writer A  fs/open.c:788  do_dentry_open: get_write_access(inode): i_writecount++
 *    12  CPU2 writer B  lib/xarray.c:204  xas_descend: read slot
 *          · libtest.so.i_pages N12[0]: H → NULL
 *
 * A step that ends a thread keeps its last site and is marked `(returns)`; the step that hit the bug ends
 * at the bug's site, in the innermost function of the thread's stack.
 */
import type { RecordedTrace, TraceStep } from "../engine/trace.js";
import { who } from "../report/narrative.js";
import type { Scenario } from "../scenarios/types.js";

/** The JSON form of one step: a TraceStep without the viewer's snapshot, plus who ran it. */
export type StepJson = Omit<TraceStep, "snapshot"> & { readonly who: string };

interface StepView {
  readonly step: number;
  readonly who: string;
  readonly at: string;
  readonly what: string;
  readonly notes: readonly string[];
}

function view(s: Scenario, trace: RecordedTrace, st: TraceStep, last: boolean): StepView {
  const bug = trace.result.bug;
  const base = { step: st.step, who: who(s, st.thread), notes: st.notes };
  if (last && bug !== null && bug.thread === st.thread) {
    const fn = st.stack[0] ?? st.fn ?? "?";
    return { ...base, at: `${bug.site.file}:${bug.site.line}`, what: `${fn}: ${bug.kind}(${bug.condition})` };
  }
  const ends = st.stack.length === 0 ? " (returns)" : "";
  return { ...base, at: st.at ?? "-", what: `${st.fn ?? "?"}: ${st.label ?? "?"}${ends}` };
}

/** Every step of a recorded trace, as text. */
export function renderSteps(s: Scenario, trace: RecordedTrace): string {
  const n = trace.steps.length;
  const views = trace.steps.map((st, i) => view(s, trace, st, i === n - 1));
  const wStep = String(Math.max(0, n - 1)).length;
  const wWho = Math.max(0, ...views.map((v) => v.who.length));
  const wAt = Math.max(0, ...views.map((v) => v.at.length));
  const out: string[] = [];
  for (const v of views) {
    out.push(`${String(v.step).padStart(wStep + 2)}  ${v.who.padEnd(wWho)}  ${v.at.padEnd(wAt)}  ${v.what}`);
    for (const note of v.notes) out.push(`${" ".repeat(wStep + 4)}· ${note}`);
  }
  return out.join("\n");
}

/** Every step of a recorded trace, as JSON. */
export function stepsJson(s: Scenario, trace: RecordedTrace): StepJson[] {
  return trace.steps.map((st) => ({
    step: st.step,
    thread: st.thread,
    who: who(s, st.thread),
    at: st.at,
    fn: st.fn,
    label: st.label,
    stack: st.stack,
    reads: st.reads,
    writes: st.writes,
    locks: st.locks,
    notes: st.notes,
  }));
}
