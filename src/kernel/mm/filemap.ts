/**
 * mm/filemap.c: lockless page-cache lookups and the page-cache delete paths (v5.15-rc3).
 *
 * Line numbers are v5.15-rc3: equal to 5.15.24 below line 2096; inside find_lock_entries rc3 has the
 * `VM_BUG_ON_PAGE(page->index != xas.xa_index, page)` at 2096 (removed by d417b49fff3e), so rc3 = 5.15.24 + 1
 * from there on.
 *
 * Lock ordering modelled (filemap.c:72ff): page lock → i_pages xa_lock. Lookups take only RCU; deleters
 * hold the page lock and xa_lock, and every slot they store is a separate step, because RCU readers walk
 * the slots beside them.
 */
import { enter, enterFn, type Gen, leave, note, rt, type Wait, waitUntil } from "../../engine/runtime.js";
import { fn, type Site, site } from "../../engine/site.js";
import { BUG_ON, VM_BUG_ON_PAGE, WARN_ON_ONCE } from "../bug.js";
import { kconfig, patched } from "../config.js";
import type { address_space } from "../include/linux/fs.js";
import { compound_nr, compound_order, thp_nr_pages } from "../include/linux/huge_mm.js";
import { page_mapped, page_mapping, put_page } from "../include/linux/mm.js";
import {
  as_mapping,
  type Page,
  PF_MAPPING,
  page_index_read,
  read_field,
  write_field,
} from "../include/linux/mm_types.js";
import { get_page_check, get_page_inc, page_count, page_ref_sub } from "../include/linux/page_ref.js";
import {
  PageDirty,
  PageLocked,
  PageSwapBacked,
  PageTail,
  PageTransHuge,
  PageWriteback,
} from "../include/linux/page-flags.js";
import {
  filemap_nr_thps_dec,
  find_subpage,
  page_cache_get_speculative,
  thp_contains,
  trylock_page,
  unlock_page,
} from "../include/linux/pagemap.js";
import { PAGEVEC_SIZE, type PvecEntry, type pagevec, pagevec_add, pagevec_count } from "../include/linux/pagevec.js";
import { spin_lock_irq, spin_unlock_irq } from "../kernel/locking/spinlock.js";
import { rcu_read_lock, rcu_read_unlock } from "../kernel/rcu.js";
import {
  XA_STATE,
  type XArray,
  type XaEntry,
  xa_entry_at,
  xa_is_value,
  type xa_state,
  xas_find,
  xas_init_marks,
  xas_next_entry,
  xas_reload,
  xas_reset,
  xas_retry,
  xas_set,
  xas_set_order,
  xas_store,
} from "../lib/xarray.js";
import { printk } from "../printk.js";
import { test_clear_page_writeback } from "./page-writeback.js";

const F = "mm/filemap.c";
const at = (line: number) => ({ file: F, line });

/**
 * The spin-loop reduction of a failed speculative get (docs/model.md, "Spin loops"): a wait until the
 * page at @index is unfrozen or no longer in that slot, after which the lookup retries as the C does.
 */
export function wait_frozen_page(s: Site, xa: XArray, index: number, page: Page): Wait {
  return waitUntil(
    s,
    () => page._refcount !== 0 || xa_entry_at(xa, index) !== page,
    `frozen page ${page.name} at index ${index} to be unfrozen or replaced`,
  );
}

// ===== page cache deletion (filemap.c:124–354) =====

const FN_page_cache_delete = fn("page_cache_delete", F, 124);
const S_pcd_store = site(F, 142, "page_cache_delete", "xas_store(&xas, shadow) done");
const S_pcd_mapping = site(F, 145, "page_cache_delete", "page->mapping = NULL");

/**
 * page_cache_delete - remove a page (all slots of a THP) from its mapping
 * @mapping: the page's mapping; @page: locked head page; @shadow: replacement entry or null
 *
 * Context: xa_lock held, page locked.
 * C: mm/filemap.c:124–148. An order-N store: for a THP the XArray clears one slot range after another
 * (xas_store yields per slot and per RETRY fill of a detached leaf), and ->mapping is cleared only after
 * all of them (:145), the opposite order to page_cache_delete_batch.
 * Model: the xas_store steps, then one step for the ->mapping store; nrpages is xa_lock-protected.
 */
