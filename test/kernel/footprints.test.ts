/**
 * Footprints are complete (footprintAudit.ts): on every built-in scenario at HPAGE_PMD_NR=4, under rc3,
 * the landed fixes and Hugh's deletions, no step touches shared memory (pages, XArray nodes and slots,
 * inode, mapping, PTEs, locks) outside its footprint, or a lock-protected field without its lock.
 * Random and POS schedules reach the rollbacks, the splits and the frees: every step kind of the model runs.
 */
import { describe, expect, test } from "vitest";
import type { Program } from "../../src/engine/program.js";
import type { Gen } from "../../src/engine/runtime.js";
import { site } from "../../src/engine/site.js";
import { PosStrategy } from "../../src/engine/strategy/pos.js";
import { RandomStrategy } from "../../src/engine/strategy/random.js";
import { StatefulStrategy } from "../../src/engine/strategy/stateful.js";
import { address_space, inode } from "../../src/kernel/include/linux/fs.js";
import { PF_INDEX, PFN_BASE, resetPages, write_field } from "../../src/kernel/include/linux/mm_types.js";
import { down_write, up_write } from "../../src/kernel/kernel/locking/rwsem.js";
import { spin_lock_irq, spin_unlock_irq } from "../../src/kernel/kernel/locking/spinlock.js";
import { i_mmap } from "../../src/kernel/mm/memory.js";
import { alloc_pages } from "../../src/kernel/mm/page_alloc.js";
import { resolvePatches } from "../../src/kernel/patches/index.js";
import { BUILTIN_SCENARIOS } from "../../src/scenarios/builtins.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";
import { auditFootprints } from "./footprintAudit.js";

const NAMES = BUILTIN_SCENARIOS.map((s) => s.name);
const S_audit = site("test", 1, "audit", "audited store");

describe.each(NAMES)("%s", (name) => {
  const scenario = BUILTIN_SCENARIOS.find((s) => s.name === name);
  test.each([[[]], [["landed-5.16"]], [["hugh-deletions"]]])(
    "patches %j: every shared access is in its step's footprint",
    (patches) => {
      if (scenario === undefined) throw new Error(name);
      const p = makeProgram(scenario, { hpageNr: 4, patches: resolvePatches(patches) });
      const v = [...auditFootprints(p, new RandomStrategy(11), 300), ...auditFootprints(p, new PosStrategy(12), 300)];
      expect(v).toEqual([]);
    },
  );
});

describe.each([
  "truncate-vs-truncate",
  "collapse-vs-truncate",
  "collapse-vs-writeback",
  "shmem-collapse-vs-punch",
  "shmem-collapse-vs-truncate",
])("%s at HPAGE_PMD_NR=2", (name) => {
  // Every transition of every reachable state, not a sample: the stateful search without sleep sets or
  // symmetry tries every enabled thread at every state once, and each such step is audited.
  test.each([[[]], [["landed-5.16"]]])("patches %j: every step of the whole state space", (patches) => {
    const p = makeProgram(findScenario(name), { hpageNr: 2, patches: resolvePatches(patches) });
    const st = new StatefulStrategy({ sleepSets: false, symmetry: false, localSteps: false });
    expect(auditFootprints(p, st, Number.POSITIVE_INFINITY)).toEqual([]);
    expect(st.exhausted).toBe(true);
  });
});

/**
 * A program of one thread whose middle step (between two yields) is the one audited: `make` builds the
 * shared objects in setup and returns that step's body (a generator when it takes locks).
 */
function oneStep(id: string, make: () => () => Gen<void> | undefined): Program {
  return {
    id,
    setup() {
      const body = make();
      return [
        {
          name: "t",
          run: function* (): Gen<void> {
            yield S_audit;
            const g = body();
            if (g !== undefined) yield* g;
            yield S_audit;
          },
        },
      ];
    },
  };
}

const STEP = "t test:1 audited store";
const audit = (p: Program) => auditFootprints(p, new RandomStrategy(1), 1);

describe("the audit itself", () => {
  test("reports a page field written without a footprint, and accepts it once declared", () => {
    // A page allocated in setup, then one step that stores ->index: undeclared, then declared.
    const program = (declare: boolean): Program =>
      oneStep(`audit-${declare}`, () => {
        resetPages();
        const page = alloc_pages(0);
        return () => {
          if (declare) write_field(page, PF_INDEX);
          page.index = 5;
          return undefined;
        };
      });
    expect(audit(program(false))).toEqual([{ step: STEP, access: `write P${PFN_BASE}.index` }]);
    expect(audit(program(true))).toEqual([]);
  });

  test("reports a lock-protected field touched without its lock (nrpages, under xa_lock)", () => {
    const program = (locked: boolean): Program =>
      oneStep(`audit-lock-${locked}`, () => {
        const mapping = new address_space(new inode("f"));
        return function* (): Gen<void> {
          if (locked) yield* spin_lock_irq(mapping.i_pages.xa_lock);
          mapping.nrpages++;
          if (locked) spin_unlock_irq(mapping.i_pages.xa_lock);
        };
      });
    expect(audit(program(false))).toEqual([
      { step: STEP, access: "read address_space.nrpages without its lock" },
      { step: STEP, access: "write address_space.nrpages without its lock" },
    ]);
    expect(audit(program(true))).toEqual([]);
  });

  test("reports the i_mmap list touched without i_mmap_rwsem held for write", () => {
    const program = (locked: boolean): Program =>
      oneStep(`audit-immap-${locked}`, () => {
        const mapping = new address_space(new inode("f"));
        return function* (): Gen<void> {
          if (locked) yield* down_write(mapping.i_mmap_rwsem);
          const mapped = i_mmap(mapping).length > 0;
          if (locked) up_write(mapping.i_mmap_rwsem);
          if (mapped) throw new Error("no VMA was mapped");
        };
      });
    expect(audit(program(false))).toEqual([
      { step: STEP, access: "read address_space.i_mmap[length] without its lock" },
    ]);
    expect(audit(program(true))).toEqual([]);
  });
});
