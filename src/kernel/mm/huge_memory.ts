/**
 * mm/huge_memory.c: splitting a file or tmpfs THP back into small pages, as far as shmem truncation
 * needs it (shmem_punch_compound → split_huge_page).
 *
 * Line numbers are v5.15-rc3's: 5.15.24's less 2 from :2431 and less 4 from :2713, for two changes made
 * after rc3 that 5.15.24 carries, ClearPageHasHWPoisoned(head) at 5.15.24's :2429 (eac96c3efdb5,
 * v5.15-rc6; PG_has_hwpoisoned is not modelled) and filemap_nr_thps_dec at its :2711 (1ca7554d05ac, see
 * SPLIT_DECREMENTS_NR_THPS); docs/model.md, "Line numbers".
 *
 * Lock ordering, as split_huge_page_to_list nests them: the THP's page lock (the caller's) →
 * i_mmap_rwsem (read) → i_pages xa_lock (with IRQs off) → [split_queue_lock, lru_lock: not modelled].
 * Anonymous THPs (anon_vma, swap cache, migration entries) are not modelled: every THP here has a
 * mapping.
 */
import { enter, type Gen, leave, read } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { BUG_ON, VM_BUG_ON_PAGE, WARN_ON } from "../bug.js";
import { kconfig } from "../config.js";
import type { address_space } from "../include/linux/fs.js";
import { compound_nr, thp_nr_pages } from "../include/linux/huge_mm.js";
import { page_mapped, put_page } from "../include/linux/mm.js";
import {
  as_mapping,
  nth_page,
  type Page,
  PF_COMPOUND,
  PF_COMPOUND_HEAD,
  PF_COMPOUND_MAPCOUNT,
  PF_INDEX,
  PF_MAPPING,
  page_index_read,
  page_mapcount_read,
  read_all_flags,
  read_field,
  TAIL_MAPPING,
  write_all_flags,
  write_field,
} from "../include/linux/mm_types.js";
import { get_page, page_count, page_ref_add, page_ref_freeze, page_ref_unfreeze } from "../include/linux/page_ref.js";
import {
  ClearPageDirty,
  clear_bit,
  compound_head,
  PageCompound,
  PageHead,
  PageLocked,
  PageLRU,
  PageSwapBacked,
  PageTail,
  PageWriteback,
  PG_active,
  PG_dirty,
  PG_head,
  PG_locked,
  PG_mlocked,
  PG_referenced,
  PG_swapbacked,
  PG_unevictable,
  PG_uptodate,
  PG_workingset,
  SetPageLRU,
} from "../include/linux/page-flags.js";
import { filemap_nr_thps_dec, unlock_page } from "../include/linux/pagemap.js";
import { shmem_fallocend, shmem_mapping } from "../include/linux/shmem_fs.js";
import { down_read, up_read } from "../kernel/locking/rwsem.js";
import { spin_lock_irq, spin_unlock_irq } from "../kernel/locking/spinlock.js";
import { XA_STATE, type xa_state, xas_load, xas_store } from "../lib/xarray.js";
import { __delete_from_page_cache } from "./filemap.js";
import { shmem_uncharge } from "./shmem.js";

const F = "mm/huge_memory.c";
const at = (line: number) => ({ file: F, line });
const EBUSY = 16;
const PAGE_SIZE = 4096;

/**
 * Whether split_huge_page_to_list decrements mapping->nr_thps for a regular-file THP
 * (filemap_nr_thps_dec, mm/huge_memory.c:2711 in 5.15.24). It came with "mm/thp: decrease nr_thps in
 * file's mapping on THP split" (Yang Shi, per kernel-spec/khugepaged-and-races.md §3.3), posted and
 * merged in October 2021, after v5.15-rc3 (26 Sep 2021); no rc3 tree was available to check, so rc3 is
 * taken NOT to have it. The choice cannot change any modelled outcome: the decrement sits in the
 * !PageSwapBacked branch, split is only reached from shmem_undo_range (PageSwapBacked THPs), and on a
 * tmpfs mapping filemap_nr_thps_dec is a no-op anyway (AS_THP_SUPPORT, include/linux/pagemap.h:153).
 */
