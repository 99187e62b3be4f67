/**
 * The stateful search on several workers (StatefulOptions.shared), driven here in one thread: the
 * workers' executions are interleaved round-robin, which is one of the orders real threads can produce.
 * Above the split depth every worker repeats the same search; each frontier state goes to one worker,
 * which searches below it with the shared table. Whatever the interleaving, together they must reach
 * exactly the final states and failure sites of the single search.
 */
import { describe, expect, test } from "vitest";
import { runExecution } from "../../../src/engine/execution.js";
import type { Program } from "../../../src/engine/program.js";
import { failureKey, run } from "../../../src/engine/runner.js";
import { SharedFingerprintTable } from "../../../src/engine/state/sharedTable.js";
import { StatefulStrategy } from "../../../src/engine/strategy/stateful.js";
import { resolvePatches } from "../../../src/kernel/patches/index.js";
import { findScenario } from "../../../src/scenarios/index.js";
import { makeProgram } from "../../../src/scenarios/program.js";
import { BOOM_CHECK, idleAndBoom, increments } from "../statefulPrograms.js";

interface Together {
  readonly finals: Set<string>;
  readonly sites: Set<string>;
  readonly exhausted: boolean;
  readonly perWorker: number[];
  readonly givenAway: number;
}

/**
 * `workers` shared searches of fresh copies of a program, one execution each in turn, to the end. With
 * `stopEvery`, the search is stopped after that many rounds, saved as a checkpoint of the shared search is
 * (the table, with the states on the workers' stacks marked unexplored), and started again from the saved
 * table by fresh workers, as `check --jobs N --checkpoint` does between runs.
 */
function together(mk: () => Program, workers: number, frontier: number, stopEvery = Infinity): Together {
  let table = SharedFingerprintTable.create(16);
  const fresh = () =>
    Array.from({ length: workers }, (_, worker) => ({
      p: mk(),
      s: new StatefulStrategy({ shared: { table, worker, workers, frontier } }),
      n: 0,
    }));
  let ws = fresh();
  const perWorker = ws.map(() => 0);
  let givenAway = 0;
  const finals = new Set<string>();
  const sites = new Set<string>();
  let rounds = 0;
  for (let live = true; live; ) {
    live = false;
    for (const [k, w] of ws.entries()) {
      if (!w.s.newExecution()) continue;
      live = true;
      const r = runExecution(w.p, w.s);
      w.s.endExecution(r);
      perWorker[k] = (perWorker[k] as number) + 1;
      if (r.verdict === "completed" && r.finalState !== null) finals.add(r.finalState);
      else if (r.verdict !== "completed" && r.verdict !== "pruned") sites.add(failureKey(r));
    }
    if (live && ++rounds % stopEvery === 0) {
      const stacks = ws.flatMap((w) => w.s.sharedStack());
      givenAway += ws.reduce((n, w) => n + w.s.givenAway, 0);
      table = SharedFingerprintTable.fromSnapshot(table.snapshot(), 0);
      table.reopen(stacks);
      ws = fresh();
    }
  }
  return {
    finals,
    sites,
    exhausted: ws.every((w) => w.s.exhausted),
    perWorker,
    givenAway: givenAway + ws.reduce((n, w) => n + w.s.givenAway, 0),
  };
}

function single(mk: () => Program) {
  const r = run(mk(), new StatefulStrategy(), { stopOnFailure: false });
  return { finals: new Set(r.terminalStates), sites: new Set(r.failureSites.keys()) };
}