function* page_cache_delete(mapping: address_space, page: Page, shadow: XaEntry): Gen<void> {
  const index = page_index_read(page);
  const L = enter(FN_page_cache_delete, { mapping, page, xas: XA_STATE(mapping.i_pages, index), nr: 1 });
  xas_set_order(L.xas, index, compound_order(page));
  L.nr = compound_nr(page);
  VM_BUG_ON_PAGE(() => !PageLocked(page), page, at(138), "!PageLocked(page)");
  VM_BUG_ON_PAGE(() => PageTail(page), page, at(139), "PageTail(page)");
  VM_BUG_ON_PAGE(() => L.nr !== 1 && shadow !== null, page, at(140), "nr != 1 && shadow");
  yield* xas_store(L.xas, shadow);
  yield S_pcd_store;
  xas_init_marks(L.xas);
  write_field(L.page, PF_MAPPING);
  L.page.mapping = null;
  L.mapping.nrpages -= L.nr;
  yield S_pcd_mapping;
  leave(undefined);
}

/**
 * unaccount_page_cache_page (filemap.c:150–218): statistics, and the nr_thps decrement for a file THP.
 * Context: xa_lock held. VM_BUG_ON_PAGE(PageTail) :165, VM_BUG_ON_PAGE(page_mapped) :166; without
 * CONFIG_DEBUG_VM a mapped page is reported as "Bad page cache" (:170) and the kernel goes on.
 * Model: plain (its only racy access, the nr_thps atomic, is folded into the caller's next step).
 */
function unaccount_page_cache_page(mapping: address_space, page: Page): void {
  VM_BUG_ON_PAGE(() => PageTail(page), page, at(165), "PageTail(page)");
  VM_BUG_ON_PAGE(() => page_mapped(page), page, at(166), "page_mapped(page)");
  if (!kconfig.current.DEBUG_VM && page_mapped(page)) {
    printk(`BUG: Bad page cache in process ${rt.current.name}  pfn:${page.pfn.toString(16)}`);
  }
  if (PageSwapBacked(page)) {
    // NR_SHMEM / NR_SHMEM_THPS accounting only (:197–200).
  } else if (PageTransHuge(page)) {
    filemap_nr_thps_dec(mapping); // :203
  }
  if (WARN_ON_ONCE(PageDirty(page), at(216), "PageDirty(page)")) {
    // account_page_cleaned (:217): statistics only.
  }
}

const FN___delete_from_page_cache = fn("__delete_from_page_cache", F, 225);

/** __delete_from_page_cache (filemap.c:225–233). Context: xa_lock held. */
export function* __delete_from_page_cache(page: Page, shadow: XaEntry): Gen<void> {
  enterFn(FN___delete_from_page_cache);
  read_field(page, PF_MAPPING);
  const mapping = as_mapping(page.mapping) as address_space;
  unaccount_page_cache_page(mapping, page);
  yield* page_cache_delete(mapping, page, shadow);
  leave(undefined);
}

const FN_page_cache_free_page = fn("page_cache_free_page", F, 235);
const S_pcfp_sub = site(F, 245, "page_cache_free_page", "page_ref_sub(page, thp_nr_pages(page))");
const S_pcfp_count = site(F, 246, "page_cache_free_page", "VM_BUG_ON_PAGE(page_count(page) <= 0, page)");
const S_pcfp_put = site(F, 248, "page_cache_free_page", "put_page(page)");

/**
 * page_cache_free_page (filemap.c:235–250): drop the page cache's references: nr for a THP (then
 * VM_BUG_ON_PAGE(page_count(page) <= 0) at :246: the caller still holds one), one for a small page.
 * The subtraction and the count read for the assertion are two atomic accesses in C, each its own step:
 * another CPU's put_page can land between them.
 */
function* page_cache_free_page(_mapping: address_space, page: Page): Gen<void> {
  enterFn(FN_page_cache_free_page);
  if (PageTransHuge(page)) {
    page_ref_sub(page, thp_nr_pages(page));
    yield S_pcfp_sub;
    if (kconfig.current.DEBUG_VM) {
      // Without CONFIG_DEBUG_VM the kernel does not read the count again: no second step.
      VM_BUG_ON_PAGE(() => page_count(page) <= 0, page, at(246), "page_count(page) <= 0");
      yield S_pcfp_count;
    }
  } else {
    put_page(page);
    yield S_pcfp_put;
  }
  leave(undefined);
}