export const SPLIT_DECREMENTS_NR_THPS = false;

/** Flags a tail inherits from its head (huge_memory.c:2354–2367; PG_swapcache and PG_arch_2 not modelled). */
const TAIL_FLAGS_FROM_HEAD =
  (1 << PG_referenced) |
  (1 << PG_swapbacked) |
  (1 << PG_mlocked) |
  (1 << PG_uptodate) |
  (1 << PG_active) |
  (1 << PG_workingset) |
  (1 << PG_locked) |
  (1 << PG_unevictable) |
  (1 << PG_dirty);

// ===== __split_huge_page and its helpers =====

/**
 * lru_add_page_tail (huge_memory.c:2319–2338): with a @list (reclaim), the tail gets a reference and goes
 * on the list; otherwise it joins the head on the LRU (PG_lru; the lists themselves are not modelled).
 */
function lru_add_page_tail(head: Page, tail: Page, list: Page[] | null): void {
  VM_BUG_ON_PAGE(() => !PageHead(head), head, at(2322), "!PageHead(head)");
  VM_BUG_ON_PAGE(() => PageCompound(tail), head, at(2323), "PageCompound(tail)");
  VM_BUG_ON_PAGE(() => PageLRU(tail), head, at(2324), "PageLRU(tail)");
  if (list !== null) {
    if (kconfig.current.DEBUG_VM) WARN_ON(PageLRU(head), at(2329), "PageLRU(head)");
    get_page(tail);
    list.push(tail);
  } else {
    if (kconfig.current.DEBUG_VM) WARN_ON(!PageLRU(head), at(2334), "!PageLRU(head)");
    SetPageLRU(tail);
  }
}

/**
 * __split_huge_page_tail (huge_memory.c:2340–2403): make subpage @tail of @head an ordinary page: flags
 * cloned from the head (PG_locked included), ->mapping and ->index of its own, no compound_head, and the
 * refcount unfrozen to 2 (the page cache's reference and one the caller's loop drops).
 * Context: head frozen, xa_lock held. Nobody else can hold a pointer to a tail here: getting one needs a
 * reference on the head, which the freeze excludes, and the tail is in no slot yet; so this plain
 * function folds into the step of the slot store that publishes the tail.
 */
function __split_huge_page_tail(head: Page, tail: number, list: Page[] | null): void {
  const page_tail = nth_page(head, tail);
  VM_BUG_ON_PAGE(
    () => page_mapcount_read(page_tail) !== -1,
    page_tail,
    at(2345),
    "atomic_read(&page_tail->_mapcount) != -1",
  );
  read_all_flags(head);
  read_field(head, PF_MAPPING);
  read_field(head, PF_INDEX);
  write_all_flags(page_tail);
  write_field(page_tail, PF_MAPPING);
  write_field(page_tail, PF_INDEX);
  write_field(page_tail, PF_COMPOUND_HEAD);
  page_tail.flags = head.flags & TAIL_FLAGS_FROM_HEAD; // :2353–2367 (PAGE_FLAGS_CHECK_AT_PREP is every flag)
  VM_BUG_ON_PAGE(
    () => tail > 2 && page_tail.mapping !== TAIL_MAPPING,
    page_tail,
    at(2370),
    "tail > 2 && page_tail->mapping != TAIL_MAPPING",
  );
  page_tail.mapping = head.mapping; // :2372
  page_tail.index = head.index + tail; // :2373
  page_tail.compound_head = null; // clear_compound_head (:2384)
  page_ref_unfreeze(page_tail, 2); // :2387: 1 + !PageAnon(head)
  lru_add_page_tail(head, page_tail, list); // :2402
}

