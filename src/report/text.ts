/** Terminal rendering of a CheckReport. */
import { renderNarrative } from "./narrative.js";
import type { CheckReport } from "./types.js";

export function renderReport(r: CheckReport): string {
  return `${renderReportBody(r)}\n${statsLine(r)}`;
}

/** The report without its closing statistics line: header, then the oops and story, or the verdict. */
export function renderReportBody(r: CheckReport): string {
  const out: string[] = [];
  const cfg = `HPAGE_PMD_NR=${r.config.HPAGE_PMD_NR}, CONFIG_DEBUG_VM=${r.config.DEBUG_VM ? "y" : "n"}`;
  const patches = r.patches.length === 0 ? "no patches (v5.15-rc3)" : `patches: ${r.patches.join(", ")}`;
  out.push(`mmrace ${r.command} ${r.scenario} — ${cfg}, ${patches}`);
  if (r.result === "bug" && r.bug !== null) {
    out.push("");
    out.push(r.oops ?? "");
    out.push("");
    out.push(`${interleavingTitle(r)}:`);
    out.push(renderNarrative(r.narrative ?? []));
    out.push("");
    out.push(`Found: ${r.bug.kind} at ${r.bug.site} (${r.bug.condition})`);
    out.push(`Replay: ${r.replay ?? ""}`);
  } else if (r.result === "model-error") {
    out.push(`model error: ${r.error ?? "?"}`);
    if (r.replay !== null) out.push(`Replay: ${r.replay}`);
  } else {
    const what = r.site === undefined ? "bug" : `failure at ${r.site}`;
    out.push(
      r.result === "ok" ? `No ${what} found.` : `Stopped before the search was complete: no ${what} found so far.`,
    );
  }
  return out.join("\n");
}

/**
 * The narrative's title: "Minimal" only when no failure at the site has fewer preemptions (proven by the
 * shrink's bounded search), "Shrunk" when that search ran out of budget; a replay's or an unshrunk one's
 * says so.
 */
export function interleavingTitle(r: CheckReport): string {
  const steps = r.narrative?.reduce((a, i) => Math.max(a, i.lastStep + 1), 0) ?? 0;
  const p = `${r.preemptions ?? "?"} preemption(s)`;
  if (r.fewestPreemptions === true) return `Minimal interleaving (${p}, ${steps} steps)`;
  if (r.fewestPreemptions === false) {
    return `Shrunk interleaving (${p}, ${steps} steps; fewer preemptions not ruled out: the shrink ran out of budget)`;
  }
  if (r.command === "replay") return `Replayed interleaving (${p}, ${steps} steps)`;
  return `Interleaving as found (${p}, ${steps} steps; not shrunk)`;
}

/** What the search covered, in one line. */
export function statsLine(r: CheckReport): string {
  return `${r.executions} executions, ${r.steps} steps, ${r.terminalStates} distinct final states, ${r.exhaustive ? "exhaustive" : "not exhaustive"} — ${r.coverage} (${r.elapsedMs} ms)`;
}
