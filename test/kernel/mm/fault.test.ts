/**
 * The read-fault path on a fully cached file (HPAGE_PMD_NR = 4), mostly as one-thread Programs: what
 * filemap_fault + finish_fault/do_set_pte leave behind for a small page and for a THP subpage, and what
 * munmap and unmap_mapping_range undo. Expected counts come from the C (5.15.24 lines):
 *
 * - a small page mapped by one PTE: _mapcount 0 (page_add_file_rmap, mm/rmap.c:1242) and refcount 2:
 *   the page cache's one, plus the fault's lookup reference, which the PTE keeps (finish_fault's doc);
 * - a THP subpage mapped by PTE: the *subpage's* _mapcount goes up (file THPs count per subpage), the
 *   head's is untouched and compound_mapcount stays -1 (no PMD), and the reference is on the head
 *   (page_cache_get_speculative takes it on the head, mm/filemap.c:1836);
 * - zap_pte_range drops the subpage's _mapcount (page_remove_rmap, mm/rmap.c:1280) and release_pages puts
 *   the head (mm/swap.c:931) after the TLB flush.
 */
import { beforeEach, describe, expect, test } from "vitest";
import { runExecution } from "../../../src/engine/execution.js";
import type { Program, ThreadSpec } from "../../../src/engine/program.js";
import type { ExecutionResult } from "../../../src/engine/result.js";
import { type Gen, rt } from "../../../src/engine/runtime.js";
import { site } from "../../../src/engine/site.js";
import { DfsStrategy } from "../../../src/engine/strategy/dfs.js";
import { RandomStrategy } from "../../../src/engine/strategy/random.js";
import { configure, makeConfig } from "../../../src/kernel/config.js";
import type { Page } from "../../../src/kernel/include/linux/mm_types.js";
import { PG_locked } from "../../../src/kernel/include/linux/page-flags.js";
import { lock_page, unlock_page } from "../../../src/kernel/include/linux/pagemap.js";
import { FGP_LOCK, pagecache_get_page } from "../../../src/kernel/mm/filemap_fault.js";
import {
  do_user_addr_fault,
  FAULT_FLAG_DEFAULT,
  FAULT_FLAG_TRIED,
  FAULT_FLAG_USER,
  handle_mm_fault,
  i_mmap,
  unmap_mapping_range,
  VM_EXEC,
  VM_FAULT_ERROR,
  VM_FAULT_LOCKED,
  VM_FAULT_RETRY,
  VM_FAULT_SIGBUS,
  VM_READ,
  type vm_area_struct,
} from "../../../src/kernel/mm/memory.js";
import { __do_munmap, mmap_region } from "../../../src/kernel/mm/mmap.js";
import { truncate_inode_pages } from "../../../src/kernel/mm/truncate.js";
import { makeProgram } from "../../../src/scenarios/program.js";
import type { Scenario } from "../../../src/scenarios/types.js";
import { buildWorld, type World } from "../../../src/scenarios/world.js";

const NR = 4;
const locked = (p: Page) => (p.flags & (1 << PG_locked)) !== 0;

interface Ctx {
  w: World;
  vma: vm_area_struct | null;
  faults: number[];
}

/** A Program over a scenario world (`cache`) whose threads run `bodies` with a shared context. */
function program(cache: "small" | "thp", ...bodies: ((c: Ctx) => Gen<void>)[]): { p: Program; ctx: () => Ctx } {
  let ctx: Ctx | null = null;
  return {
    ctx: () => ctx as Ctx,
    p: {
      id: "fault-unit",
      setup(): ThreadSpec[] {
        const w = buildWorld({ kind: "regular", cache });
        const c: Ctx = { w, vma: null, faults: [] };
        ctx = c;
        return bodies.map((b, i) => ({ name: `T${i}`, run: () => b(c) }));
      },
    },
  };
}

function run(p: Program): ExecutionResult {
  const r = runExecution(p, new RandomStrategy(1));
  if (r.verdict !== "completed") throw new Error(`${r.verdict}: ${r.bug?.message ?? r.error ?? ""}`);
  return r;
}

/** mmap the whole file (as the reader does), then touch `indices`. */
function reader(indices: number[], after?: (c: Ctx) => Gen<void>) {
  return function* (c: Ctx): Gen<void> {
    const f = { f_inode: c.w.inode, f_mode: 1 };
    c.vma = yield* mmap_region(rt.current.name, f, 0, NR, VM_READ | VM_EXEC);
    for (const i of indices) c.faults.push(yield* do_user_addr_fault(c.vma, i));
    if (after !== undefined) yield* after(c);
  };
}

