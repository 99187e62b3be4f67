/**
 * The interleaving as a short numbered story: one item per run of consecutive steps by one thread, saying
 * which kernel functions it went through, what the model noted (pages found, slots stored), and where it
 * stopped when the other thread took over.
 */
import type { RecordedTrace, TraceStep } from "../engine/trace.js";
import type { Scenario } from "../scenarios/types.js";

export interface NarrativeItem {
  readonly n: number;
  readonly thread: number;
  readonly who: string;
  readonly firstStep: number;
  readonly lastStep: number;
  /** What happened, one line each. */
  readonly lines: readonly string[];
}

/** Maximum lines of site descriptions per item (notes are always kept). */
const MAX_SITES = 6;

export function who(s: Scenario, thread: number): string {
  const t = s.threads[thread];
  return t === undefined ? `thread ${thread}` : `CPU${t.cpu} ${t.name}`;
}

export function buildNarrative(s: Scenario, trace: RecordedTrace): NarrativeItem[] {
  const items: NarrativeItem[] = [];
  let i = 0;
  const steps = trace.steps;
  while (i < steps.length) {
    const t = (steps[i] as TraceStep).thread;
    let j = i;
    while (j + 1 < steps.length && (steps[j + 1] as TraceStep).thread === t) j++;
    items.push({
      n: items.length + 1,
      thread: t,
      who: who(s, t),
      firstStep: i,
      lastStep: j,
      lines: describeRun(steps.slice(i, j + 1)),
    });
    i = j + 1;
  }
  return items;
}

function describeRun(run: readonly TraceStep[]): string[] {
  const sites: string[] = [];
  const out: string[] = [];
  for (const st of run) {
    for (const n of st.notes) out.push(n);
    if (st.at !== null) {
      const line = `${st.fn}: ${st.label} (${st.at})`;
      if (sites[sites.length - 1] !== line) sites.push(line);
    }
  }
  let shown = sites;
  if (sites.length > MAX_SITES) {
    shown = [...sites.slice(0, 2), `… ${sites.length - 5} more steps …`, ...sites.slice(-3)];
  }
  return out.length > 0 ? [...out, `stops at ${sites[sites.length - 1] ?? "its end"}`] : shown;
}

/** Runs of more lines than this that differ only in their numbers are folded in the text. */
const MAX_ALIKE = 6;

/**
 * Folds each run of more than MAX_ALIKE consecutive lines that differ only in their numbers (one
 * xas_store per slot of a 512-page THP, one cleared PTE per index) to its first two and last two lines
 * around a count. The data (NarrativeItem.lines, --json) keeps every line.
 */
export function foldAlike(lines: readonly string[]): string[] {
  const out: string[] = [];
  const shape = (l: string) => l.replace(/\d+/g, "#");
  let i = 0;
  while (i < lines.length) {
    let j = i;
    while (j + 1 < lines.length && shape(lines[j + 1] as string) === shape(lines[i] as string)) j++;
    const run = lines.slice(i, j + 1);
    if (run.length > MAX_ALIKE) out.push(...run.slice(0, 2), `… ${run.length - 4} more like these …`, ...run.slice(-2));
    else out.push(...run);
    i = j + 1;
  }
  return out;
}

/** Renders the narrative as numbered text (long runs of alike lines folded, see foldAlike). */
export function renderNarrative(items: readonly NarrativeItem[]): string {
  const out: string[] = [];
  for (const it of items) {
    const span = it.firstStep === it.lastStep ? `step ${it.firstStep}` : `steps ${it.firstStep}–${it.lastStep}`;
    out.push(`${String(it.n).padStart(2)}. ${it.who} (${span}):`);
    for (const l of foldAlike(it.lines)) out.push(`      ${l}`);
  }
  return out.join("\n");
}