const FN_delete_from_page_cache = fn("delete_from_page_cache", F, 260);

/**
 * delete_from_page_cache - delete a locked page from the page cache (filemap.c:260–270)
 * BUG_ON(!PageLocked(page)) at :264; xa_lock; __delete_from_page_cache; unlock; free the cache refs.
 */
export function* delete_from_page_cache(page: Page): Gen<void> {
  const L = enter(FN_delete_from_page_cache, { page, mapping: null as address_space | null });
  L.mapping = page_mapping(page) as address_space;
  BUG_ON(!PageLocked(page), at(264), "!PageLocked(page)");
  yield* spin_lock_irq(L.mapping.i_pages.xa_lock);
  yield* __delete_from_page_cache(L.page, null);
  spin_unlock_irq(L.mapping.i_pages.xa_lock);
  yield* page_cache_free_page(L.mapping, L.page);
  leave(undefined);
}

const FN_page_cache_delete_batch = fn("page_cache_delete_batch", F, 287);
const S_pcdb_mapping = site(F, 319, "page_cache_delete_batch", "page->mapping = NULL");
const S_pcdb_store = site(F, 329, "page_cache_delete_batch", "xas_store(&xas, NULL)");

/**
 * page_cache_delete_batch (filemap.c:287–333): walk the slots from the first page's index with
 * xas_for_each and clear, one slot at a time, every slot of each page in @pvec (all 512 of a THP).
 * At a page's own index, ->mapping is cleared before its slot (:318–319 before :329), so a reader can
 * meet the head, mapping already NULL, in the slots not yet cleared. Context: xa_lock held.
 * Model: one step per slot read (inside xas_find/next_entry), per ->mapping store and per slot store.
 */
function* page_cache_delete_batch(mapping: address_space, pvec: pagevec): Gen<void> {
  const first = pvec.pages[0] as Page;
  const L = enter(FN_page_cache_delete_batch, {
    mapping,
    pvec,
    xas: XA_STATE(mapping.i_pages, page_index_read(first)),
    total_pages: 0,
    i: 0,
    page: null as XaEntry,
  });
  L.page = yield* xas_find(L.xas, Number.MAX_SAFE_INTEGER);
  for (; L.page !== null; L.page = yield* xas_next_entry(L.xas, Number.MAX_SAFE_INTEGER)) {
    if (L.i >= pagevec_count(L.pvec)) break;
    if (xa_is_value(L.page)) continue;
    const want = L.pvec.pages[L.i] as Page;
    // Alias of L.page, which does not change before the loop's next xas_next_entry.
    const p = L.page as Page;
    if (p !== want) {
      VM_BUG_ON_PAGE(
        () => page_index_read(p) > page_index_read(want),
        p,
        at(311),
        "page->index > pvec->pages[i]->index",
      );
      continue;
    }
    WARN_ON_ONCE(!PageLocked(p), at(316), "!PageLocked(page)");
    if (page_index_read(p) === L.xas.xa_index) {
      write_field(p, PF_MAPPING);
      p.mapping = null;
      yield S_pcdb_mapping;
    }
    if (page_index_read(p) + compound_nr(p) - 1 === L.xas.xa_index) L.i++;
    yield* xas_store(L.xas, null);
    L.total_pages++;
    yield S_pcdb_store;
  }
  L.mapping.nrpages -= L.total_pages;
  leave(undefined);
}

const FN_delete_from_page_cache_batch = fn("delete_from_page_cache_batch", F, 335);

/**
 * delete_from_page_cache_batch (filemap.c:335–354): under xa_lock, unaccount every page then clear their
 * slots; after unlocking, drop the page cache's references. Pages are locked and referenced by the caller.
 */
export function* delete_from_page_cache_batch(mapping: address_space, pvec: pagevec): Gen<void> {
  if (pagevec_count(pvec) === 0) return;
  const L = enter(FN_delete_from_page_cache_batch, { mapping, pvec, i: 0 });
  yield* spin_lock_irq(L.mapping.i_pages.xa_lock);
  for (L.i = 0; L.i < pagevec_count(L.pvec); L.i++) unaccount_page_cache_page(L.mapping, L.pvec.pages[L.i] as Page);
  yield* page_cache_delete_batch(L.mapping, L.pvec);
  spin_unlock_irq(L.mapping.i_pages.xa_lock);
  for (L.i = 0; L.i < pagevec_count(L.pvec); L.i++) yield* page_cache_free_page(L.mapping, L.pvec.pages[L.i] as Page);
  leave(undefined);
}

