/**
 * mm/shmem.c: tmpfs truncation and hole punching (shmem_undo_range) with its THP handling
 * (shmem_punch_compound), and the block charging collapse_file uses for the holes it fills.
 *
 * Line numbers are v5.15-rc3's: 5.15.24's less 5 from :656 on (62c9827cbb99, backported in 5.15.17,
 * changed shmem_unused_huge_shrink above these functions); docs/model.md, "Line numbers".
 *
 * Swap is not modelled: no swap entry (value entry) is ever stored in a tmpfs mapping, so the value-entry
 * branches below run only if a scenario plants one. They are kept as in C, with shmem_free_swap reduced
 * to its xa_cmpxchg (the swap slot itself is not freed: there is none).
 *
 * Lock ordering: page lock → i_mmap_rwsem (split) → i_pages xa_lock; info->lock (statistics) is not
 * modelled.
 */
import { enter, type Gen, leave, read, write } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { VM_BUG_ON_PAGE } from "../bug.js";
import { HPAGE_PMD_NR } from "../config.js";
import type { address_space, inode } from "../include/linux/fs.js";
import { thp_nr_pages } from "../include/linux/huge_mm.js";
import { page_mapping } from "../include/linux/mm.js";
import { type Page, page_index_read } from "../include/linux/mm_types.js";
import { PageHead, PageTransCompound, PageUptodate, PageWriteback, SetPageDirty } from "../include/linux/page-flags.js";
import { lock_page, unlock_page } from "../include/linux/pagemap.js";
import {
  PAGEVEC_SIZE,
  pagevec,
  pagevec_count,
  pagevec_init,
  pagevec_release,
  pagevec_remove_exceptionals,
} from "../include/linux/pagevec.js";
import { SHMEM_I } from "../include/linux/shmem_fs.js";
import {
  XA_STATE,
  type XaEntry,
  xa_is_value,
  xas_load,
  xas_lock_irq,
  xas_store,
  xas_unlock_irq,
} from "../lib/xarray.js";
import { find_get_entries, find_lock_entries } from "./filemap.js";
import { split_huge_page } from "./huge_memory.js";
import { unmap_mapping_range } from "./memory.js";
import { truncate_inode_page } from "./truncate.js";

const F = "mm/shmem.c";
const at = (line: number) => ({ file: F, line });
const PAGE_SIZE = 4096;
const ENOENT = 2;
/** (pgoff_t)-1: shmem_undo_range's `end` for lend == -1 ("unsigned, so actually very big"). */
const END_MAX = Number.MAX_SAFE_INTEGER;

// ===== block charging (mm/shmem.c:372–406) =====

/**
 * shmem_charge - charge @pages blocks to a tmpfs inode for pages added outside shmem_getpage
 * (collapse_file's holes). Adds them to mapping->nrpages (the caller holds xa_lock) and info->alloced.
 * Return: false if the filesystem's block limit is exceeded; the model sets no limit, so always true.
 * C: mm/shmem.c:372–390. Model: plain; nrpages is xa_lock-protected.
 */
export function shmem_charge(ino: inode, pages: number): boolean {
  // shmem_inode_acct_block (:377): no size limit in the model.
  write(ino.id); // info->alloced, read by shmem_setattr without info->lock
  ino.i_mapping.nrpages += pages;
  SHMEM_I(ino).alloced += pages; // under info->lock (:383), then shmem_recalc_inode: accounting
  return true;
}

/** shmem_uncharge (mm/shmem.c:392–406): give back @pages blocks; nrpages is the caller's business. */
export function shmem_uncharge(ino: inode, pages: number): void {
  write(ino.id); // info->alloced, as in shmem_charge
  SHMEM_I(ino).alloced -= pages;
}

// ===== swap entries =====

const FN_shmem_free_swap = fn("shmem_free_swap", F, 786);
const S_sfs_unlock = site(F, 791, "shmem_free_swap", "xa_cmpxchg_irq(&mapping->i_pages, index, radswap, NULL, 0)");

/**
 * shmem_free_swap - remove a swap entry from a tmpfs mapping (mm/shmem.c:786–796)
 * @mapping, @index: where it was found; @radswap: the value entry found there
 *
 * xa_cmpxchg_irq: under xa_lock, erase the slot if it still holds @radswap.
 * Return: 0, or -ENOENT if the slot changed meanwhile (the swap was read back in).
 * Model: xa_lock, the slot load and store (the XArray's steps), one step ending with the unlock.
 * free_swap_and_cache is not modelled (there is no swap device).
 */
