/**
 * mm/memory.c: the user page tables of file mappings. The fault side maps a page the file's ->fault found
 * (handle_mm_fault → handle_pte_fault → do_fault → do_read_fault → __do_fault, finish_fault, do_set_pte);
 * the zap side clears PTEs (zap_pte_range) and releases their pages once the TLB is flushed
 * (tlb_finish_mmu), for munmap (unmap_vmas) and for unmapping a file's pages from every process
 * (unmap_mapping_page/pages/range). The rmap accounting both sides do for file pages (mm/rmap.c
 * page_add_file_rmap, page_remove_rmap) is here too, and so is the x86 user-fault retry loop.
 *
 * Line numbers are v5.15-rc3's: 5.15.24's up to :3909, less 9 after, where eac96c3efdb5 (v5.15-rc6) added
 * the PageHasHWPoisoned bail-out to do_set_pmd (docs/model.md, "Line numbers").
 *
 * Page tables. A VMA keeps its PTEs as an array by page offset into the mapping: the page each PTE maps
 * (a small page, or a subpage of a THP) or null (pte_none). The C does every PTE operation under the
 * PTE table's ptl; the model makes each such operation one step and never holds the ptl across steps,
 * which is what the C allows too: zap_pte_range drops the ptl whenever need_resched() (:1329), so a fault
 * may install a PTE between any two PTEs a zap clears. PMDs are not modelled: finish_fault runs as if the
 * PMD already held a PTE table (pmd_none false), so a THP is always mapped by PTEs, never by do_set_pmd.
 * `mapping_ptes` stands for the i_mmap interval tree: the VMAs that map a file, in the order linked.
 *
 * Lock ordering (mm/rmap.c:21): mmap_lock (not modelled) → invalidate_lock (filemap_fault) → page lock
 * → i_mmap_rwsem → ptl. The fault holds the page lock around do_set_pte; unmap_mapping_* hold
 * i_mmap_rwsem around zap_pte_range, and munmap holds only mmap_lock.
 */
import { ModelAssertion } from "../../engine/errors.js";
import { enter, enterFn, type Gen, leave, newObject, note, read, rt, shared, write } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { VM_BUG_ON_LAZY, VM_BUG_ON_PAGE, WARN_ON_ONCE } from "../bug.js";
import { kconfig } from "../config.js";
import type { file } from "../fs/open.js";
import type { address_space } from "../include/linux/fs.js";
import { thp_nr_pages } from "../include/linux/huge_mm.js";
import { page_mapping, put_page } from "../include/linux/mm.js";
import {
  as_mapping,
  type Page,
  PF_INDEX,
  PF_MAPCOUNT,
  PF_MAPPING,
  read_field,
  write_field,
} from "../include/linux/mm_types.js";
import { compound_head, PageLocked, PageTail, PageTransCompound } from "../include/linux/page-flags.js";
import { lock_page, unlock_page } from "../include/linux/pagemap.js";
import { down_write, up_write } from "../kernel/locking/rwsem.js";
import { dump_page } from "./debug.js";

const F = "mm/memory.c";
const at = (line: number) => ({ file: F, line });

// ===== fault codes and flags (include/linux/mm_types.h:733, include/linux/mm.h:470) =====

export const VM_FAULT_OOM = 0x000001;
export const VM_FAULT_SIGBUS = 0x000002;
export const VM_FAULT_MAJOR = 0x000004;
export const VM_FAULT_NOPAGE = 0x000100;
export const VM_FAULT_LOCKED = 0x000200;
export const VM_FAULT_RETRY = 0x000400;
export const VM_FAULT_DONE_COW = 0x001000;
/** VM_FAULT_ERROR (mm_types.h:753), restricted to the codes the model can return. */
export const VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS;

export const FAULT_FLAG_WRITE = 1 << 0;
export const FAULT_FLAG_ALLOW_RETRY = 1 << 2;
export const FAULT_FLAG_RETRY_NOWAIT = 1 << 3;
export const FAULT_FLAG_KILLABLE = 1 << 4;
export const FAULT_FLAG_TRIED = 1 << 5;
export const FAULT_FLAG_USER = 1 << 6;
export const FAULT_FLAG_INTERRUPTIBLE = 1 << 9;
/** FAULT_FLAG_DEFAULT (mm.h:486): what a user-space fault starts with. */
export const FAULT_FLAG_DEFAULT = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE | FAULT_FLAG_INTERRUPTIBLE;

