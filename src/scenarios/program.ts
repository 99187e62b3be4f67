/**
 * Turns a Scenario (data) into an engine Program over the kernel model: configures the kernel, builds
 * the file's initial page cache, gives each thread its kernel entry points, and checks the final state.
 *
 * Final-state invariants (they catch damage whatever CONFIG_DEBUG_VM says): deferred free-time checks
 * (bad_page from the pcp drain), no page left locked, every slot pointing at a live page of this mapping
 * whose index range covers the slot, every PTE still mapping the page the cache holds for its index,
 * each page's mapcount equal to the PTEs that map it, page-cache and PTE references accounted for (a
 * THP's head holds one per slot and one per PTE on any of its subpages), no page leaked (alive with no
 * owner) and nr_thps matching the THPs in the cache.
 */

import type { AssertionInfo } from "../engine/errors.js";
import { ModelAssertion } from "../engine/errors.js";
import type { Program, ThreadSpec } from "../engine/program.js";
import { enter, enterFn, type Gen, leave, note, read, rt } from "../engine/runtime.js";
import { fn, inlineFn, site } from "../engine/site.js";
import { configure, type KernelConfig, makeConfig } from "../kernel/config.js";
import { do_dentry_open, FMODE_WRITE } from "../kernel/fs/open.js";
import { i_writecount_dec } from "../kernel/include/linux/fs.js";
import { put_page } from "../kernel/include/linux/mm.js";
import { allPages, as_mapping, type Page } from "../kernel/include/linux/mm_types.js";
import { flagNames, PG_head, PG_locked } from "../kernel/include/linux/page-flags.js";
import { shmem_inode_info_peek } from "../kernel/include/linux/shmem_fs.js";
import { read_whole_array, xa_first_index, xa_snapshot } from "../kernel/lib/xarray.js";
import { dump_page } from "../kernel/mm/debug.js";
import { end_page_writeback } from "../kernel/mm/filemap.js";
import { collapse_file } from "../kernel/mm/khugepaged.js";
import {
  do_user_addr_fault,
  i_mmap,
  VM_EXEC,
  VM_FAULT_SIGBUS,
  VM_HUGEPAGE,
  VM_READ,
  type vm_area_struct,
} from "../kernel/mm/memory.js";
import { __do_munmap, mmap_region } from "../kernel/mm/mmap.js";
import { drain_pcp_checks, freeChecks, pcpPending } from "../kernel/mm/page_alloc.js";
import { shmem_fallocate_punch_hole, shmem_setattr_size } from "../kernel/mm/shmem.js";
import type { Scenario, ThreadOp } from "./types.js";
import { buildWorld, type World } from "./world.js";

export interface RunConfig {
  /** HPAGE_PMD_NR (default: the scenario's, else 4). */
  readonly hpageNr?: number;
  /** CONFIG_DEBUG_VM (default true). */
  readonly debugVm?: boolean;
  /** Candidate patches applied (names from src/kernel/patches). */
  readonly patches?: readonly string[];
}

export interface ScenarioProgram extends Program {
  readonly scenario: Scenario;
  readonly config: KernelConfig;
  readonly patches: readonly string[];
  /** The world of the last execution (for reports after a run). */
  world(): World;
}

const FN_khugepaged_do_scan = fn("khugepaged_do_scan", "mm/khugepaged.c", 2207);
const S_put_hpage = site("mm/khugepaged.c", 2238, "khugepaged_do_scan", "put_page(hpage)");
const FN___fput = fn("__fput", "fs/file_table.c", 0);
const S_put_write_access = site("include/linux/fs.h", 3057, "put_write_access", "atomic_dec(&inode->i_writecount)");

/** FMODE_READ (include/linux/fs.h): the reader's O_RDONLY file. */
const FMODE_READ = 0x1;

/**
 * What a thread's process holds across its ops, kept in the thread's `local` so that it is visible state:
 * `vma`, its mapping of the file (map-read creates it, munmap removes it), and `writers`, how many
 * opens for write are still open (open-for-write adds one, close drops one).
 */
interface ProcessState {
  vma?: vm_area_struct;
  writers?: number;
}