function* shmem_free_swap(mapping: address_space, index: number, radswap: XaEntry): Gen<number> {
  const L = enter(FN_shmem_free_swap, { radswap, xas: XA_STATE(mapping.i_pages, index), old: null as XaEntry });
  yield* xas_lock_irq(L.xas);
  L.old = yield* xas_load(L.xas);
  if (L.old === L.radswap) yield* xas_store(L.xas, null);
  xas_unlock_irq(L.xas);
  yield S_sfs_unlock;
  return leave(L.old === L.radswap ? 0 : -ENOENT);
}

// ===== truncation =====

const FN_shmem_punch_compound = fn("shmem_punch_compound", F, 897);

/**
 * shmem_punch_compound - may this locked page be truncated as it is? (mm/shmem.c:897–909)
 * @page: a locked page from find_get_entries (a head, a small page, or a THP's tail)
 * @start, @end: the range being removed (@end exclusive)
 *
 * Yes for a small page, and for a THP head whose whole extent lies in the range. Otherwise (a tail, or
 * a head only partly inside) the THP is split first, and the answer is whether the split worked.
 * Model: reads of the locked page fold into the caller's step; the split has its own steps.
 */
function* shmem_punch_compound(page: Page, start: number, end: number): Gen<boolean> {
  enter(FN_shmem_punch_compound, { page });
  if (!PageTransCompound(page)) return leave(true); // :899
  if (PageHead(page)) {
    const index = page_index_read(page);
    if (index >= start && index + HPAGE_PMD_NR() <= end) return leave(true); // :903–904
  }
  const err = yield* split_huge_page(page); // :908
  return leave(err >= 0);
}

const FN_shmem_undo_range = fn("shmem_undo_range", F, 915);
const S_sur_unlock1 = site(F, 956, "shmem_undo_range", "unlock_page(page)");
const S_sur_resched = site(F, 994, "shmem_undo_range", "cond_resched()");
const S_sur_retry_unlock = site(F, 1026, "shmem_undo_range", "unlock_page(page): page was replaced, retry");
const S_sur_wipe = site(F, 1037, "shmem_undo_range", "set_page_dirty(page): split failed, wipe the page");
const S_sur_unlock2 = site(F, 1043, "shmem_undo_range", "unlock_page(page)");

/**
 * shmem_undo_range - remove a range of a tmpfs file's pages and swap entries
 * @ino: the tmpfs inode
 * @lstart: first byte of the range
 * @lend: last byte (inclusive), or -1 for everything from @lstart on
 * @unfalloc: undo a failed fallocate (leave Uptodate pages alone) instead of truncating or punching
 *
 * Pass 1 never blocks: find_lock_entries trylocks what it finds and skips locked pages, pages under
 * writeback and THPs reaching outside the range; each page kept is truncated whole, and the walk moves
 * past a THP's whole extent (:952). Pass 2 looks up with references only (find_get_entries, which may
 * return a THP's tail), sleeps in lock_page, and re-checks page_mapping(page) == mapping under the lock
 * (:1024): if not (truncated meanwhile, or a collapse_file rollback cleared new_page->mapping), it
 * unlocks, steps index back (:1027) and breaks, so that after the pagevec is released and index++ the
 * same index is looked up again. A THP it cannot take whole is split (shmem_punch_compound); if that
 * fails the subpage is zeroed and dirtied instead, and @start moves past it while it lies below the
 * first huge boundary, so the restart loop ends. A truncation (@lend == -1) restarts pass 2 from @start
 * until a lookup from there finds nothing.
 *
 * Context: the caller holds i_rwsem (truncation) as the VFS requires; takes page locks, xa_lock.
 * C: mm/shmem.c:915–1054.
 * Model: the frame holds start, end, index, i, the pagevec and indices. Steps: the callees' own, one per
 * unlock_page, one for pass 2's cond_resched, one for the wipe's set_page_dirty. The reads made under the
 * page lock (page_mapping, compound state, ->index, PG_uptodate) fold into the step after lock_page. Partial pages at either end (:964–988, shmem_getpage + zeroing) are not modelled:
 * @lstart and @lend + 1 must be page-aligned, else a model error. Swap entries: see the file header.
 * The final info->swapped / shmem_recalc_inode accounting (:1050–1053) is kept as plain statistics.
 */