/** fault_flag_allow_retry_first (mm.h:503): ALLOW_RETRY on the first attempt only. */
export function fault_flag_allow_retry_first(flags: number): boolean {
  return (flags & FAULT_FLAG_ALLOW_RETRY) !== 0 && (flags & FAULT_FLAG_TRIED) === 0;
}

/** vm_flags bits (include/linux/mm.h) the model records on a VMA. */
export const VM_READ = 0x00000001;
export const VM_EXEC = 0x00000004;
export const VM_SHARED = 0x00000008;
export const VM_HUGEPAGE = 0x20000000;

/**
 * fault_around_bytes (memory.c:4061): the model runs with it set to PAGE_SIZE (the debugfs knob's minimum,
 * :4082), so do_read_fault never calls ->map_pages (filemap_map_pages) and every read fault goes through
 * ->fault. See docs/model.md.
 */
export const fault_around_bytes = 4096;

// ===== VMAs and their page tables =====

/** struct vm_operations_struct: the hook the modelled faults call (->map_pages is not modelled). */
export interface vm_operations_struct {
  readonly fault: (vmf: vm_fault) => Gen<number>;
}

/** struct vm_area_struct: one process's mapping of a file, with the PTEs of its range. */
export class vm_area_struct {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "vm_mm"];
  /** Shared-object id of the PTE table (its PTEs and ptl), for footprints. */
  readonly id = newObject();
  /** PTEs by page offset into the VMA: the page each maps, or null for pte_none. */
  readonly ptes: (Page | null)[];
  constructor(
    /** The process owning it (the thread's name), for reports. */
    readonly vm_mm: string,
    readonly vm_file: file,
    /** File page offset of the first page. */
    readonly vm_pgoff: number,
    /** vma_pages(vma). */
    readonly nr_pages: number,
    public vm_flags: number,
    readonly vm_ops: vm_operations_struct,
  ) {
    this.ptes = new Array<Page | null>(nr_pages).fill(null);
    // biome-ignore lint/correctness/noConstructorReturn: the footprint audit's hook (runtime.ts shared)
    return shared(this);
  }
}

/** The VMAs mapping each file: the model's stand-in for mapping->i_mmap. Guarded by i_mmap_rwsem. */
export const mapping_ptes = new WeakMap<address_space, vm_area_struct[]>();

/** The VMAs of @mapping (mapping->i_mmap), created empty on first use. */
export function i_mmap(mapping: address_space): vm_area_struct[] {
  let l = mapping_ptes.get(mapping);
  if (l === undefined) {
    l = [];
    mapping_ptes.set(mapping, l);
  }
  return l;
}

/** struct vm_fault, the fields the modelled path uses. */
export interface vm_fault {
  readonly vma: vm_area_struct;
  /** vmf->pgoff: file page offset of the faulting address. */
  readonly pgoff: number;
  flags: number;
  /** The page the PTE read at handle_pte_fault saw (vmf->orig_pte): null for pte_none. */
  orig_pte: Page | null;
  /** Set by ->fault: the page to map, referenced, and locked when VM_FAULT_LOCKED is returned. */
  page: Page | null;
}

// ===== rmap for file pages (mm/rmap.c) =====

const R = "mm/rmap.c";

/**
 * page_add_file_rmap - account one more mapping of a file page (mm/rmap.c:1211)
 * @page: the small page or THP subpage a new PTE maps
 * @compound: map a whole THP by PMD; never in the model (no PMD mappings)
 *
 * For a subpage of a file THP the C warns if the page is not locked (VM_WARN_ON_ONCE, :1236) and sets
 * PG_double_map on the head (:1238). Then the page's own _mapcount goes up (:1242): a file THP counts
 * its PTE mappings per subpage. No reference is taken: the PTE keeps the one the fault's lookup took on
 * the head. PG_double_map (a PF_SECOND flag) is not modelled: only anon THP paths read it.
 *
 * Context: ptl held. Model: plain; its racy access (the _mapcount increment) is in the caller's step.
 */
