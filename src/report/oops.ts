/**
 * Renders a failing execution as the kernel would print it: the page dump of a VM_BUG_ON_PAGE (or the
 * bad_page report), the `kernel BUG at file:line!` banner of the CPU that hit it with its call trace, and
 * an NMI-backtrace-style trace of every other CPU, so a developer sees where each thread stood.
 */
import type { ExecutionResult, ThreadStack } from "../engine/result.js";
import type { Scenario } from "../scenarios/types.js";

const KERNEL = "5.15.0-rc3 #1";

function threadHeader(s: Scenario, t: ThreadStack, tainted: boolean): string {
  const spec = s.threads[t.id];
  const cpu = spec?.cpu ?? t.id;
  const comm = spec?.comm ?? t.name;
  return `CPU: ${cpu} PID: ${1000 + t.id} Comm: ${comm} ${tainted ? "Tainted: G    B" : "Not tainted"} ${KERNEL}`;
}

function callTrace(t: ThreadStack): string[] {
  const lines = ["Call Trace:"];
  // Only the innermost frame's line is where the thread is; callers show their name, as an oops does.
  t.trace.forEach((f, i) => {
    lines.push(` ${f.fn}${i === 0 && f.at !== null ? `  [${f.at}]` : ""}`);
  });
  if (t.trace.length === 0) lines.push(" (no kernel frames)");
  return lines;
}

/** The oops text for a failing execution (bug, deadlock, step-limit or model error). */
export function renderOops(s: Scenario, r: ExecutionResult): string {
  const out: string[] = [];
  const bug = r.bug;
  if (bug !== null) {
    const culprit = r.stacks.find((t) => t.id === bug.thread);
    if (bug.kind === "bad_page") {
      out.push(bug.message);
      out.push(...bug.detail);
      out.push("Modules linked in:");
      if (culprit !== undefined) {
        out.push(threadHeader(s, culprit, true));
        out.push(...callTrace(culprit));
      }
    } else {
      out.push(...bug.detail);
      out.push("------------[ cut here ]------------");
      out.push(bug.message);
      if (bug.kind === "invariant")
        out.push(`(a model invariant, checked whatever CONFIG_DEBUG_VM says: ${bug.condition})`);
      else out.push("invalid opcode: 0000 [#1] SMP NOPTI");
      if (culprit !== undefined) {
        out.push(threadHeader(s, culprit, false));
        out.push(`RIP: 0010:${culprit.trace[0]?.fn ?? "?"}`);
        out.push(...callTrace(culprit));
      } else {
        out.push("(found when every thread had finished: final-state check)");
      }
    }
  } else if (r.verdict === "deadlock") {
    out.push("INFO: task hung: every runnable CPU is blocked (deadlock)");
  } else if (r.verdict === "step-limit") {
    out.push(`watchdog: BUG: soft lockup - no progress after ${r.steps} steps (possible livelock)`);
  } else if (r.verdict === "model-error") {
    out.push(`mmrace: model error (a bug in the model, not in the kernel): ${r.error ?? "?"}`);
  }
  for (const t of r.stacks) {
    if (bug !== null && t.id === bug.thread) continue;
    const spec = s.threads[t.id];
    out.push(`NMI backtrace for cpu ${spec?.cpu ?? t.id} (${t.name}: ${describeState(t)})`);
    out.push(threadHeader(s, t, bug?.kind === "bad_page"));
    out.push(...callTrace(t));
  }
  return out.join("\n");
}

function describeState(t: ThreadStack): string {
  if (t.state === "done") return "finished";
  if (t.state === "blocked") return `sleeping on ${t.waitingFor ?? "?"}`;
  return t.at === null ? "not started" : `at ${t.at}`;
}