/**
 * runOp's locals: the op and what steers it across a yield. The fields of the other ops stay at their
 * initial values. (`op`, the parameter, is L.op: it is read directly where the switch narrows its type.)
 */
interface OpLocals {
  readonly op: ThreadOp;
  /** repeat: the round, and the index in op.ops of the op running. */
  k: number;
  j: number;
  /** map-read: the file's size in pages when the op started, the end of the range, the page offset read. */
  pages: number;
  end: number;
  pgoff: number;
  /** map-read: the process's VMA (also in the thread's local). */
  vma: vm_area_struct | null;
  /** collapse-file: khugepaged's hpage, which a failed collapse may leave behind. */
  hpage: { page: Page | null } | null;
}

/** One op of a thread: a model helper, so its frame holds state and stays out of call traces. */
const FN_runOp = inlineFn("runOp", "src/scenarios/program.ts");
/** A thread's body: its frame holds the index of the op running. */
const FN_thread = inlineFn("thread", "src/scenarios/program.ts");

function* runOp(w: World, op: ThreadOp): Gen<void> {
  const L: OpLocals = enter(FN_runOp, { op, k: 0, j: 0, pages: 0, end: 0, pgoff: 0, vma: null, hpage: null });
  const proc = rt.current.local as ProcessState;
  switch (op.op) {
    case "open-for-write": {
      const error = yield* do_dentry_open({ f_inode: w.inode, f_mode: FMODE_WRITE });
      if (error === 0) proc.writers = (proc.writers ?? 0) + 1;
      break;
    }
    case "close": {
      // close(2) → fput → __fput (fs/file_table.c): FMODE_WRITER → put_write_access (fs.h:3055).
      const n = proc.writers ?? 0;
      if (n === 0) {
        // The open failed (-ETXTBSY under patch deny-write-access-in-collapse): close(-1) is EBADF.
        note(() => "close: no file open for write (the open failed): EBADF, nothing to release");
        break;
      }
      proc.writers = n - 1;
      enterFn(FN___fput);
      i_writecount_dec(w.inode);
      yield S_put_write_access;
      leave(undefined);
      break;
    }
    case "map-read": {
      // The mapping's length: the program knows the file's size (fstat reads i_size).
      read(w.inode.id);
      L.pages = Math.ceil(w.inode.i_size / 4096);
      if (proc.vma === undefined) {
        // mmap(PROT_READ|PROT_EXEC, MAP_PRIVATE) of the whole file, then madvise(MADV_HUGEPAGE).
        const f = { f_inode: w.inode, f_mode: FMODE_READ };
        proc.vma = yield* mmap_region(rt.current.name, f, 0, L.pages, VM_READ | VM_EXEC | VM_HUGEPAGE);
      }
      L.vma = proc.vma;
      L.end = op.nr === 0 ? L.pages : op.start + op.nr;
      for (L.pgoff = op.start; L.pgoff < L.end; L.pgoff++) {
        const fault = yield* do_user_addr_fault(L.vma, L.pgoff);
        if ((fault & VM_FAULT_SIGBUS) !== 0) note(() => `read of index ${L.pgoff} gets SIGBUS: moving on`);
      }
      break;
    }
    case "munmap": {
      const vma = proc.vma;
      if (vma === undefined) throw new Error(`${rt.current.name}: munmap with nothing mapped`);
      yield* __do_munmap(vma);
      proc.vma = undefined;
      break;
    }
    case "repeat": {
      for (L.k = 0; L.k < op.times; L.k++) {
        for (L.j = 0; L.j < op.ops.length; L.j++) yield* runOp(w, op.ops[L.j] as ThreadOp);
      }
      break;
    }
    case "collapse-file": {
      // khugepaged_do_scan → khugepaged_scan_mm_slot → khugepaged_scan_file → collapse_file; at the end
      // of the scan khugepaged puts a hpage a failed collapse left behind (khugepaged.c:2237–2238, rc3).
      enterFn(FN_khugepaged_do_scan);
      L.hpage = { page: null };
      yield* collapse_file(null, { f_inode: w.inode, f_mode: 0 }, op.start, L.hpage);
      if (L.hpage.page !== null) {
        put_page(L.hpage.page);
        yield S_put_hpage;
      }
      leave(undefined);
      break;
    }
    case "end-page-writeback": {
      const page = w.initial[op.index];
      if (page === undefined) throw new Error(`no initial page at index ${op.index}`);
      yield* end_page_writeback(page);
      break;
    }
    case "truncate":
      yield* shmem_setattr_size(w.inode, op.size);
      break;
    case "punch-hole":
      yield* shmem_fallocate_punch_hole(w.inode, op.offset, op.len);
      break;
  }
  leave(undefined);
}