export function page_add_file_rmap(page: Page, compound: boolean): void {
  if (compound) throw new Error("page_add_file_rmap: PMD mappings are not modelled");
  if (PageTransCompound(page) && page_mapping(page) !== null) {
    if (kconfig.current.DEBUG_VM) WARN_ON_ONCE(!PageLocked(page), { file: R, line: 1236 }, "!PageLocked(page)");
  }
  write_field(page, PF_MAPCOUNT);
  page._mapcount++;
}

/**
 * page_remove_rmap - account one mapping less (mm/rmap.c:1346), file pages mapped by PTE only
 * @page: the small page or THP subpage whose PTE was cleared
 *
 * page_remove_file_rmap (:1250): atomic_add_negative(-1, &page->_mapcount) (:1280); the rest is vmstat.
 * Context: ptl held. Model: plain; the caller's step holds the access.
 */
export function page_remove_rmap(page: Page, compound: boolean): void {
  if (compound) throw new Error("page_remove_rmap: PMD mappings are not modelled");
  write_field(page, PF_MAPCOUNT);
  page._mapcount--;
}

// ===== zapping PTEs =====

/** struct mmu_gather: the pages whose PTEs were cleared, released after the TLB flush. */
export class mmu_gather {
  readonly pages: Page[] = [];
}

/** struct zap_details (include/linux/mm.h:1723): null for munmap. */
interface zap_details {
  /** Only zap pages of this mapping (leave private COW pages): set unless even_cows. */
  readonly check_mapping: address_space | null;
  readonly first_index: number;
  /** Inclusive. */
  readonly last_index: number;
}

const FN_zap_pte_range = fn("zap_pte_range", F, 1304);
const S_zpr_clear = site(F, 1362, "zap_pte_range", "ptep_get_and_clear_full; page_remove_rmap(page, false)");

/**
 * zap_pte_range - clear the PTEs of [@first, @last] (VMA page offsets, inclusive) in @vma
 *
 * Each present PTE whose page passes @details' mapping filter is cleared, its page's mapcount dropped
 * (page_remove_rmap) and the page gathered in @tlb: its reference is dropped later, by tlb_finish_mmu.
 * A mapcount gone negative is print_bad_pte's "BUG: Bad page map" (:1364), which the model reports.
 * `page_rmapping(page)` is compound_head(page)->mapping for a file page; in every sane state the pages in
 * a filtered range are locked by the caller (unmap_mapping_page, collapse_file's unmap_mapping_pages), so
 * the read is folded into the step.
 * Context: takes and drops the ptl per PTE (need_resched may drop it anywhere, :1329).
 * C: mm/memory.c:1304–1440 (present file pages only; swap and device entries do not arise).
 * Model: one step per PTE cleared; empty PTEs are read in the next step (equivalent: see the header).
 */
function* zap_pte_range(
  tlb: mmu_gather,
  vma: vm_area_struct,
  first: number,
  last: number,
  details: zap_details | null,
) {
  const L = enter(FN_zap_pte_range, { tlb, vma, last, details, i: first });
  for (L.i = first; L.i <= L.last && L.i < L.vma.nr_pages; L.i++) {
    const vma = L.vma;
    read(vma.id); // under the ptl in C: an empty PTE read is ordered against a fault installing it
    const page = vma.ptes[L.i] ?? null;
    if (page === null) continue;
    if (L.details !== null && L.details.check_mapping !== null) {
      const head = compound_head(page);
      read_field(head, PF_MAPPING);
      if (as_mapping(head.mapping) !== L.details.check_mapping) continue;
    }
    write(vma.id);
    vma.ptes[L.i] = null;
    page_remove_rmap(page, false);
    const index = vma.vm_pgoff + L.i;
    note(() => `PTE of ${vma.vm_mm} for index ${index} cleared: ${page.name} mapcount ${page._mapcount + 1}`);
    if (page._mapcount + 1 < 0) print_bad_pte(vma, index, page);
    L.tlb.pages.push(page); // __tlb_remove_page (:1365); batch allocation never fails in the model
    yield S_zpr_clear;
  }
  leave(undefined);
}

