/**
 * Soundness of the stateful search on the kernel model (docs/model.md, "What a state is"). State caching
 * is only as good as its fingerprint: a value a thread uses that the fingerprint leaves out silently prunes
 * real behaviour. These tests look for such pruning in three independent ways, on the built-in scenarios at
 * HPAGE_PMD_NR=4, with every outcome collected (the search goes on after a bug):
 * 1. with sleep sets, symmetry and local steps on (the default) and all off, the same bug sites and final
 *    states;
 * 2. everything a large random sample reaches — bug sites and final states — the stateful search reaches;
 * 3. sampled state merges, re-run from both prefixes under one random continuation, behave the same.
 * The textbook side (equal fingerprint ⇒ equal canonical text; a hidden local caught) is in
 * test/engine/strategy/stateful.test.ts.
 */
import { describe, expect, test } from "vitest";
import { type RunResult, run } from "../../src/engine/runner.js";
import { CanonicalWalker } from "../../src/engine/state/canon.js";
import { walkCoverage } from "../../src/engine/state/coverage.js";
import { crossCheckMerge } from "../../src/engine/state/crossCheck.js";
import { symmetryMode } from "../../src/engine/state/probe.js";
import { StateGraph } from "../../src/engine/state/traceCount.js";
import { DfsStrategy } from "../../src/engine/strategy/dfs.js";
import { DporStrategy } from "../../src/engine/strategy/dpor.js";
import { RandomStrategy } from "../../src/engine/strategy/random.js";
import { StatefulStrategy } from "../../src/engine/strategy/stateful.js";
import { resolvePatches } from "../../src/kernel/patches/index.js";
import { BUILTIN_SCENARIOS } from "../../src/scenarios/builtins.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";

const program = (name: string, patches: string[] = []) =>
  makeProgram(findScenario(name), { hpageNr: 4, patches: resolvePatches(patches) });

function sites(r: RunResult): string[] {
  return [...r.failureSites.keys()].sort();
}

const SCENARIOS: [string, string[]][] = [
  ["truncate-vs-truncate", []],
  ["collapse-vs-truncate", []],
  ["collapse-vs-truncate", ["landed-5.16"]],
  ["collapse-vs-writeback", []],
  ["collapse-vs-writeback", ["landed-5.16"]],
];

describe.each(SCENARIOS)("%s %j: stateful search against independent evidence", (name, patches) => {
  const st = new StatefulStrategy();
  const full = run(program(name, patches), st, { stopOnFailure: false });

  test("the search is exhaustive", () => {
    expect(st.exhausted).toBe(true);
    expect(full.exhaustive).toBe(true);
  });

  // The same search without reductions (every reachable state), keeping samples of the states it merged.
  const sampler = new StatefulStrategy({ mergeSamples: 40, sleepSets: false, symmetry: false, localSteps: false });
  const plain = run(program(name, patches), sampler, { stopOnFailure: false });

  test("sleep sets, symmetry and local steps change neither the bug sites nor the final states", () => {
    expect(sites(full)).toEqual(sites(plain));
    expect([...full.terminalStates].sort()).toEqual([...plain.terminalStates].sort());
  });

  test("every state 200 random walks pass through is in the table of the unreduced search", () => {
    const { seen, found } = walkCoverage(program(name, patches), sampler.table, sampler.symmetry, 200, 5);
    expect(seen).toBeGreaterThan(1000);
    expect(found).toBe(seen);
  });

  test("whatever 3,000 random executions reach, the stateful search reaches", () => {
    const sample = run(program(name, patches), new RandomStrategy(2024), {
      stopOnFailure: false,
      maxExecutions: 3000,
    });
    for (const s of sample.failureSites.keys()) expect(sites(full)).toContain(s);
    for (const t of sample.terminalStates) expect(full.terminalStates.has(t)).toBe(true);
  });

  test("sampled state merges behave the same from both prefixes", () => {
    expect(sampler.samples.length).toBe(40);
    for (const s of sampler.samples) expect(crossCheckMerge(program(name, patches), s, 7)).toBeNull();
  });
});

test.each(BUILTIN_SCENARIOS.map((sc) => sc.name))(
  "%s: no model object gains or loses a key after it was first walked (the walk compares keys once)",
  (name) => {
    // The fingerprint walk checks an object's keys against its class's key list the first time it meets
    // the object only (canon.ts shapeFor). With checkKeysAlways it checks on every walk and throws on a
    // change: 3,000 states of every scenario, every object walked at every arrival.
    CanonicalWalker.checkKeysAlways = true;
    try {
      const st = new StatefulStrategy({ maxStates: 3000 });
      run(program(name), st, { stopOnFailure: false });
      expect(st.states).toBeGreaterThan(400); // the smallest scenario has 443
    } finally {
      CanonicalWalker.checkKeysAlways = false;
    }
  },
);