export function programId(s: Scenario, config: KernelConfig): string {
  return `${s.name}~n${config.HPAGE_PMD_NR}${config.DEBUG_VM ? "" : "~nodebug"}`;
}

export function makeProgram(scenario: Scenario, rc: RunConfig = {}): ScenarioProgram {
  const config = makeConfig({
    HPAGE_PMD_NR: rc.hpageNr ?? scenario.hpageNr ?? 4,
    DEBUG_VM: rc.debugVm ?? true,
  });
  const patches = [...(rc.patches ?? [])];
  let world: World | null = null;
  const program: ScenarioProgram = {
    id: programId(scenario, config),
    scenario,
    config,
    patches,
    world: () => {
      if (world === null) throw new Error("no execution has run yet");
      return world;
    },
    setup(): ThreadSpec[] {
      configure(config, patches);
      const w = buildWorld(scenario.file);
      world = w;
      freeChecks.push((page) => cachedAt(w, page));
      return scenario.threads.map((t) => ({
        name: t.name,
        // CPU number and comm are the scenario's (reports read them there), not model state: two writers
        // on different CPUs running the same ops are interchangeable (symmetry()).
        local: {},
        run: function* (): Gen<void> {
          const L = enter(FN_thread, { op: 0 });
          for (L.op = 0; L.op < t.ops.length; L.op++) yield* runOp(w, t.ops[L.op] as ThreadOp);
          leave(undefined);
        },
      }));
    },
    finish(): AssertionInfo | null {
      drain_pcp_checks();
      return finalInvariants(world as World);
    },
    stateKey(): string {
      return stateKey(world as World);
    },
    symmetry(): readonly (readonly number[])[] {
      // Threads with the same comm and ops are interchangeable: the model never reads a CPU number.
      const groups = new Map<string, number[]>();
      scenario.threads.forEach((t, i) => {
        const key = JSON.stringify([t.comm, t.ops]);
        groups.set(key, [...(groups.get(key) ?? []), i]);
      });
      return [...groups.values()].filter((g) => g.length > 1);
    },
    stateRoots(): readonly unknown[] {
      // All kernel memory the threads can reach (docs/model.md, "What a state is"): the file (inode,
      // address_space, its XArray and the pages it started with), every struct page ever allocated in this
      // execution (freed ones included: a lockless reader may still hold one), the pages freed with
      // deferred checks, the VMAs mapping the file, and the file's shmem_inode_info (a side table keyed by
      // inode, as SHMEM_I's container_of is in C; absent until first used). klog is output only; freeChecks are closures
      // rebuilt by setup; kconfig is fixed per program.
      const w = world as World;
      return [w, allPages, pcpPending, i_mmap(w.mapping), shmem_inode_info_peek(w.inode) ?? null];
    },
  };
  return program;
}

/** Where a page is still referenced by the page cache, or null. */
function cachedAt(w: World, page: Page): string | null {
  read_whole_array(w.mapping.i_pages);
  // The cache holds heads: a slot refers to `page` if it holds it or (for a tail) its head.
  const head = page.compound_head;
  const i = xa_first_index(w.mapping.i_pages, (e) => e === page || (head !== null && e === head));
  return i < 0 ? null : `still in the page cache of ${w.inode.name} at index ${i}`;
}

function damage(what: string, page?: Page): AssertionInfo {
  return {
    kind: "invariant",
    site: { file: "mmrace:final-state", line: 0 },
    condition: what,
    message: `mmrace: kernel state damaged: ${what}`,
    detail: page === undefined ? [] : dump_page(page, what),
    fatal: true,
  };
}

