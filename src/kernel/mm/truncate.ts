/**
 * mm/truncate.c: truncating a mapping's page cache (v5.15-rc3; these lines are unchanged in 5.15.24).
 *
 * Callers are meant to be serialised by i_rwsem and mapping->invalidate_lock (the comment above
 * truncate_inode_pages, truncate.c:410–416); rc3's do_dentry_open takes neither, which is race (a).
 * Lock ordering: page lock (many, pass 1) → i_mmap_rwsem (unmap) and → i_pages xa_lock (deletion).
 */
import { enter, enterFn, type Gen, leave, note } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { VM_BUG_ON_PAGE, WARN_ON } from "../bug.js";
import { patched } from "../config.js";
import type { address_space, inode } from "../include/linux/fs.js";
import { thp_nr_pages } from "../include/linux/huge_mm.js";
import { page_mapped, page_mapping } from "../include/linux/mm.js";
import { type Page, PF_MAPPING, read_field } from "../include/linux/mm_types.js";
import { ClearPageMappedToDisk, PagePrivate, PageTail, TestClearPageDirty } from "../include/linux/page-flags.js";
import { lock_page, mapping_empty, page_to_index, unlock_page } from "../include/linux/pagemap.js";
import { PAGEVEC_SIZE, pagevec, pagevec_count, pagevec_init, pagevec_release } from "../include/linux/pagevec.js";
import { spin_lock_irq, spin_unlock_irq } from "../kernel/locking/spinlock.js";
import { XA_STATE, type XaEntry, xa_is_value, xas_load, xas_store } from "../lib/xarray.js";
import {
  delete_from_page_cache,
  delete_from_page_cache_batch,
  find_get_entries,
  find_lock_entries,
} from "./filemap.js";
import { unmap_mapping_page, unmap_mapping_range } from "./memory.js";
import { wait_on_page_writeback } from "./page-writeback.js";

const F = "mm/truncate.c";
const at = (line: number) => ({ file: F, line });

const FN___clear_shadow_entry = fn("__clear_shadow_entry", F, 34);

/** __clear_shadow_entry (truncate.c:34): clear @entry at @index if it is still there. xa_lock held. */
function* __clear_shadow_entry(mapping: address_space, index: number, entry: XaEntry): Gen<void> {
  const L = enter(FN___clear_shadow_entry, { entry, xas: XA_STATE(mapping.i_pages, index) });
  if ((yield* xas_load(L.xas)) === L.entry) yield* xas_store(L.xas, null);
  leave(undefined);
}

const FN_truncate_exceptional_pvec_entries = fn("truncate_exceptional_pvec_entries", F, 58);

/**
 * truncate_exceptional_pvec_entries (truncate.c:58–99): clear the shadow entries found by the lookup
 * and compact the pagevec down to its pages. shmem handles its own (:65). DAX is not modelled.
 */
function* truncate_exceptional_pvec_entries(mapping: address_space, pvec: pagevec, indices: number[]): Gen<void> {
  if (mapping.shmem) return;
  let j = 0;
  while (j < pagevec_count(pvec) && !xa_is_value(pvec.pages[j] as XaEntry)) j++;
  if (j === pagevec_count(pvec)) return;
  const L = enter(FN_truncate_exceptional_pvec_entries, { mapping, pvec, indices, i: j, j });
  yield* spin_lock_irq(L.mapping.i_pages.xa_lock);
  for (L.i = L.j; L.i < pagevec_count(L.pvec); L.i++) {
    const e = L.pvec.pages[L.i] as XaEntry;
    if (!xa_is_value(e)) {
      L.pvec.pages[L.j++] = e;
      continue;
    }
    yield* __clear_shadow_entry(L.mapping, L.indices[L.i] as number, e);
  }
  spin_unlock_irq(L.mapping.i_pages.xa_lock);
  L.pvec.nr = L.j;
  L.pvec.pages.length = L.j;
  leave(undefined);
}

const FN_truncate_cleanup_page = fn("truncate_cleanup_page", F, 170);
const S_tcp_clean = site(F, 183, "truncate_cleanup_page", "cancel_dirty_page(page)");

/**
 * truncate_cleanup_page (truncate.c:170–185): unmap it if mapped, invalidate fs-private data (not
 * modelled: no filesystem has PG_private here), cancel dirtiness, clear PG_mappedtodisk. Page locked.
 */
function* truncate_cleanup_page(page: Page): Gen<void> {
  const L = enter(FN_truncate_cleanup_page, { page });
  if (page_mapped(page)) yield* unmap_mapping_page(page);
  if (PagePrivate(L.page)) {
    // do_invalidatepage (:176): the modelled files carry no private data.
  }
  TestClearPageDirty(L.page); // cancel_dirty_page (:183): accounting is not modelled
  ClearPageMappedToDisk(L.page);
  yield S_tcp_clean;
  leave(undefined);
}

