/**
 * Soundness evidence at scale (issue 5, check 4): for every two-thread built-in scenario at
 * HPAGE_PMD_NR=4, under rc3, landed-5.16 and hugh-deletions, every bug site and final state that 20,000
 * random-walk executions and 20,000 POS executions reach must also be reached by the exhaustive stateful
 * search. Prints one line per case and the number of misses (must be 0). The unit tests do the same
 * with 3,000 executions (test/races/stateful-soundness.test.ts).
 *
 *   npm run bench -- crosscheck
 */
import { run as search } from "../src/engine/runner.js";
import { PosStrategy } from "../src/engine/strategy/pos.js";
import { RandomStrategy } from "../src/engine/strategy/random.js";
import { StatefulStrategy } from "../src/engine/strategy/stateful.js";
import { resolvePatches } from "../src/kernel/patches/index.js";
import { findScenario } from "../src/scenarios/index.js";
import { makeProgram } from "../src/scenarios/program.js";

export const name = "crosscheck";

const SAMPLE = 20_000;

export function run(): void {
  let misses = 0;
  for (const scenario of [
    "truncate-vs-truncate",
    "collapse-vs-truncate",
    "collapse-vs-writeback",
    "shmem-collapse-vs-punch",
    "shmem-collapse-vs-truncate",
  ]) {
    for (const patches of [[], ["landed-5.16"], ["hugh-deletions"]]) {
      const mk = () => makeProgram(findScenario(scenario), { hpageNr: 4, patches: resolvePatches(patches) });
      const t0 = Date.now();
      const full = search(mk(), new StatefulStrategy(), { stopOnFailure: false });
      const samples = [
        search(mk(), new RandomStrategy(77), { stopOnFailure: false, maxExecutions: SAMPLE }),
        search(mk(), new PosStrategy(77), { stopOnFailure: false, maxExecutions: SAMPLE }),
      ];
      let missed = 0;
      for (const r of samples) {
        for (const s of r.failureSites.keys()) if (!full.failureSites.has(s)) missed++;
        for (const t of r.terminalStates) if (!full.terminalStates.has(t)) missed++;
      }
      misses += missed;
      const sites = (r: (typeof samples)[number]) => [...r.failureSites.keys()].sort().join(" ") || "none";
      console.log(
        `${scenario} ${patches.join("+") || "rc3"}: stateful [${sites(full)}] ${full.terminalStates.size} final; ` +
          `random [${sites(samples[0] as typeof full)}]; POS [${sites(samples[1] as typeof full)}]; ` +
          `missed ${missed} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
  }
  console.log(`\nbug sites or final states sampled but not reached by the stateful search: ${misses}`);
}
