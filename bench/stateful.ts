/**
 * Exhaustive search figures per built-in scenario at HPAGE_PMD_NR=4 (issue 5): for the stateful search
 * (sleep sets and symmetry on), every outcome collected (the search does not stop at the first bug):
 * states, transitions, executions, time, states/s, fingerprint-table bytes per state, peak RSS; the
 * scenario's Mazurkiewicz trace count (from the unreduced state graph, when it has at most
 * TRACE_STATES states); and for stateless DPOR, executions/s over a short budget and whether it
 * finished. Each search has a time cap (MMRACE_BENCH_CAP_S, default 120 s) and says when it hit it.
 *
 *   npm run bench -- stateful
 */
import { run as search } from "../src/engine/runner.js";
import { countTraces } from "../src/engine/state/traceCount.js";
import { DporStrategy } from "../src/engine/strategy/dpor.js";
import { StatefulStrategy } from "../src/engine/strategy/stateful.js";
import { resolvePatches } from "../src/kernel/patches/index.js";
import { findScenario } from "../src/scenarios/index.js";
import { makeProgram } from "../src/scenarios/program.js";

export const name = "stateful";

const CASES: [string, string[]][] = [
  ["collapse-vs-writeback", []],
  ["truncate-vs-truncate", []],
  ["collapse-vs-truncate", []],
  ["collapse-vs-truncate", ["landed-5.16"]],
  ["shmem-collapse-vs-punch", ["landed-5.16"]],
  ["collapse-vs-two-truncates", ["hugh-deletions"]],
  ["stress-madvise-dso", ["landed-5.16"]],
];

/** The trace count needs the unreduced state graph in memory: counted up to this many states. */
const TRACE_STATES = 100_000;

export function run(): void {
  const capMs = Number(process.env.MMRACE_BENCH_CAP_S ?? 120) * 1000;
  console.log(
    "scenario                          patches        states   transitions  executions   time s   states/s  B/state  RSS MB  done  |            traces | DPOR exec/s  DPOR done (20 s)",
  );
  for (const [scenario, patches] of CASES) {
    const mk = () => makeProgram(findScenario(scenario), { hpageNr: 4, patches: resolvePatches(patches) });
    const st = new StatefulStrategy();
    const t0 = process.hrtime.bigint();
    search(mk(), st, { stopOnFailure: false, timeMs: capMs });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const rss = process.resourceUsage().maxRSS / 1024;
    const tc = countTraces(mk(), TRACE_STATES);
    const traces = !tc.complete ? `> (${tc.states} st.)` : tc.traces === null ? "infinite" : tc.traces.toString();
    const d = new DporStrategy();
    const t1 = process.hrtime.bigint();
    const dr = search(mk(), d, { stopOnFailure: false, timeMs: 20_000 });
    const ds = Number(process.hrtime.bigint() - t1) / 1e9;
    console.log(
      `${scenario.padEnd(33)} ${(patches.join("+") || "rc3").padEnd(12)} ${String(st.states).padStart(9)} ${String(st.transitions).padStart(12)} ${String(st.executions).padStart(11)} ${s.toFixed(1).padStart(8)} ${Math.round(
        st.states / s,
      )
        .toString()
        .padStart(
          10,
        )} ${st.bytesPerState().toFixed(1).padStart(8)} ${rss.toFixed(0).padStart(7)}  ${st.exhausted ? "yes " : "cap "} | ${traces.padStart(17)} | ${Math.round(
        dr.executions / ds,
      )
        .toString()
        .padStart(11)}  ${d.exhausted ? `yes, ${dr.executions} executions` : "no"}`,
    );
  }
}