const FN___split_huge_page = fn("__split_huge_page", F, 2405);
const S_shp_unfreeze_head = site(
  F,
  2466,
  "__split_huge_page",
  "page_ref_add(head, 2); xa_unlock(&head->mapping->i_pages)",
);
const S_shp_unlock = site(F, 2481, "__split_huge_page", "unlock_page(subpage)");
const S_shp_put = site(F, 2490, "__split_huge_page", "put_page(subpage)");

/*
 * __split_huge_page (huge_memory.c:2405–2492): with the head frozen and xa_lock held, turn each tail,
 * from the last to the first, into an ordinary page and store it in its own slot (or, beyond @end, delete
 * it from the page cache and drop its cache reference); then clear the head's compound state, give the
 * head back its page-cache reference plus one, and drop xa_lock. Finally every subpage but @page is
 * unlocked and put, so @page keeps the caller's lock and reference.
 * Model: one step per tail (its slot store, or its deletion's steps); one for the head's unfreeze with the
 * unlock; one each per unlock_page and put_page of the final loop. The frame keeps the subpage array,
 * which the head gives up when it stops being compound.
 */
function* __split_huge_page(page: Page, list: Page[] | null, end: number): Gen<void> {
  const head = compound_head(page);
  const L = enter(FN___split_huge_page, {
    page,
    list,
    end,
    head,
    mapping: as_mapping(head.mapping) as address_space,
    nr: thp_nr_pages(head),
    i: 0,
    subpages: (head.subpages ?? [head]).slice(),
    xas: null as xa_state | null,
  });
  // head and mapping below are aliases of L.head and L.mapping, never reassigned.
  const mapping = L.mapping;
  // split_page_memcg (:2416) and lock_page_lruvec (:2427): memcg and LRU lists are not modelled.
  for (L.i = L.nr - 1; L.i >= 1; L.i--) {
    __split_huge_page_tail(head, L.i, L.list);
    const tail = L.subpages[L.i] as Page; // === L.subpages[L.i] at every yield of this iteration
    if (tail.index >= L.end) {
      // :2432–2437: beyond EOF.
      ClearPageDirty(tail);
      yield* __delete_from_page_cache(tail, null);
      if (shmem_mapping(mapping)) shmem_uncharge(mapping.host, 1); // :2435–2436
      put_page(tail); // private: in no slot, no one else holds it
    } else {
      L.xas = XA_STATE(mapping.i_pages, tail.index);
      yield* xas_store(L.xas, tail); // :2439 __xa_store
    }
  }
  L.xas = null; // dead
  // ClearPageCompound(head) (:2447): BUG_ON(!PageHead(page)), then the head becomes an order-0 page.
  BUG_ON(!PageHead(head), { file: "include/linux/page-flags.h", line: 596 }, "!PageHead(page)");
  write_field(head, PF_COMPOUND);
  write_field(head, PF_COMPOUND_MAPCOUNT);
  clear_bit(PG_head, head);
  head.compound_order = 0;
  head.compound_mapcount = -1;
  head.subpages = null;
  page_ref_add(head, 2); // :2464: the page cache's reference + one for the loop below
  spin_unlock_irq(mapping.i_pages.xa_lock); // :2465
  yield S_shp_unfreeze_head;
  // remap_page (:2469): nothing to do for file pages (unmap_page left no migration entries).
  for (L.i = 0; L.i < L.nr; L.i++) {
    const subpage = L.subpages[L.i] as Page; // === L.subpages[L.i] at every yield of this iteration
    if (subpage === L.page) continue;
    unlock_page(subpage); // :2481
    yield S_shp_unlock;
    put_page(subpage); // :2490
    yield S_shp_put;
  }
  leave(undefined);
}

// ===== mapcounts and the split check =====

/**
 * total_mapcount (huge_memory.c:2494–2516): the mappings of all subpages; for a file THP the PMD
 * mappings are counted in each subpage's _mapcount, so compound_mapcount × nr comes off again.
 * Model: reads the head and every subpage in one step (the caller's); the modelled tmpfs files are
 * not mapped, so no zap can run beside it.
 */