beforeEach(() => configure(makeConfig({ HPAGE_PMD_NR: NR }), []));

describe("filemap_fault + do_set_pte, one thread", () => {
  test("a small page: one PTE, _mapcount 0, refcount 2 (cache + the PTE's), unlocked", () => {
    const t = program("small", reader([1]));
    run(t.p);
    const { w, vma, faults } = t.ctx();
    const p = w.initial[1] as Page;
    expect(faults[0] as number).toBe(VM_FAULT_LOCKED); // do_read_fault passes __do_fault's bits on
    expect(vma?.ptes).toEqual([null, p, null, null]);
    expect(p._mapcount).toBe(0);
    expect(p._refcount).toBe(2);
    expect(locked(p)).toBe(false);
    for (const q of w.initial) if (q !== p) expect([q._mapcount, q._refcount]).toEqual([-1, 1]);
    expect(i_mmap(w.mapping)).toEqual([vma]);
  });

  test("a THP subpage: the subpage's _mapcount, a reference on the head (mm/rmap.c:1242)", () => {
    const t = program("thp", reader([2]));
    run(t.p);
    const { w, vma } = t.ctx();
    const head = w.initial[0] as Page;
    const sub = head.subpages?.[2] as Page;
    expect(vma?.ptes[2]).toBe(sub);
    expect(sub._mapcount).toBe(0);
    expect(head._mapcount).toBe(-1);
    expect(head.compound_mapcount).toBe(-1);
    expect(sub._refcount).toBe(0); // tails carry no count of their own
    expect(head._refcount).toBe(NR + 1);
    expect(locked(head)).toBe(false);
  });

  test("every subpage of the THP: NR PTEs, NR extra references on the head; a second touch faults nothing", () => {
    const t = program("thp", reader([0, 1, 2, 3, 0, 3]));
    run(t.p);
    const { w, vma, faults } = t.ctx();
    const head = w.initial[0] as Page;
    expect(vma?.ptes).toEqual(head.subpages);
    for (const sp of head.subpages ?? []) expect(sp._mapcount).toBe(0);
    expect(head._refcount).toBe(2 * NR);
    expect(faults.slice(4)).toEqual([0, 0]); // present PTEs: handle_pte_fault returns 0
  });

  test("munmap undoes it: PTEs cleared, mapcounts back to -1, references dropped, VMA unlinked", () => {
    const t = program(
      "thp",
      reader([0, 1, 2, 3], function* (c) {
        yield* __do_munmap(c.vma as vm_area_struct);
      }),
    );
    run(t.p);
    const { w, vma } = t.ctx();
    const head = w.initial[0] as Page;
    expect(vma?.ptes).toEqual([null, null, null, null]);
    for (const sp of head.subpages ?? []) expect(sp._mapcount).toBe(-1);
    expect(head._refcount).toBe(NR);
    expect(i_mmap(w.mapping)).toEqual([]);
  });

  test("unmap_mapping_range (truncate_pagecache's) zaps every process's PTEs and keeps the VMA", () => {
    const t = program(
      "small",
      reader([0, 3], function* (c) {
        yield* unmap_mapping_range(c.w.mapping, 0, 0, 1);
      }),
    );
    run(t.p);
    const { w, vma } = t.ctx();
    expect(vma?.ptes).toEqual([null, null, null, null]);
    for (const p of w.initial) expect([p._mapcount, p._refcount]).toEqual([-1, 1]);
    expect(i_mmap(w.mapping)).toEqual([vma]);
  });

  test("after a truncation the fault finds no page: VM_FAULT_SIGBUS in the model, no PTE, no lock kept", () => {
    const t = program("thp", function* (c) {
      yield* truncate_inode_pages(c.w.mapping, 0);
      yield* reader([1])(c);
    });
    run(t.p);
    const { w, vma, faults } = t.ctx();
    expect(faults).toEqual([VM_FAULT_SIGBUS]);
    expect(vma?.ptes).toEqual([null, null, null, null]);
    expect(w.mapping.invalidate_lock.readers).toBe(0);
    expect((w.initial[0] as Page).freed).toBe(true);
  });

  test("beyond EOF: VM_FAULT_SIGBUS (mm/filemap.c:3050)", () => {
    const t = program("small", function* (c) {
      const f = { f_inode: c.w.inode, f_mode: 1 };
      c.vma = yield* mmap_region("T0", f, 0, NR + 1, VM_READ);
      c.faults.push(yield* do_user_addr_fault(c.vma, NR));
    });
    run(t.p);
    expect(t.ctx().faults).toEqual([VM_FAULT_SIGBUS]);
  });

  test("pagecache_get_page(FGP_LOCK) on a THP index: the subpage, head locked and referenced (:1903–1930)", () => {
    let got: Page | null = null;
    const t = program("thp", function* (c) {
      got = (yield* pagecache_get_page(c.w.mapping, 3, FGP_LOCK)) as Page;
    });
    run(t.p);
    const head = t.ctx().w.initial[0] as Page;
    expect(got).toBe(head.subpages?.[3]);
    expect(locked(head)).toBe(true);
    expect(head._refcount).toBe(NR + 1);
  });
});