export function* shmem_undo_range(ino: inode, lstart: number, lend: number, unfalloc: boolean): Gen<void> {
  const mapping = ino.i_mapping;
  const info = SHMEM_I(ino);
  const L = enter(FN_shmem_undo_range, {
    ino,
    mapping,
    unfalloc,
    start: Math.floor((lstart + PAGE_SIZE - 1) / PAGE_SIZE), // :920
    end: Math.floor((lend + 1) / PAGE_SIZE), // :921
    index: 0,
    i: 0,
    nr_swaps_freed: 0,
    pvec: new pagevec(),
    indices: new Array<number>(PAGEVEC_SIZE).fill(0),
  });
  const partial_start = lstart % PAGE_SIZE;
  const partial_end = (lend + 1) % PAGE_SIZE;
  if (lend === -1) L.end = END_MAX; // :930–931
  if (partial_start !== 0 || (lend !== -1 && partial_end !== 0)) {
    throw new Error("shmem_undo_range: partial pages (shmem_getpage + zeroing) are not modelled");
  }

  read(ino.id);
  if (info.fallocend > L.start && info.fallocend <= L.end && !unfalloc) {
    write(ino.id);
    info.fallocend = L.start; // :933–934
  }

  // Pass 1 (:936–962).
  pagevec_init(L.pvec);
  L.index = L.start;
  while (L.index < L.end && (yield* find_lock_entries(L.mapping, L.index, L.end - 1, L.pvec, L.indices)) > 0) {
    for (L.i = 0; L.i < pagevec_count(L.pvec); L.i++) {
      const e = L.pvec.pages[L.i] as XaEntry;
      L.index = L.indices[L.i] as number; // :943
      if (xa_is_value(e)) {
        if (L.unfalloc) continue;
        if ((yield* shmem_free_swap(L.mapping, L.index, e)) === 0) L.nr_swaps_freed++; // :948
        continue;
      }
      const page = e as Page; // === L.pvec.pages[L.i] at every yield of this iteration
      L.index += thp_nr_pages(page) - 1; // :952 (page locked: stable)
      if (!L.unfalloc || !PageUptodate(page)) yield* truncate_inode_page(L.mapping, page); // :954–955
      unlock_page(page); // :956
      yield S_sur_unlock1;
    }
    L.i = 0; // dead until the next walk of the pagevec
    pagevec_remove_exceptionals(L.pvec); // :958
    yield* pagevec_release(L.pvec); // :959
    // cond_resched (:960): the step ended with the release.
    L.index++; // :961
  }

  // Partial pages (:964–988): excluded above.
  if (L.start >= L.end) return leave(undefined); // :989

  // Pass 2 (:992–1048).
  L.index = L.start;
  while (L.index < L.end) {
    yield S_sur_resched; // :994
    if ((yield* find_get_entries(L.mapping, L.index, L.end - 1, L.pvec, L.indices)) === 0) {
      // :998: all gone, or a hole punch / unfalloc: done; a truncation restarts to make sure.
      if (L.index === L.start || L.end !== END_MAX) break;
      L.index = L.start;
      continue;
    }
    for (L.i = 0; L.i < pagevec_count(L.pvec); L.i++) {
      const e = L.pvec.pages[L.i] as XaEntry;
      L.index = L.indices[L.i] as number; // :1008
      if (xa_is_value(e)) {
        if (L.unfalloc) continue;
        if ((yield* shmem_free_swap(L.mapping, L.index, e)) !== 0) {
          L.index--; // :1014: swap was replaced by a page, retry
          break;
        }
        L.nr_swaps_freed++;
        continue;
      }
      const page = e as Page; // === L.pvec.pages[L.i] at every yield of this iteration
      yield* lock_page(page); // :1021 (a tail locks its head)
      if (!L.unfalloc || !PageUptodate(page)) {
        // :1024; for a tail, page_mapping() reads the head's ->mapping. Stable under the page lock.
        if (page_mapping(page) !== L.mapping) {
          unlock_page(page); // :1026
          yield S_sur_retry_unlock;
          L.index--; // :1027
          break;
        }
        VM_BUG_ON_PAGE(() => PageWriteback(page), page, at(1030), "PageWriteback(page)");
        if (yield* shmem_punch_compound(page, L.start, L.end)) {
          yield* truncate_inode_page(L.mapping, page); // :1032
        } else {
          // :1033–1041 (CONFIG_TRANSPARENT_HUGEPAGE): wipe the page and don't get stuck.
          // clear_highpage, flush_dcache_page: data is not modelled.
          SetPageDirty(page); // set_page_dirty → __set_page_dirty_no_writeback
          yield S_sur_wipe;
          if (L.index < round_up(L.start, HPAGE_PMD_NR())) L.start = L.index + 1; // :1038–1040
        }
      }
      unlock_page(page); // :1043
      yield S_sur_unlock2;
    }
    L.i = 0; // dead until the next walk of the pagevec
    pagevec_remove_exceptionals(L.pvec); // :1045
    yield* pagevec_release(L.pvec); // :1046
    L.index++; // :1047
  }

  // :1050–1053 under info->lock: info->swapped -= nr_swaps_freed; shmem_recalc_inode (statistics).
  SHMEM_I(L.ino).swapped -= L.nr_swaps_freed;
  leave(undefined);
}