export function total_mapcount(page: Page): number {
  VM_BUG_ON_PAGE(() => PageTail(page), page, at(2498), "PageTail(page)");
  if (!PageCompound(page)) return page_mapcount_read(page) + 1;
  read_field(page, PF_COMPOUND_MAPCOUNT);
  const compound = page.compound_mapcount + 1;
  const nr = compound_nr(page);
  let ret = compound;
  for (let i = 0; i < nr; i++) {
    ret += page_mapcount_read(nth_page(page, i)) + 1;
  }
  return ret - compound * nr; // !PageAnon (:2511)
}

const FN_can_split_huge_page = fn("can_split_huge_page", F, 2577);
const S_csh_mapcount = site(F, 2588, "can_split_huge_page", "total_mapcount(page)");
const S_csh_count = site(F, 2588, "can_split_huge_page", "page_count(page)");

/**
 * can_split_huge_page - racy check that only the caller pins the THP (huge_memory.c:2577–2589)
 * @page: the head; @pins: receives extra_pins, the page cache's thp_nr_pages references
 * Return: total_mapcount(page) == page_count(page) - extra_pins - 1.
 * Model: one step for the mapcounts, one for the refcount read.
 */
function* can_split_huge_page(page: Page, pins: { extra_pins: number }): Gen<boolean> {
  const L = enter(FN_can_split_huge_page, { page, pins, mapcount: 0, ok: false });
  L.pins.extra_pins = thp_nr_pages(L.page); // file/shmem: additional pins from the page cache (:2585)
  L.mapcount = total_mapcount(L.page);
  yield S_csh_mapcount;
  L.ok = L.mapcount === page_count(L.page) - L.pins.extra_pins - 1;
  yield S_csh_count;
  return leave(L.ok);
}

/**
 * unmap_page (huge_memory.c:2284–2302): try_to_unmap every PTE/PMD mapping of a file THP.
 * Not modelled for a mapped THP (the modelled tmpfs files are never mapped): a model error says so
 * rather than splitting a THP that is still mapped.
 */
function unmap_page(page: Page): void {
  VM_BUG_ON_PAGE(() => !PageHead(page), page, at(2289), "!PageHead(page)");
  if (page_mapped(page)) {
    throw new Error(`split_huge_page: ${page.name} is mapped; unmap_page (try_to_unmap) is not modelled`);
  }
}

// ===== split_huge_page_to_list =====

const FN_split_huge_page_to_list = fn("split_huge_page_to_list", F, 2610);
const S_sh_writeback = site(F, 2623, "split_huge_page_to_list", "PageWriteback(head)");
const S_sh_end = site(F, 2662, "split_huge_page_to_list", "end = DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE)");
const S_sh_freeze = site(F, 2694, "split_huge_page_to_list", "page_ref_freeze(head, 1 + extra_pins)");
const S_sh_nr_thps = site(F, 2711, "split_huge_page_to_list", "filemap_nr_thps_dec(mapping)");
const S_sh_unlock = site(F, 2729, "split_huge_page_to_list", "i_mmap_unlock_read(mapping)");

/**
 * split_huge_page_to_list - split a locked THP into small pages
 * @page: any subpage of the THP; its head must be locked by the caller, who holds one reference
 * @list: null, or reclaim's list to put the tails on (each with a reference)
 *
 * Gives up with -EBUSY if the THP is under writeback, has lost its mapping (truncated, or a collapse
 * that rolled back and cleared new_page->mapping), carries any reference besides the page cache's and
 * the caller's, or is no longer in its slot. Otherwise it freezes the head's refcount (1 + nr), splits
 * (__split_huge_page) and returns with @page — head or tail — locked and holding the caller's
 * reference; the other subpages are unlocked and hold only the page cache's reference. Subpages at or
 * beyond EOF (i_size, or shmem's fallocend) are dropped from the page cache.
 *
 * Context: the THP's page lock held; takes i_mmap_rwsem for read and xa_lock; may sleep.
 * Return: 0, or -EBUSY.
 * C: mm/huge_memory.c:2610–2733; split_huge_page(page) = split_huge_page_to_list(page, NULL)
 * (include/linux/huge_mm.h:190).
 * Model: file and tmpfs THPs only. Steps: the PageWriteback read, the rwsem, the i_size read, the two
 * reads of can_split_huge_page, xa_lock and the head's slot load, the freeze (with the unlock when it
 * fails), __split_huge_page's steps, the rwsem's release. The deferred split queue and statistics are
 * not modelled; a mapped THP is a model error (unmap_page).
 */