const S_hold = site("test", 1, "holder", "page locked");

describe("a fault racing a page-lock holder (all interleavings)", () => {
  test("sleeping for the lock returns VM_FAULT_RETRY once; the retry (FAULT_FLAG_TRIED) maps the page", () => {
    let retried = 0;
    const t = program(
      "small",
      function* (c) {
        const f = { f_inode: c.w.inode, f_mode: 1 };
        c.vma = yield* mmap_region("T0", f, 0, NR, VM_READ);
        let flags = FAULT_FLAG_DEFAULT | FAULT_FLAG_USER;
        for (;;) {
          const r = yield* handle_mm_fault(c.vma, 2, flags);
          c.faults.push(r);
          if ((r & VM_FAULT_RETRY) === 0) break;
          flags |= FAULT_FLAG_TRIED;
        }
      },
      function* (c) {
        const p = c.w.initial[2] as Page;
        yield* lock_page(p);
        yield S_hold;
        unlock_page(p);
        yield S_hold;
      },
    );
    const dfs = new DfsStrategy(10);
    let executions = 0;
    while (dfs.newExecution()) {
      const r = runExecution(t.p, dfs);
      dfs.endExecution(r);
      executions++;
      expect(r.verdict).toBe("completed");
      const { w, vma, faults } = t.ctx();
      const p = w.initial[2] as Page;
      const last = faults[faults.length - 1] as number;
      expect(last & (VM_FAULT_ERROR | VM_FAULT_RETRY)).toBe(0);
      expect(faults.length).toBeLessThanOrEqual(2);
      if (faults.length === 2) retried++;
      expect(vma?.ptes[2]).toBe(p);
      expect([p._mapcount, p._refcount, locked(p)]).toEqual([0, 2, false]);
    }
    expect(dfs.exhausted).toBe(true);
    expect(retried).toBeGreaterThan(0);
    expect(retried).toBeLessThan(executions);
  });
});

describe("final-state invariants with mapped THP subpages (src/scenarios/program.ts)", () => {
  const scenario: Scenario = {
    name: "fault-unit",
    summary: "",
    description: "",
    sources: [],
    file: { kind: "regular", cache: "thp" },
    threads: [{ name: "reader", cpu: 0, comm: "reader", ops: [{ op: "map-read", start: 1, nr: 2 }] }],
  };

  test("a THP with two PTE-mapped subpages passes: refcount = slots + PTEs", () => {
    const p = makeProgram(scenario, { hpageNr: NR });
    run(p);
    const head = p.world().initial[0] as Page;
    expect(head._refcount).toBe(NR + 2);
    expect(p.finish?.()).toBeNull();
  });

  test("a reference or a mapcount the PTEs do not account for is damage", () => {
    const p = makeProgram(scenario, { hpageNr: NR });
    run(p);
    const head = p.world().initial[0] as Page;
    head._refcount--;
    expect(p.finish?.()?.condition).toMatch(/H has refcount 5, expected 6 \(page cache 4, mapped 2\)/);
    head._refcount++;
    (head.subpages?.[3] as Page)._mapcount = 0;
    expect(p.finish?.()?.condition).toMatch(/H\+3 has mapcount 1 but 0 PTE\(s\) map it/);
  });

  test("a PTE mapping another index's page is damage", () => {
    const p = makeProgram(scenario, { hpageNr: NR });
    run(p);
    const w = p.world();
    const vma = i_mmap(w.mapping)[0] as vm_area_struct;
    const other = w.initial[0] as Page;
    vma.ptes[0] = other.subpages?.[1] as Page; // a PTE at index 0 mapping the page of index 1
    expect(p.finish?.()?.condition).toMatch(
      /the PTE of reader for index 0 maps H\+1, but the page cache holds H there/,
    );
  });
});