/** print_bad_pte (memory.c:512): "BUG: Bad page map", dump_page, taint; the model ends the execution. */
function print_bad_pte(vma: vm_area_struct, index: number, page: Page): never {
  throw new ModelAssertion({
    kind: "bad_pte",
    site: at(1364),
    condition: "page_mapcount(page) < 0",
    message: `BUG: Bad page map in process ${rt.current.name}  pte for index ${index} of ${vma.vm_mm}`,
    detail: dump_page(page, "bad pte"),
    fatal: false,
  });
}

const FN_tlb_finish_mmu = fn("tlb_finish_mmu", "mm/mmu_gather.c", 312);
const FN_release_pages = fn("release_pages", "mm/swap.c", 886);
const S_rp_put = site("mm/swap.c", 931, "release_pages", "put_page_testzero(page)");

/**
 * tlb_finish_mmu - flush the TLB and release the gathered pages (mm/mmu_gather.c:312)
 * @tlb: the gather of the zap that cleared the PTEs
 *
 * tlb_flush_mmu → tlb_batch_pages_flush → free_pages_and_swap_cache → release_pages (mm/swap.c:886):
 * one put on each page's head; the last one frees it. Model: one step per page, in gather order.
 */
export function* tlb_finish_mmu(tlb: mmu_gather): Gen<void> {
  if (tlb.pages.length === 0) return;
  const T = enter(FN_tlb_finish_mmu, { tlb });
  const L = enter(FN_release_pages, { i: 0 });
  for (L.i = 0; L.i < T.tlb.pages.length; L.i++) {
    put_page(T.tlb.pages[L.i] as Page);
    yield S_rp_put;
  }
  T.tlb.pages.length = 0;
  leave(undefined);
  leave(undefined);
}

const FN_unmap_single_vma = fn("unmap_single_vma", F, 1558);

/** unmap_single_vma (memory.c:1558) for one PTE table: zap_pte_range over the VMA-relative range. */
function* unmap_single_vma(
  tlb: mmu_gather,
  vma: vm_area_struct,
  first: number,
  last: number,
  details: zap_details | null,
): Gen<void> {
  enterFn(FN_unmap_single_vma);
  yield* zap_pte_range(tlb, vma, first, last, details);
  leave(undefined);
}

const FN_unmap_vmas = fn("unmap_vmas", F, 1619);

/** unmap_vmas (memory.c:1619): munmap's zap of a whole VMA, gathering into the caller's @tlb. */
export function* unmap_vmas(tlb: mmu_gather, vma: vm_area_struct): Gen<void> {
  enterFn(FN_unmap_vmas);
  yield* unmap_single_vma(tlb, vma, 0, vma.nr_pages - 1, null);
  leave(undefined);
}

const FN_zap_page_range_single = fn("zap_page_range_single", F, 1668);

/** zap_page_range_single (memory.c:1668): gather, zap one VMA's range, then release the pages. */
function* zap_page_range_single(vma: vm_area_struct, first: number, last: number, details: zap_details | null) {
  const L = enter(FN_zap_page_range_single, { tlb: new mmu_gather() });
  yield* unmap_single_vma(L.tlb, vma, first, last, details);
  yield* tlb_finish_mmu(L.tlb);
  leave(undefined);
}

const FN_unmap_mapping_range_tree = fn("unmap_mapping_range_tree", F, 3323);

/**
 * unmap_mapping_range_tree (memory.c:3323): zap [first_index, last_index] in every VMA of the file that
 * overlaps it. Context: i_mmap_rwsem held for write, so the list cannot change meanwhile.
 */
function* unmap_mapping_range_tree(mapping: address_space, details: zap_details): Gen<void> {
  const L = enter(FN_unmap_mapping_range_tree, { mapping, details, v: 0 });
  for (L.v = 0; L.v < i_mmap(L.mapping).length; L.v++) {
    const vma = i_mmap(L.mapping)[L.v] as vm_area_struct;
    const vba = vma.vm_pgoff;
    const vea = vba + vma.nr_pages - 1;
    if (L.details.last_index < vba || L.details.first_index > vea) continue;
    const zba = Math.max(L.details.first_index, vba);
    const zea = Math.min(L.details.last_index, vea);
    yield* zap_page_range_single(vma, zba - vba, zea - vba, L.details);
  }
  leave(undefined);
}