/** The final-state invariants: what a quiescent page cache must look like. */
function finalInvariants(w: World): AssertionInfo | null {
  const slots = xa_snapshot(w.mapping.i_pages);
  const cacheRefs = new Map<Page, number>();
  for (let i = 0; i < slots.length; i++) {
    const e = slots[i];
    if (e === null || e === undefined || !(e instanceof Object) || !("pfn" in e)) continue;
    const page = e as Page;
    if (page.freed) return damage(`slot ${i} points at freed page ${page.name}`, page);
    if (as_mapping(page.mapping) !== w.mapping) {
      return damage(`slot ${i} holds ${page.name}, whose ->mapping is not this file's`, page);
    }
    const nr = page.subpages === null ? 1 : page.subpages.length;
    if (i < page.index || i >= page.index + nr) {
      return damage(`slot ${i} holds ${page.name}, which covers indices ${page.index}..${page.index + nr - 1}`, page);
    }
    cacheRefs.set(page, (cacheRefs.get(page) ?? 0) + 1);
  }
  // PTEs: each maps a live page, the one the page cache holds for its index (a THP's subpage for that
  // index); every page's _mapcount counts the PTEs that map it (file THPs count per subpage).
  const ptes = new Map<Page, number>();
  for (const vma of i_mmap(w.mapping)) {
    for (let i = 0; i < vma.ptes.length; i++) {
      const p = vma.ptes[i];
      if (p === null || p === undefined) continue;
      const index = vma.vm_pgoff + i;
      const where = `the PTE of ${vma.vm_mm} for index ${index}`;
      if (p.freed) return damage(`${where} maps freed page ${p.name}`, p);
      const e = slots[index];
      const cached = e instanceof Object && "pfn" in e ? (e as Page) : null;
      const expect = cached === null ? null : cached.subpages === null ? cached : cached.subpages[index - cached.index];
      if (expect !== p) {
        return damage(
          cached === null
            ? `${where} maps ${p.name}, no longer in the page cache (a stale mapping)`
            : `${where} maps ${p.name}, but the page cache holds ${expect?.name ?? cached.name} there`,
          p,
        );
      }
      ptes.set(p, (ptes.get(p) ?? 0) + 1);
    }
  }
  let thps = 0;
  for (const p of allPages) {
    if (p.compound_head !== null) continue; // tails are checked with their head
    if ((p.flags & (1 << PG_locked)) !== 0 && !p.freed) return damage(`${p.name} left locked`, p);
    const refs = cacheRefs.get(p) ?? 0;
    if (p.freed) continue;
    if (refs === 0) {
      return damage(`${p.name} leaked: not freed, not in the page cache (refcount ${p._refcount})`, p);
    }
    // A PTE keeps one reference on the head per subpage it maps (no PMD mappings in the model).
    let mapped = 0;
    for (const sp of p.subpages ?? [p]) {
      const n = ptes.get(sp) ?? 0;
      if (sp._mapcount + 1 !== n) {
        return damage(`${sp.name} has mapcount ${sp._mapcount + 1} but ${n} PTE(s) map it`, sp);
      }
      mapped += n;
    }
    if (p._refcount !== refs + mapped) {
      return damage(
        `${p.name} has refcount ${p._refcount}, expected ${refs + mapped} (page cache ${refs}, mapped ${mapped})`,
        p,
      );
    }
    if ((p.flags & (1 << PG_head)) !== 0) thps++;
  }
  if (!w.mapping.shmem && w.mapping.nr_thps !== thps) {
    return damage(`mapping->nr_thps is ${w.mapping.nr_thps} but the page cache holds ${thps} THP(s)`);
  }
  return null;
}

/** Canonical text of the final state: slots, then every page's state. */
function stateKey(w: World): string {
  const slots = xa_snapshot(w.mapping.i_pages)
    .map((e) => (e === null || e === undefined ? "-" : "pfn" in (e as object) ? (e as Page).name : "v"))
    .join(",");
  const pages = allPages
    .map(
      (p) =>
        `${p.name}:${p.freed ? "freed" : `${p._refcount}/${flagNames(p.flags)}/${p.mapping === null ? "0" : "m"}`}`,
    )
    .join(" ");
  return `${slots}|thps=${w.mapping.nr_thps}|wc=${w.inode.i_writecount}|${pages}`;
}

export { ModelAssertion };
