/**
 * Exhaustive search figures per built-in scenario at HPAGE_PMD_NR=4 (issue 5): for the stateful search
 * (sleep sets and symmetry on), every outcome collected (the search does not stop at the first bug):
 * states, transitions, executions, time, states/s, fingerprint-table bytes per state, peak RSS; the
 * scenario's Mazurkiewicz trace count (from the unreduced state graph, when it has at most
 * TRACE_STATES states); and for stateless DPOR, executions/s over a short budget and whether it
 * finished. Each search has a time cap (MMRACE_BENCH_CAP_S, default 120 s) and says when it hit it. The
 * checkpoint columns: the size of the search saved as a checkpoint (check --checkpoint), and the time to
 * write it and to read it back into a fresh search.
 *
 *   npm run bench -- stateful
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readCheckpoint, writeCheckpoint } from "../src/engine/checkpoint.js";
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
  ["shmem-collapse-vs-truncate", ["landed-5.16"]],
  ["collapse-vs-two-truncates", ["hugh-deletions"]],
  ["stress-madvise-dso", ["landed-5.16"]],
];

/** The trace count needs the unreduced state graph in memory: counted up to this many states. */
const TRACE_STATES = 100_000;

export function run(): void {
  const capMs = Number(process.env.MMRACE_BENCH_CAP_S ?? 120) * 1000;
  console.log(
    "scenario                          patches        states   transitions  executions   time s   states/s  B/state  RSS MB  done  | ckpt MB  save s  load s |            traces | DPOR exec/s  DPOR done (20 s)",
  );
  for (const [scenario, patches] of CASES) {
    const mk = () => makeProgram(findScenario(scenario), { hpageNr: 4, patches: resolvePatches(patches) });
    const st = new StatefulStrategy();
    const t0 = process.hrtime.bigint();
    search(mk(), st, { stopOnFailure: false, timeMs: capMs });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const rss = process.resourceUsage().maxRSS / 1024;
    const ck = checkpointCost(st);
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
        )} ${st.bytesPerState().toFixed(1).padStart(8)} ${rss.toFixed(0).padStart(7)}  ${st.exhausted ? "yes " : "cap "} | ${ck} | ${traces.padStart(17)} | ${Math.round(
        dr.executions / ds,
      )
        .toString()
        .padStart(11)}  ${d.exhausted ? `yes, ${dr.executions} executions` : "no"}`,
    );
  }
}

/** `MB save-s load-s` of the search saved as a checkpoint, written to a temporary file and read back. */
function checkpointCost(st: StatefulStrategy): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmrace-bench-"));
  const file = path.join(dir, "bench.ckpt");
  const identity = { program: "bench", strategy: "stateful", build: "bench" };
  try {
    const t0 = process.hrtime.bigint();
    writeCheckpoint(file, { identity, runner: {}, strategy: st.save() });
    const t1 = process.hrtime.bigint();
    const saved = readCheckpoint(file, identity);
    new StatefulStrategy().restore(saved?.strategy ?? { data: null, buffers: [] });
    const t2 = process.hrtime.bigint();
    const mb = fs.statSync(file).size / 2 ** 20;
    return `${mb.toFixed(1).padStart(7)} ${(Number(t1 - t0) / 1e9).toFixed(2).padStart(7)} ${(Number(t2 - t1) / 1e9).toFixed(2).padStart(7)}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