// ===== lockless lookups (filemap.c:1971–2127) =====

const FN_find_get_entry = fn("find_get_entry", F, 1971);
const S_fge_get = site(F, 1992, "find_get_entry", "page_cache_get_speculative(page)");
const S_fge_put = site(F, 1997, "find_get_entry", "put_page(page): slot changed under us");
const S_fge_frozen = site(F, 2003, "find_get_entry", "retry: the page is frozen (refcount 0)");

/**
 * find_get_entry - the next present entry at or after the cursor, with a reference
 * @xas: cursor, left on the slot where the entry was found; @max: last index to look at
 *
 * Context: caller holds rcu_read_lock. Lockless; never sleeps.
 * Return: a page with a speculative reference (the head pointer even when found at a tail's index),
 * a value entry (no reference), or null.
 * C: mm/filemap.c:1971–2005 (mark is always XA_PRESENT on the modelled paths).
 * Model: the slot reads are xas_find's steps; one step for the refcount RMW, the reload's read, and
 * one for the put when the slot changed.
 */
export function* find_get_entry(xas: xa_state, max: number): Gen<XaEntry> {
  const L = enter(FN_find_get_entry, { xas, max, page: null as XaEntry, got: false });
  for (;;) {
    L.got = false;
    L.page = yield* xas_find(L.xas, L.max);
    if (xas_retry(L.xas, L.page)) continue;
    if (L.page === null || xa_is_value(L.page)) return leave(L.page);
    // Alias of L.page, which does not change before the next xas_find.
    const page = L.page as Page;
    L.got = page_cache_get_speculative(page);
    yield S_fge_get;
    if (L.got) {
      const again = yield* xas_reload(L.xas);
      if (again === page) {
        note(() => `found ${page.name} at index ${L.xas.xa_index}, reference taken`);
        return leave(L.page);
      }
      put_page(page);
      yield S_fge_put;
    } else {
      // The page is frozen or being freed. Retrying from xas_reset reads the same slot again, and fails
      // again, for as long as that slot still holds this page and its refcount is 0: such retries change
      // nothing, so the model waits for one of the two to change instead of spinning (docs/model.md,
      // "Spin loops"). The retry itself is modelled unchanged.
      yield wait_frozen_page(S_fge_frozen, L.xas.xa, L.xas.xa_index, page);
    }
    xas_reset(L.xas);
  }
}

const FN_find_get_entries = fn("find_get_entries", F, 2033);
const S_fgen_thp = site(F, 2047, "find_get_entries", "PageTransHuge(page)");

/**
 * find_get_entries - gang lookup of entries, references only
 * @mapping, @start, @end (inclusive); @pvec receives entries, @indices their slot indices.
 *
 * Stops right after a THP, which it returns as find_subpage(head, xas.xa_index): a tail page if the walk
 * met the THP at a slot other than its head's. The reference is on the head.
 * Context: takes and drops the RCU read lock.
 * C: mm/filemap.c:2033–2062. Model: the lookup's steps plus one for the PageTransHuge flag read.
 */
export function* find_get_entries(
  mapping: address_space,
  start: number,
  end: number,
  pvec: pagevec,
  indices: number[],
): Gen<number> {
  const L = enter(FN_find_get_entries, {
    end,
    pvec,
    indices,
    xas: XA_STATE(mapping.i_pages, start),
    ret: 0,
    nr_entries: PAGEVEC_SIZE,
    page: null as XaEntry,
    thp: false,
  });
  rcu_read_lock();
  L.pvec.pages.length = 0;
  for (;;) {
    L.thp = false;
    L.page = yield* find_get_entry(L.xas, L.end);
    if (L.page === null) break;
    let entry: PvecEntry = L.page; // alias of L.page across the PageTransHuge step
    if (!xa_is_value(L.page)) {
      L.thp = PageTransHuge(L.page as Page);
      yield S_fgen_thp;
      if (L.thp) {
        const head = L.page as Page;
        entry = find_subpage(head, L.xas.xa_index);
        L.nr_entries = L.ret + 1;
        const sub = entry;
        const index = L.xas.xa_index;
        note(() =>
          sub === head
            ? `THP ${head.name} met at its head index ${index}`
            : `returns tail page ${sub.name} for index ${index} (head ${head.name} index ${head.index})`,
        );
      }
    }
    L.indices[L.ret] = L.xas.xa_index;
    L.pvec.pages[L.ret] = entry;
    if (++L.ret === L.nr_entries) break;
  }
  rcu_read_unlock();
  L.pvec.nr = L.ret;
  return leave(L.ret);
}