const FN_truncate_inode_page = fn("truncate_inode_page", F, 211);
const S_tip_mapping = site(F, 215, "truncate_inode_page", "page->mapping != mapping");

/**
 * truncate_inode_page - drop one locked page from its mapping
 * @mapping: the mapping the caller found the page in; @page: a locked head page, referenced by the caller
 *
 * A tail page here is a kernel bug (VM_BUG_ON_PAGE, mm/truncate.c:213): the check races (a) and (b) trip.
 * Hugh Dickins proposed deleting it (patch `remove-truncate-pagetail-check`): a tail's ->mapping is
 * TAIL_MAPPING, so the mapping test returns -EIO. A page whose ->mapping changed meanwhile is left alone.
 * Return: 0, or -EIO if @page no longer belongs to @mapping.
 * C: mm/truncate.c:211–221. Model: one step at the ->mapping read (stable under the page lock).
 */
export function* truncate_inode_page(mapping: address_space, page: Page): Gen<number> {
  const L = enter(FN_truncate_inode_page, { page, stale: false });
  if (!patched("remove-truncate-pagetail-check")) {
    VM_BUG_ON_PAGE(() => PageTail(page), page, at(213), "PageTail(page)");
  }
  read_field(page, PF_MAPPING);
  L.stale = page.mapping !== mapping;
  note(() => (L.stale ? `${page.name}->mapping changed: -EIO` : `delete ${page.name} from the page cache`));
  yield S_tip_mapping;
  if (L.stale) return leave(-5);
  yield* truncate_cleanup_page(L.page);
  yield* delete_from_page_cache(L.page);
  return leave(0);
}

const FN_truncate_inode_pages_range = fn("truncate_inode_pages_range", F, 282);
const S_tipr_empty = site(F, 294, "truncate_inode_pages_range", "mapping_empty(mapping)");
const S_tipr_unlock1 = site(F, 328, "truncate_inode_pages_range", "unlock_page(pvec.pages[i])");
const S_tipr_warn = site(F, 395, "truncate_inode_pages_range", "WARN_ON(page_to_index(page) != index)");
const S_tipr_unlock2 = site(F, 398, "truncate_inode_pages_range", "unlock_page(page)");
const S_tipr_resched = site(F, 374, "truncate_inode_pages_range", "cond_resched()");
// patch `check-mapping-in-truncate` (Rongwei Wang's v2): line in the v2-patched file.
const S_tipr_cm_unlock = site(
  F,
  405,
  "truncate_inode_pages_range",
  "page_mapping(page) != mapping: unlock_page(page), restart from start (v2)",
);
/** Rongwei Wang's v1/v2 "mm, thp: check page mapping when truncating page cache" (src/kernel/patches/). */
const CHECK_MAPPING = "check-mapping-in-truncate";

/**
 * truncate_inode_pages_range - truncate a range of a mapping's page cache
 * @mapping: mapping to truncate; @lstart: offset to start from; @lend: last byte (inclusive), -1 = to EOF
 *
 * Pass 1 never blocks: find_lock_entries trylocks pages and skips locked ones, under writeback or partly
 * outside the range; the pages found are deleted in one batch. Pass 2 repeats lookups with references only
 * (find_get_entries), sleeping in lock_page and for writeback, deleting page by page with
 * truncate_inode_page, and restarting from @start until a lookup from @start finds nothing.
 * find_get_entries can return a THP's tail (when it met the THP part-way), which truncate_inode_page
 * then asserts against (truncate.c:213).
 * C: mm/truncate.c:282–407. Partial pages do not arise for the whole-file truncation of the seed races
 * (lstart = 0, lend = -1) and are not modelled. Model: frame holds start, end, index, i, pvec, indices.
 */