/** round_up(x, y) for a power-of-two y (include/linux/math.h:24). */
function round_up(x: number, y: number): number {
  return Math.ceil(x / y) * y;
}

const FN_shmem_truncate_range = fn("shmem_truncate_range", F, 1056);

/**
 * shmem_truncate_range - truncate or punch a hole in a tmpfs file (mm/shmem.c:1056–1060)
 * shmem_undo_range(inode, lstart, lend, false); the ctime/mtime update is not modelled.
 */
export function* shmem_truncate_range(ino: inode, lstart: number, lend: number): Gen<void> {
  enter(FN_shmem_truncate_range, { lstart, lend });
  yield* shmem_undo_range(ino, lstart, lend, false);
  leave(undefined);
}

// ===== the callers: truncate(2) and fallocate(FALLOC_FL_PUNCH_HOLE) on a tmpfs file =====

const FN_shmem_setattr = fn("shmem_setattr", F, 1083);
const S_ssa_size = site(F, 1108, "shmem_setattr", "i_size_write(inode, newsize)");
const S_ssa_alloced = site(F, 1116, "shmem_setattr", "if (info->alloced)");

/**
 * shmem_setattr - the size change of truncate(2)/ftruncate(2) on a tmpfs file (mm/shmem.c:1083–1128),
 * reached through do_truncate → notify_change with i_rwsem held. The new size is written first (:1108),
 * so a split during the truncation (shmem_punch_compound) sees it and drops the tails beyond it
 * (huge_memory.c:2432–2437); then, for a shrink, unmap from the new end (:1119), shmem_truncate_range
 * (newsize, -1) if any block is charged (:1121–1123), and unmap again (:1126).
 * Not modelled: setattr_prepare's permission checks, seals (none are set), shmem_reacct_size (no
 * accounting limit) and the c/mtime updates. i_size has no other writer (i_rwsem), so reading the old
 * size needs no step; split_huge_page reads it without that lock, hence the write is a step of its own.
 */
export function* shmem_setattr_size(ino: inode, newsize: number): Gen<void> {
  const L = enter(FN_shmem_setattr, { ino, newsize, oldsize: ino.i_size, holebegin: 0, alloced: 0 });
  if (L.newsize !== L.oldsize) {
    write(L.ino.id);
    L.ino.i_size = L.newsize;
    yield S_ssa_size;
  }
  if (L.newsize <= L.oldsize) {
    L.holebegin = round_up(L.newsize, PAGE_SIZE);
    if (L.oldsize > L.holebegin) yield* unmap_mapping_range(L.ino.i_mapping, L.holebegin, 0, 1);
    // info->alloced is written by shmem_charge/uncharge under info->lock; this read takes no lock.
    read(L.ino.id);
    L.alloced = SHMEM_I(L.ino).alloced;
    yield S_ssa_alloced;
    if (L.alloced !== 0) yield* shmem_truncate_range(L.ino, L.newsize, -1);
    if (L.oldsize > L.holebegin) yield* unmap_mapping_range(L.ino.i_mapping, L.holebegin, 0, 1);
  }
  leave(undefined);
}

const FN_shmem_fallocate = fn("shmem_fallocate", F, 2638);

/**
 * shmem_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) - punch a hole in a tmpfs file
 * (mm/shmem.c:2653–2685), with i_rwsem held: unmap the whole pages of the hole (:2672–2674), then
 * shmem_truncate_range(offset, offset + len - 1) (:2675), which does not restart its second pass (a
 * finite end). i_size is unchanged. Not modelled: the shmem_falloc record on inode->i_private that makes
 * shmem_fault wait meanwhile (no tmpfs fault is modelled), and the seal check (no seals).
 */
export function* shmem_fallocate_punch_hole(ino: inode, offset: number, len: number): Gen<void> {
  const L = enter(FN_shmem_fallocate, {
    ino,
    offset,
    len,
    unmap_start: round_up(offset, PAGE_SIZE), // :2655
    unmap_end: Math.floor((offset + len) / PAGE_SIZE) * PAGE_SIZE - 1, // :2656 round_down(...) - 1
  });
  if (L.unmap_end > L.unmap_start) {
    yield* unmap_mapping_range(L.ino.i_mapping, L.unmap_start, 1 + L.unmap_end - L.unmap_start, 0);
  }
  yield* shmem_truncate_range(L.ino, L.offset, L.offset + L.len - 1);
  leave(undefined);
}
