/**
 * The state cache of bounded DFS (strategy/dfs.ts, `cacheFromBound`), which the shrinker's proof of the
 * fewest preemptions uses from bound 3 on, against the same DFS without it, on the built-in scenarios at
 * HPAGE_PMD_NR=4. Every execution runs to its end (failures included), over the passes at bounds 0..3.
 * The cache may end an execution only where everything after it was or will be covered with no more
 * preemptions, so both searches must give, for every failure site, the same fewest preemptions at which
 * it fails, and the same final states. Two wrong caches, tried: one that prunes a revisit reached with
 * fewer preemptions than the first visit, and one whose key leaves out the thread that ran last (what the
 * next choice costs depends on it); each loses a failure at its lowest bound here.
 */
import { describe, expect, test } from "vitest";
import { runExecution } from "../../src/engine/execution.js";
import { failureKey } from "../../src/engine/runner.js";
import { DfsStrategy } from "../../src/engine/strategy/dfs.js";
import { resolvePatches } from "../../src/kernel/patches/index.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";

interface Covered {
  /** Failure site → the fewest preemptions of an execution failing there. */
  readonly fewest: Map<string, number>;
  readonly finals: Set<string>;
  readonly executions: number;
  readonly prunes: number;
}

function cover(name: string, patches: string[], bound: number, cacheFromBound?: number): Covered {
  const p = makeProgram(findScenario(name), { hpageNr: 4, patches: resolvePatches(patches) });
  const dfs = new DfsStrategy(bound, 0, { localSteps: true, cacheFromBound });
  const fewest = new Map<string, number>();
  const finals = new Set<string>();
  let executions = 0;
  while (dfs.newExecution()) {
    const r = runExecution(p, dfs, {});
    dfs.endExecution(r);
    executions++;
    if (r.verdict === "completed") {
      if (r.finalState !== null) finals.add(r.finalState);
    } else if (r.verdict !== "pruned") {
      const key = failureKey(r);
      fewest.set(key, Math.min(fewest.get(key) ?? Number.POSITIVE_INFINITY, r.preemptions));
    }
  }
  return { fewest, finals, executions, prunes: dfs.statePrunes };
}

const sorted = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => a.localeCompare(b));

describe.each([
  ["collapse-vs-truncate", []],
  ["collapse-vs-truncate", ["hugh-deletions"]],
  ["truncate-vs-truncate", []],
  ["truncate-vs-truncate", ["landed-5.16"]],
  ["collapse-vs-writeback", []],
  ["shmem-collapse-vs-punch", []],
])("%s %j, bounds 0..3", (name, patches) => {
  const plain = cover(name, patches, 3);
  const cached = cover(name, patches, 3, 0);

  test("every failure site at the same fewest preemptions", () => {
    expect(sorted(cached.fewest)).toEqual(sorted(plain.fewest));
  });

  test("the same final states", () => {
    expect([...cached.finals].sort()).toEqual([...plain.finals].sort());
  });

  test("executions end at states reached before", () => {
    expect(cached.prunes).toBeGreaterThan(0);
  });
});