// ===== unmapping a file's pages from every process =====

const FN_unmap_mapping_page = fn("unmap_mapping_page", F, 3359);

/**
 * unmap_mapping_page - unmap one locked page from every process (memory.c:3359)
 * @page: a locked head (or small) page of a mapping
 *
 * VM_BUG_ON(!PageLocked) :3364, VM_BUG_ON(PageTail) :3365; then every PTE of the page's extent whose page
 * still belongs to page->mapping is zapped under i_mmap_rwsem. details.single_page matters only for a
 * THP mapped by PMD (zap_pmd_range), which the model does not have.
 */
export function* unmap_mapping_page(page: Page): Gen<void> {
  const L = enter(FN_unmap_mapping_page, {
    mapping: null as address_space | null,
    details: null as zap_details | null,
  });
  VM_BUG_ON_LAZY(() => !PageLocked(page), at(3364), "!PageLocked(page)");
  VM_BUG_ON_LAZY(() => PageTail(page), at(3365), "PageTail(page)");
  read_field(page, PF_MAPPING);
  read_field(page, PF_INDEX);
  const mapping = as_mapping(page.mapping) as address_space;
  L.mapping = mapping;
  L.details = {
    check_mapping: mapping,
    first_index: page.index,
    last_index: page.index + thp_nr_pages(page) - 1,
  };
  yield* down_write(L.mapping.i_mmap_rwsem);
  if (i_mmap(L.mapping).length > 0) yield* unmap_mapping_range_tree(L.mapping, L.details);
  up_write(L.mapping.i_mmap_rwsem);
  leave(undefined);
}

const FN_unmap_mapping_pages = fn("unmap_mapping_pages", F, 3390);
const S_umr_unlock = site(F, 3404, "unmap_mapping_pages", "i_mmap_unlock_write(mapping)");

/**
 * unmap_mapping_pages - unmap pages of @mapping from every process (memory.c:3390–3405)
 * @mapping: the file's mapping; @start: first index; @nr: how many (0: to the end of the file)
 * @even_cows: also private COWed pages (no mapping filter); the model keeps none of those
 *
 * i_mmap_lock_write, zap the PTEs of indices [start, start + nr − 1] in every VMA, unlock. collapse_file
 * calls it for one index (mm/khugepaged.c:1824, rc3). Model: the rwsem's step, the zaps' steps, one step
 * for the unlock (S_umr_unlock, the same line).
 */
export function* unmap_mapping_pages(mapping: address_space, start: number, nr: number, even_cows: boolean): Gen<void> {
  const L = enter(FN_unmap_mapping_pages, { mapping, details: null as zap_details | null });
  let last = start + nr - 1;
  if (last < start) last = Number.MAX_SAFE_INTEGER;
  L.details = { check_mapping: even_cows ? null : mapping, first_index: start, last_index: last };
  yield* down_write(L.mapping.i_mmap_rwsem);
  if (i_mmap(L.mapping).length > 0) yield* unmap_mapping_range_tree(L.mapping, L.details);
  up_write(L.mapping.i_mmap_rwsem);
  yield S_umr_unlock;
  leave(undefined);
}

const FN_unmap_mapping_range = fn("unmap_mapping_range", F, 3425);

/**
 * unmap_mapping_range (memory.c:3425): the byte range [holebegin, holebegin + holelen) rounded out to
 * pages (holelen 0: to the end of the file), then unmap_mapping_pages.
 */
export function* unmap_mapping_range(
  mapping: address_space,
  holebegin: number,
  holelen: number,
  even_cows: number,
): Gen<void> {
  enterFn(FN_unmap_mapping_range);
  const hba = Math.floor(holebegin / 4096);
  const hlen = Math.ceil(holelen / 4096);
  yield* unmap_mapping_pages(mapping, hba, hlen, even_cows !== 0);
  leave(undefined);
}

// ===== faulting a file page in =====

const FN_do_set_pte = fn("do_set_pte", F, 3957);

/**
 * do_set_pte - install a PTE for @page at the fault's offset (memory.c:3957)
 * A read fault: page_add_file_rmap(page, false), then set_pte_at. Context: ptl held, page locked.
 * Model: plain; the caller's step is the ptl section.
 */