test("collapse-vs-writeback: equal fingerprints are equal canonical texts (debug mode)", () => {
  const st = new StatefulStrategy({ checkCollisions: true });
  run(program("collapse-vs-writeback"), st, { stopOnFailure: false });
  expect(st.exhausted).toBe(true);
});

test("truncate-vs-truncate: symmetry merges swapped writers, and the merges replay under the renaming", () => {
  // The writers are identical, so every state in which they stand at different places has a mirror image;
  // only states with both at the same place (and the same locals) are their own mirror. Symmetry must keep
  // more than half of the states and fewer than all.
  const sym = new StatefulStrategy({ sleepSets: false, localSteps: false, mergeSamples: 600 });
  const a = run(program("truncate-vs-truncate"), sym, { stopOnFailure: false });
  const plain = new StatefulStrategy({ sleepSets: false, symmetry: false, localSteps: false });
  const b = run(program("truncate-vs-truncate"), plain, { stopOnFailure: false });
  expect(sym.states).toBeLessThan(plain.states);
  expect(sym.states).toBeGreaterThan(plain.states / 2);
  expect(sites(a)).toEqual(sites(b));
  expect([...a.terminalStates].sort()).toEqual([...b.terminalStates].sort());
  // Most revisits meet the state with the writers where they were; a few (about 1 in 80 here) meet its
  // mirror image. Cross-check those, and a few of the others.
  const swapped = sym.samples.filter((s) => s.map !== null && s.map[0] === 1);
  expect(swapped.length).toBeGreaterThan(0);
  for (const s of [...swapped, ...sym.samples.slice(0, 10)]) {
    expect(crossCheckMerge(program("truncate-vs-truncate"), s, 11)).toBeNull();
  }
});

test.each([
  ["truncate-vs-truncate", [], undefined],
  ["truncate-vs-truncate", ["hugh-deletions"], undefined],
  // Three threads, two of them interchangeable; a prefix of the search (the same prefix both ways).
  ["collapse-vs-two-truncates", ["hugh-deletions"], 4000],
] as [string, string[], number | undefined][])(
  "%s %j: ordering swapped writers by signature visits exactly the states that walking every renaming does",
  (name, patches, maxStates) => {
    // Both ways pick one representative per set of states equal up to swapping the writers (the signature
    // ignores thread ids; equal signatures fall back to the lowest hash over renamings), so the search must
    // take the same path: equal counts of states, transitions and executions, and the same outcomes.
    const counts = (bySignature: boolean) => {
      symmetryMode.bySignature = bySignature;
      try {
        const st = new StatefulStrategy({ maxStates });
        const r = run(program(name, patches), st, { stopOnFailure: false });
        return {
          states: st.states,
          transitions: st.transitions,
          executions: r.executions,
          sites: sites(r),
          finals: [...r.terminalStates].sort(),
        };
      } finally {
        symmetryMode.bySignature = true;
      }
    };
    expect(counts(true)).toEqual(counts(false));
  },
);

test("a scenario small enough for plain DFS: one execution per path of the state graph; DFS, DPOR and the stateful search agree", () => {
  // truncate-vs-truncate under landed-5.16 at HPAGE_PMD_NR=2: the filemap lock serialises most of the two
  // truncations, so every interleaving can be run. The unreduced state graph (no sleep sets, no symmetry)
  // gives the number of maximal paths from the initial state; plain DFS runs each interleaving exactly
  // once, so its execution count must be that number: a state merged wrongly, or a transition missed,
  // would change the graph's count and not DFS's.
  const small = () =>
    makeProgram(findScenario("truncate-vs-truncate"), { hpageNr: 2, patches: resolvePatches(["landed-5.16"]) });
  const graph = new StateGraph();
  run(small(), new StatefulStrategy({ graph }), { stopOnFailure: false });
  const dfs = run(small(), new DfsStrategy(1000, 1000), { stopOnFailure: false });
  expect(dfs.exhaustive).toBe(true);
  expect(BigInt(dfs.executions)).toBe(graph.countPaths());
  const stateful = run(small(), new StatefulStrategy(), { stopOnFailure: false });
  const dpor = run(small(), new DporStrategy(), { stopOnFailure: false });
  expect(dpor.exhaustive).toBe(true);
  for (const other of [stateful, dpor]) {
    expect(sites(other)).toEqual(sites(dfs));
    expect([...other.terminalStates].sort()).toEqual([...dfs.terminalStates].sort());
  }
}, 120_000);