export function* truncate_inode_pages_range(mapping: address_space, lstart: number, lend: number): Gen<void> {
  const L = enter(FN_truncate_inode_pages_range, {
    mapping,
    lstart,
    lend,
    empty: false,
    start: 0,
    end: 0,
    index: 0,
    i: 0,
    pvec: new pagevec(),
    indices: new Array<number>(PAGEVEC_SIZE).fill(0),
  });
  L.empty = mapping_empty(mapping);
  yield S_tipr_empty;
  if (L.empty) return leave(undefined);
  if (L.lstart % 4096 !== 0 || (L.lend !== -1 && (L.lend + 1) % 4096 !== 0)) {
    throw new Error("truncate_inode_pages_range: partial pages are not modelled");
  }
  L.start = Math.ceil(L.lstart / 4096);
  L.end = L.lend === -1 ? Number.MAX_SAFE_INTEGER : (L.lend + 1) / 4096;

  // Pass 1 (:318–331).
  pagevec_init(L.pvec);
  L.index = L.start;
  while (L.index < L.end && (yield* find_lock_entries(L.mapping, L.index, L.end - 1, L.pvec, L.indices)) > 0) {
    if (patched(CHECK_MAPPING)) {
      // v2: index = indices[last] + thp_nr_pages(pvec.pages[last]). For a value entry the C would read
      // page flags through a non-pointer; the built-in scenarios have no shadow entries.
      const last = L.pvec.pages[pagevec_count(L.pvec) - 1] as XaEntry;
      if (xa_is_value(last)) throw new Error("check-mapping-in-truncate: thp_nr_pages on a value entry");
      L.index = (L.indices[pagevec_count(L.pvec) - 1] as number) + thp_nr_pages(last as Page);
    } else {
      L.index = (L.indices[pagevec_count(L.pvec) - 1] as number) + 1;
    }
    yield* truncate_exceptional_pvec_entries(L.mapping, L.pvec, L.indices);
    for (L.i = 0; L.i < pagevec_count(L.pvec); L.i++) yield* truncate_cleanup_page(L.pvec.pages[L.i] as Page);
    yield* delete_from_page_cache_batch(L.mapping, L.pvec);
    for (L.i = 0; L.i < pagevec_count(L.pvec); L.i++) {
      unlock_page(L.pvec.pages[L.i] as Page);
      yield S_tipr_unlock1;
    }
    yield* pagevec_release(L.pvec);
  }

  if (L.start >= L.end) return leave(undefined);

  // Pass 2 (:372–403).
  L.index = L.start;
  for (;;) {
    yield S_tipr_resched;
    if ((yield* find_get_entries(L.mapping, L.index, L.end - 1, L.pvec, L.indices)) === 0) {
      if (L.index === L.start) break;
      L.index = L.start;
      continue;
    }
    for (L.i = 0; L.i < pagevec_count(L.pvec); L.i++) {
      const e = L.pvec.pages[L.i] as XaEntry;
      L.index = L.indices[L.i] as number;
      if (xa_is_value(e)) continue;
      // Alias of L.pvec.pages[L.i]: nothing changes the pagevec before the next lookup.
      const page = e as Page;
      yield* lock_page(page);
      if (patched(CHECK_MAPPING) && page_mapping(page) !== L.mapping) {
        // v2: already truncated, or a collapse_file rollback cleared new_page->mapping: the page
        // (a tail, when the lookup met a THP part-way) is not truncated; restart from start.
        unlock_page(page);
        note(() => `${page.name} no longer in the mapping: restart pass 2 from ${L.start}`);
        yield S_tipr_cm_unlock;
        L.index = L.start - 1;
        break;
      }
      WARN_ON(page_to_index(page) !== L.index, at(395), "page_to_index(page) != index");
      yield S_tipr_warn;
      yield* wait_on_page_writeback(page);
      yield* truncate_inode_page(L.mapping, page);
      unlock_page(page);
      yield S_tipr_unlock2;
    }
    yield* truncate_exceptional_pvec_entries(L.mapping, L.pvec, L.indices);
    yield* pagevec_release(L.pvec);
    L.index++;
  }
  leave(undefined);
}

const FN_truncate_inode_pages = fn("truncate_inode_pages", F, 423);

/** truncate_inode_pages (truncate.c:423): truncate_inode_pages_range(mapping, lstart, -1). */
export function* truncate_inode_pages(mapping: address_space, lstart: number): Gen<void> {
  enterFn(FN_truncate_inode_pages);
  yield* truncate_inode_pages_range(mapping, lstart, -1);
  leave(undefined);
}

const FN_truncate_pagecache = fn("truncate_pagecache", F, 720);

/**
 * truncate_pagecache (truncate.c:720–737): unmap (even private COWs), truncate, unmap again.
 * No lock is taken here: i_rwsem is the caller's job.
 */
export function* truncate_pagecache(ino: inode, newsize: number): Gen<void> {
  const L = enter(FN_truncate_pagecache, { newsize, mapping: ino.i_mapping, holebegin: 0 });
  L.holebegin = Math.ceil(newsize / 4096) * 4096;
  yield* unmap_mapping_range(L.mapping, L.holebegin, 0, 1);
  yield* truncate_inode_pages(L.mapping, L.newsize);
  yield* unmap_mapping_range(L.mapping, L.holebegin, 0, 1);
  leave(undefined);
}
