import { expect, test } from "vitest";
import { runExecution } from "../../../src/engine/execution.js";
import { run } from "../../../src/engine/runner.js";
import { countTraces } from "../../../src/engine/state/traceCount.js";
import { DfsStrategy } from "../../../src/engine/strategy/dfs.js";
import { DporStrategy } from "../../../src/engine/strategy/dpor.js";
import { resolvePatches } from "../../../src/kernel/patches/index.js";
import { findScenario } from "../../../src/scenarios/index.js";
import { makeProgram } from "../../../src/scenarios/program.js";
import { abba, independent } from "../programs.js";
import { increments, spin } from "../statefulPrograms.js";

test("independent threads are one trace", () => {
  expect(countTraces(independent(3, 2)).traces).toBe(1n);
});

test.each([2, 3, 4])("increments(%i): (n!)² traces, as the brute-force oracle of dpor.test.ts counts", (n) => {
  let f = 1n;
  for (let i = 2n; i <= BigInt(n); i++) f *= i;
  expect(countTraces(increments(n)).traces).toBe(f * f);
});

test("ABBA: every step but the last of each thread starts or ends at a wait, so every interleaving is its own trace", () => {
  // Steps at a wait depend on every step; the two unlock steps commute with nothing left to run after
  // them. The count is then the number of distinct interleavings, which plain DFS enumerates.
  const dfs = new DfsStrategy(1000);
  const seen = new Set<string>();
  while (dfs.newExecution()) {
    const r = runExecution(abba(), dfs);
    dfs.endExecution(r);
    seen.add(r.choices.join(""));
  }
  expect(countTraces(abba()).traces).toBe(BigInt(seen.size));
});

test("a retry loop is a cycle: infinitely many traces, said as null", () => {
  const c = countTraces(spin(1));
  expect(c.complete).toBe(true);
  expect(c.traces).toBeNull();
});

test("kernel scenarios where DPOR finishes: one DPOR execution per trace", () => {
  for (const [name, patches] of [
    ["truncate-vs-truncate", ["landed-5.16"]],
    ["collapse-vs-writeback", ["landed-5.16"]],
  ] as [string, string[]][]) {
    const mk = () => makeProgram(findScenario(name), { hpageNr: 4, patches: resolvePatches(patches) });
    const d = new DporStrategy();
    const r = run(mk(), d, { stopOnFailure: false });
    expect(d.exhausted).toBe(true);
    expect(BigInt(r.executions)).toBe(countTraces(mk()).traces);
  }
});