export function do_set_pte(vmf: vm_fault, page: Page): void {
  enterFn(FN_do_set_pte);
  if ((vmf.flags & FAULT_FLAG_WRITE) !== 0 && (vmf.vma.vm_flags & VM_SHARED) === 0) {
    throw new Error("do_set_pte: write faults on private mappings (COW) are not modelled");
  }
  page_add_file_rmap(page, false);
  write(vmf.vma.id);
  vmf.vma.ptes[vmf.pgoff - vmf.vma.vm_pgoff] = page;
  leave(undefined);
}

const FN_finish_fault = fn("finish_fault", F, 4001);
const S_ff_set_pte = site(F, 4051, "finish_fault", "pte_none(*vmf->pte): do_set_pte");

/**
 * finish_fault - map the page ->fault returned (memory.c:4001)
 * @vmf: the fault; vmf->page is locked and referenced
 *
 * check_stable_address_space (:4019) concerns OOM-reaped mms (not modelled). The PMD is taken to hold a
 * PTE table already, so neither do_set_pmd (:4025) nor the PTE table allocation runs. Under the ptl,
 * pte_none → do_set_pte, whose PTE keeps the fault's reference; else VM_FAULT_NOPAGE.
 * Return: 0 or VM_FAULT_NOPAGE. Model: one step, the ptl section.
 */
function* finish_fault(vmf: vm_fault): Gen<number> {
  const L = enter(FN_finish_fault, { ret: 0 });
  const page = vmf.page as Page;
  const vma = vmf.vma;
  read(vma.id);
  if ((vma.ptes[vmf.pgoff - vma.vm_pgoff] ?? null) === null) {
    do_set_pte(vmf, page);
    note(() => `PTE of ${vma.vm_mm} for index ${vmf.pgoff} → ${page.name} (mapcount ${page._mapcount + 1})`);
  } else {
    L.ret = VM_FAULT_NOPAGE;
  }
  yield S_ff_set_pte;
  return leave(L.ret);
}

const FN___do_fault = fn("__do_fault", F, 3831);

/**
 * __do_fault (memory.c:3831): call ->fault; on success the page comes back locked (VM_FAULT_LOCKED,
 * checked by VM_BUG_ON_PAGE at :3874) or is locked here. No PTE table is preallocated (pmd_none is
 * false in the model); PageHWPoison pages do not exist.
 */
function* __do_fault(vmf: vm_fault): Gen<number> {
  const L = enter(FN___do_fault, { vmf, ret: 0 });
  L.ret = yield* vmf.vma.vm_ops.fault(vmf);
  if ((L.ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY | VM_FAULT_DONE_COW)) !== 0) return leave(L.ret);
  const page = L.vmf.page as Page;
  if ((L.ret & VM_FAULT_LOCKED) === 0) yield* lock_page(page);
  else VM_BUG_ON_PAGE(() => !PageLocked(page), page, at(3874), "!PageLocked(vmf->page)");
  return leave(L.ret);
}

const FN_do_read_fault = fn("do_read_fault", F, 4155);
const S_drf_unlock = site(F, 4178, "do_read_fault", "unlock_page(vmf->page)");
const S_drf_put = site(F, 4180, "do_read_fault", "put_page(vmf->page): not mapped");

/**
 * do_read_fault - a read fault on a file page (memory.c:4155)
 *
 * ->map_pages (fault-around) is skipped: fault_around_bytes is PAGE_SIZE in the model (:4165). Then
 * __do_fault and finish_fault; the page is unlocked, and its reference dropped unless a PTE kept it.
 * Model: the callees' steps, one for the unlock and one for the put.
 */
function* do_read_fault(vmf: vm_fault): Gen<number> {
  const L = enter(FN_do_read_fault, { vmf, ret: 0 });
  if (fault_around_bytes >> 12 > 1) throw new Error("do_fault_around is not modelled");
  L.ret = yield* __do_fault(vmf);
  if ((L.ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) !== 0) return leave(L.ret);
  const r = yield* finish_fault(L.vmf);
  L.ret |= r;
  unlock_page(L.vmf.page as Page);
  yield S_drf_unlock;
  if ((L.ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) !== 0) {
    put_page(L.vmf.page as Page);
    yield S_drf_put;
  }
  return leave(L.ret);
}