const FN_find_lock_entries = fn("find_lock_entries", F, 2085);
const S_fle_index = site(F, 2094, "find_lock_entries", "page->index < start");
const S_fle_end = site(F, 2097, "find_lock_entries", "page->index + thp_nr_pages(page) - 1 > end");
const S_fle_trylock = site(F, 2099, "find_lock_entries", "trylock_page(page)");
const S_fle_mapping = site(F, 2101, "find_lock_entries", "page->mapping != mapping || PageWriteback(page)");
const S_fle_unlock = site(F, 2111, "find_lock_entries", "unlock_page(page)");
const S_fle_put = site(F, 2113, "find_lock_entries", "put_page(page)");
const S_fle_next = site(F, 2115, "find_lock_entries", "PageTransHuge(page): skip the rest of the THP");
const S_fle_nr_pages = site(F, 2116, "find_lock_entries", "nr_pages = thp_nr_pages(page)");
const S_fle_xas_set = site(F, 2119, "find_lock_entries", "xas_set(&xas, page->index + nr_pages)");

/**
 * find_lock_entries - lock and collect the cache entries of a range
 * @mapping: address_space to walk; @start: first index; @end: last index (inclusive)
 * @pvec: receives the entries; @indices receives the index each was found at
 *
 * Each page found gets a reference and a trylock, and is kept only if it is still in @mapping, not under
 * writeback and wholly inside the range; otherwise it is dropped again. A THP comes back once, as its
 * head, and the walk skips its extent. Value entries are kept.
 * rc3 also asserts page->index == xas.xa_index at :2096, before taking the lock: the bogus check that
 * fires when a lookup meets a THP part-way (removed by d417b49fff3e; patch
 * `remove-find-lock-entries-index-check`).
 *
 * Context: takes and drops the RCU read lock; never sleeps.
 * Return: number of entries placed in @pvec.
 * C: mm/filemap.c:2085–2127 (rc3). Model: lookup steps; one step per racy read or RMW of the page
 * (index check with its VM_BUG_ON re-read, range check, trylock, mapping/writeback check, unlock, put,
 * the THP skip); reads under the page lock fold into the neighbouring step.
 */