describe("several workers sharing the search: the same final states and failure sites as one", () => {
  test.each([
    ["truncate-vs-truncate", [], 2, 6],
    ["truncate-vs-truncate", ["landed-5.16"], 3, 10],
    ["collapse-vs-truncate", [], 2, 20],
    ["collapse-vs-writeback", [], 2, 8],
    ["shmem-collapse-vs-punch", ["landed-5.16"], 2, 30],
  ] as [string, string[], number, number][])("%s %j, %i workers, split at step %i", (name, patches, workers, depth) => {
    const mk = () => makeProgram(findScenario(name), { hpageNr: 4, patches: resolvePatches(patches) });
    const t = together(mk, workers, depth);
    const s = single(mk);
    expect(t.exhausted).toBe(true);
    expect([...t.finals].sort()).toEqual([...s.finals].sort());
    expect([...t.sites].sort()).toEqual([...s.sites].sort());
    // The work was shared: frontier states were dealt out, and every worker ran more than the part above.
    expect(t.givenAway).toBeGreaterThan(0);
    for (const n of t.perWorker) expect(n).toBeGreaterThan(1);
  });

  // Stopped and resumed every few rounds: what a resumed run finds in the table was explored to its end,
  // and the rest (the branches not yet explored to their end from the states on the stacks) is explored
  // again. A snapshot that kept the stack states as they were would lose what lay below their pending
  // branches. Each segment must outlast the part above the split, which every run repeats: the segments
  // here are 22, 210 and 10 in number (measured), so each makes progress.
  test.each([
    ["truncate-vs-truncate", [], 2, 6, 30],
    ["collapse-vs-truncate", [], 2, 20, 40],
    ["collapse-vs-writeback", [], 3, 8, 20],
  ] as [string, string[], number, number, number][])(
    "%s %j, %i workers, split at step %i, saved and resumed every %i rounds",
    (name, patches, workers, depth, every) => {
      const mk = () => makeProgram(findScenario(name), { hpageNr: 4, patches: resolvePatches(patches) });
      const t = together(mk, workers, depth, every);
      const s = single(mk);
      expect(t.exhausted).toBe(true);
      expect([...t.finals].sort()).toEqual([...s.finals].sort());
      expect([...t.sites].sort()).toEqual([...s.sites].sort());
    },
  );

  test("three increments, every split depth: the lost update is found and nothing else", () => {
    const s = single(() => increments(3));
    for (let depth = 1; depth <= 6; depth++) {
      const t = together(() => increments(3), 2, depth);
      expect([...t.sites]).toEqual([...s.sites]);
      expect([...t.finals].sort()).toEqual([...s.finals].sort());
    }
  });

  test("a thread looping on local steps is not ignored, split at steps 1-3", () => {
    for (const depth of [1, 2, 3]) {
      const t = together(idleAndBoom, 2, depth);
      expect([...t.sites]).toEqual([`${BOOM_CHECK.file}:${BOOM_CHECK.line}`]);
    }
  });
});

describe("the shared table", () => {
  test("insert, narrow a sleep set, find, marks, stop", () => {
    const t = SharedFingerprintTable.create(4);
    expect(t.visit(5, 6, 0b101)).toBe(-1); // inserted
    expect(t.visit(5, 6, 0b100)).toBe(0b101); // seen: what the first visit left; now narrowed
    expect(t.value(t.find(5, 6))).toBe(0b100);
    expect(t.find(7, 8)).toBe(-1);
    expect(t.visit(0, 0, 1)).toBe(-1); // 0 halves are stored as 1: (0, 0) and (1, 1) merge
    expect(t.find(1, 1)).toBe(t.find(0, 0));
    const slot = t.find(5, 6);
    expect(t.markOf(slot)).toBe(0);
    t.markExpanded(slot);
    expect(t.markOf(slot)).toBe(1);
    t.markReduced(slot);
    t.markExpanded(slot); // a state once cut stays cut
    expect(t.markOf(slot)).toBe(2);
    expect(t.stopped).toBe(false);
    t.stop();
    expect(new SharedFingerprintTable(t.buffers).stopped).toBe(true); // seen through another view
  });

  test("past 3/4 of its slots an insertion reports the table full", () => {
    const t = SharedFingerprintTable.create(3); // 8 slots, limit 6
    const r = Array.from({ length: 7 }, (_, i) => t.visit(i + 10, i + 20, 0));
    expect(r.slice(0, 6)).toEqual([-1, -1, -1, -1, -1, -1]);
    expect(r[6]).toBe(-2);
    expect(t.size).toBe(7);
  });

  test("a snapshot loaded into a larger table, its stack states reopened (all but their finished branches)", () => {
    const t = SharedFingerprintTable.create(3);
    t.visit(5, 6, 0b001); // on a stack: thread 0 asleep on arrival, thread 1's branch finished
    t.visit(7, 8, 0b010); // explored to its end
    t.markExpanded(t.find(7, 8));
    t.markReduced(t.find(5, 6));
    const u = SharedFingerprintTable.fromSnapshot(t.snapshot(), 1000);
    u.reopen([5, 6, 0b010]);
    expect(t.value(t.find(5, 6))).toBe(0b001); // the live table is untouched
    expect(u.capacity).toBeGreaterThan(t.capacity);
    expect(u.size).toBe(2);
    expect(u.value(u.find(5, 6))).toBe(0xff & ~0b010); // every thread but 1 left to explore
    expect(u.markOf(u.find(5, 6))).toBe(0); // PENDING: no longer counted as cut
    expect(u.value(u.find(7, 8))).toBe(0b010);
    expect(u.markOf(u.find(7, 8))).toBe(1);
  });
});