export function* split_huge_page_to_list(page: Page, list: Page[] | null): Gen<number> {
  const head = compound_head(page);
  const L = enter(FN_split_huge_page_to_list, {
    page,
    list,
    head,
    mapping: null as address_space | null,
    pins: { extra_pins: 0 },
    end: 0,
    ret: 0,
    xas: null as xa_state | null,
  });
  // :2619 is_huge_zero_page: never a file THP.
  VM_BUG_ON_PAGE(() => !PageLocked(head), head, at(2620), "!PageLocked(head)");
  VM_BUG_ON_PAGE(() => !PageCompound(head), head, at(2621), "!PageCompound(head)");
  if (PageWriteback(head)) L.ret = -EBUSY; // :2623
  yield S_sh_writeback;
  if (L.ret !== 0) return leave(L.ret);

  // PageAnon(head) (:2626): anonymous THPs are not modelled. ->mapping is stable under the page lock.
  read_field(head, PF_MAPPING);
  L.mapping = as_mapping(head.mapping); // :2644
  if (L.mapping === null) return leave(-EBUSY); // :2647 truncated?
  const mapping = L.mapping;
  yield* down_read(mapping.i_mmap_rwsem); // :2653 i_mmap_lock_read
  read(mapping.host.id);
  L.end = Math.ceil(mapping.host.i_size / PAGE_SIZE); // :2662
  if (shmem_mapping(mapping)) L.end = shmem_fallocend(mapping.host, L.end); // :2664
  yield S_sh_end;

  // biome-ignore lint/suspicious/noConfusingLabels: the C's `goto out_unlock`, kept as a labelled block
  out_unlock: {
    if (!(yield* can_split_huge_page(head, L.pins))) {
      L.ret = -EBUSY; // :2672
      break out_unlock;
    }
    unmap_page(head); // :2676
    // local_irq_disable (:2679)
    L.xas = XA_STATE(mapping.i_pages, page_index_read(head)); // page_index(head) (:2681)
    yield* spin_lock_irq(mapping.i_pages.xa_lock); // :2687 xa_lock
    if ((yield* xas_load(L.xas)) !== head) {
      // fail (:2715–2720): remap_page does nothing for file pages.
      spin_unlock_irq(mapping.i_pages.xa_lock);
      L.ret = -EBUSY;
      break out_unlock;
    }
    // spin_lock(&ds_queue->split_queue_lock) (:2693): the deferred split queue is not modelled.
    if (!page_ref_freeze(head, 1 + L.pins.extra_pins)) {
      spin_unlock_irq(mapping.i_pages.xa_lock); // :2717
      L.ret = -EBUSY;
    }
    yield S_sh_freeze;
    if (L.ret !== 0) break out_unlock;
    // :2700–2709: NR_SHMEM_THPS / NR_FILE_THPS statistics; see SPLIT_DECREMENTS_NR_THPS.
    if (!PageSwapBacked(head) && SPLIT_DECREMENTS_NR_THPS) {
      filemap_nr_thps_dec(mapping);
      yield S_sh_nr_thps;
    }
    yield* __split_huge_page(L.page, L.list, L.end); // :2711
    L.ret = 0;
  }
  // out_unlock (:2723)
  up_read(mapping.i_mmap_rwsem); // :2729 i_mmap_unlock_read
  yield S_sh_unlock;
  return leave(L.ret);
}

/** split_huge_page (include/linux/huge_mm.h:190): split_huge_page_to_list(page, NULL). */
export function split_huge_page(page: Page): Gen<number> {
  return split_huge_page_to_list(page, null);
}