const FN_do_fault = fn("do_fault", F, 4265);

/** do_fault (memory.c:4265): ->fault exists and the fault is a read, so do_read_fault. */
function* do_fault(vmf: vm_fault): Gen<number> {
  enterFn(FN_do_fault);
  if ((vmf.flags & FAULT_FLAG_WRITE) !== 0) throw new Error("do_fault: write faults are not modelled");
  const ret = yield* do_read_fault(vmf);
  return leave(ret);
}

const FN_handle_pte_fault = fn("handle_pte_fault", F, 4504);
const S_hpf_orig_pte = site(F, 4538, "handle_pte_fault", "vmf->orig_pte = *vmf->pte");

/**
 * handle_pte_fault (memory.c:4504): read the PTE without the ptl; pte_none → do_fault. A
 * present PTE (the access needs no fault) returns 0: the spurious-fault path only refreshes
 * access bits. Model: one step for the lockless PTE read, which also stands for the MMU's own walk
 * (only the owning thread installs PTEs in its VMA, so the two reads cannot differ in a way that
 * matters: a PTE the walk saw present makes no fault at all).
 */
function* handle_pte_fault(vmf: vm_fault): Gen<number> {
  const L = enter(FN_handle_pte_fault, { vmf });
  read(vmf.vma.id);
  vmf.orig_pte = vmf.vma.ptes[vmf.pgoff - vmf.vma.vm_pgoff] ?? null;
  yield S_hpf_orig_pte;
  if (L.vmf.orig_pte !== null) return leave(0);
  const ret = yield* do_fault(L.vmf);
  return leave(ret);
}

const FN_handle_mm_fault = fn("handle_mm_fault", F, 4764);
const FN___handle_mm_fault = fn("__handle_mm_fault", F, 4608);

/**
 * handle_mm_fault - a page fault at file offset @pgoff of @vma (memory.c:4764)
 * @flags: FAULT_FLAG_*; read faults only
 *
 * __handle_mm_fault (:4608) walks pgd..pmd; for a file VMA without ->huge_fault its THP branches fall
 * back to PTEs, and the model's PMD always holds a PTE table, so it goes straight to handle_pte_fault.
 * Context: mmap_lock held for read (not modelled: no modelled thread takes it for write in another mm).
 * Return: VM_FAULT_* bits.
 */
export function* handle_mm_fault(vma: vm_area_struct, pgoff: number, flags: number): Gen<number> {
  const L = enter(FN_handle_mm_fault, { vmf: { vma, pgoff, flags, orig_pte: null, page: null } as vm_fault });
  enterFn(FN___handle_mm_fault);
  const ret = yield* handle_pte_fault(L.vmf);
  leave(undefined);
  return leave(ret);
}

const FN_do_user_addr_fault = fn("do_user_addr_fault", "arch/x86/mm/fault.c", 0);

/**
 * do_user_addr_fault - a user read of file offset @pgoff through @vma (arch/x86/mm/fault.c)
 *
 * The x86 fault loop: handle_mm_fault with FAULT_FLAG_DEFAULT | FAULT_FLAG_USER; on VM_FAULT_RETRY (the
 * fault dropped mmap_lock to sleep on a page lock) retry with FAULT_FLAG_TRIED, which lets the next
 * attempt sleep without giving up. VM_FAULT_SIGBUS would send SIGBUS: in the model that only happens
 * where the kernel would have read a missing page in (see filemap_fault), and the caller just moves on.
 * Return: the last attempt's VM_FAULT_* bits.
 */
export function* do_user_addr_fault(vma: vm_area_struct, pgoff: number): Gen<number> {
  const L = enter(FN_do_user_addr_fault, { vma, pgoff, flags: FAULT_FLAG_DEFAULT | FAULT_FLAG_USER, fault: 0 });
  for (;;) {
    L.fault = yield* handle_mm_fault(L.vma, L.pgoff, L.flags);
    if ((L.fault & VM_FAULT_RETRY) === 0) break;
    L.flags |= FAULT_FLAG_TRIED;
  }
  return leave(L.fault);
}