export function* find_lock_entries(
  mapping: address_space,
  start: number,
  end: number,
  pvec: pagevec,
  indices: number[],
): Gen<number> {
  const L = enter(FN_find_lock_entries, {
    mapping,
    start,
    end,
    pvec,
    indices,
    xas: XA_STATE(mapping.i_pages, start),
    page: null as XaEntry,
    action: "add" as "add" | "unlock" | "put",
    thp: false,
    nr_pages: 1,
    /** patch skip-thp-before-put: the index after the THP, read while the reference was held. */
    next: 0,
  });
  rcu_read_lock();
  for (;;) {
    L.action = "add";
    L.thp = false;
    L.page = yield* find_get_entry(L.xas, L.end);
    if (L.page === null) break;
    // e and page: aliases of L.page, which does not change before the next find_get_entry.
    const e = L.page;
    if (!xa_is_value(e)) {
      const page = e as Page;
      const index = page_index_read(page);
      if (patched("skip-thp-before-put")) {
        // The reference keeps the page from being freed or split: its extent read here is what
        // `next:` will use (docs/findings.md §2).
        L.thp = PageTransHuge(page);
        if (L.thp) {
          L.nr_pages = thp_nr_pages(page);
          L.next = index + L.nr_pages;
        }
      }
      if (index < L.start) L.action = "put";
      else if (!patched("remove-find-lock-entries-index-check") && !patched("check-mapping-in-truncate")) {
        VM_BUG_ON_PAGE(() => index !== L.xas.xa_index, page, at(2096), "page->index != xas.xa_index");
      }
      yield S_fle_index;
      if (L.action === "add") {
        if (page_index_read(page) + thp_nr_pages(page) - 1 > L.end) L.action = "put";
        yield S_fle_end;
      }
      if (L.action === "add") {
        if (!trylock_page(page)) {
          L.action = "put";
          note(() => `trylock_page(${page.name}) fails: skip it`);
        }
        yield S_fle_trylock;
      }
      if (L.action === "add") {
        read_field(page, PF_MAPPING);
        if (page.mapping !== L.mapping || PageWriteback(page)) L.action = "unlock";
        yield S_fle_mapping;
      }
      if (L.action === "add") {
        VM_BUG_ON_PAGE(() => !thp_contains(page, L.xas.xa_index), page, at(2103), "!thp_contains(page, xas.xa_index)");
        if (patched("check-mapping-in-truncate")) {
          // Rongwei Wang's v2 moves the :2096 check here, under the page lock (line of the patched file).
          VM_BUG_ON_PAGE(() => page.index !== L.xas.xa_index, page, at(2109), "page->index != xas.xa_index");
        }
      }
      if (L.action === "unlock") {
        unlock_page(page);
        yield S_fle_unlock;
        L.action = "put";
      }
      if (L.action === "put") {
        put_page(page);
        yield S_fle_put;
      }
    }
    if (L.action === "add") {
      L.indices[L.pvec.nr] = L.xas.xa_index;
      if (pagevec_add(L.pvec, e) === 0) break;
    }
    // next: (:2114–2122). PageTransHuge, thp_nr_pages and ->index are three loads of a page this thread
    // may no longer hold a reference to (after put_page): each its own step, yielding at its own site.
    if (!xa_is_value(e)) {
      if (patched("skip-thp-before-put")) {
        // The extent was read under the reference, above: nothing of the page is read here.
        if (L.thp) xas_set(L.xas, L.next);
      } else {
        const page = e as Page;
        L.thp = PageTransHuge(page);
        yield S_fle_next;
        if (L.thp) {
          L.nr_pages = thp_nr_pages(page);
          yield S_fle_nr_pages;
          xas_set(L.xas, page_index_read(page) + L.nr_pages);
          yield S_fle_xas_set;
        }
      }
      if (L.thp && L.xas.xa_index < L.nr_pages) break;
    }
  }
  rcu_read_unlock();
  return leave(pagevec_count(L.pvec));
}

// ===== end of writeback (filemap.c:1582–1609) =====

const FN_end_page_writeback = fn("end_page_writeback", F, 1582);
const S_epw_get_check = site(
  F,
  1602,
  "end_page_writeback",
  "get_page(page): VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page)) (mm.h:1213)",
);
const S_epw_get = site(F, 1602, "end_page_writeback", "get_page(page): page_ref_inc(page) (mm.h:1214)");
const S_epw_put = site(F, 1608, "end_page_writeback", "put_page(page)");

/**
 * end_page_writeback - end writeback against a page (filemap.c:1582), run from the bio completion
 * (softirq). Writeback holds no reference of its own, so it takes one around the clear (:1602, :1608):
 * get_page on a page collapse_file has frozen trips VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow)
 * (include/linux/mm.h:1213), the BUG quoted in 74c42e1baacf. BUG() at :1604 if PG_writeback was clear.
 * PG_reclaim rotation is not modelled (no reclaim).
 */
export function* end_page_writeback(page: Page): Gen<void> {
  const L = enter(FN_end_page_writeback, { page });
  // get_page's check and increment are two atomic accesses, and collapse_file may freeze the page
  // between them (page_ref.ts get_page): then the increment takes the count 0 → 1 and collapse_file's
  // page_ref_unfreeze trips VM_BUG_ON_PAGE(page_count(page) != 0) (page_ref.h:184).
  if (kconfig.current.DEBUG_VM) {
    // Without CONFIG_DEBUG_VM there is no check: one step, the increment.
    get_page_check(L.page);
    yield S_epw_get_check;
  }
  get_page_inc(L.page);
  yield S_epw_get;
  const was = yield* test_clear_page_writeback(L.page);
  BUG_ON(!was, at(1604), "!test_clear_page_writeback(page)");
  // wake_up_page(page, PG_writeback) (:1607): waiters re-check their condition.
  put_page(L.page);
  yield S_epw_put;
  leave(undefined);
}
