/**
 * mm/khugepaged.c: collapse_file(), khugepaged's collapse of HPAGE_PMD_NR small page-cache pages of a
 * regular file (CONFIG_READ_ONLY_THP_FOR_FS) or a tmpfs file into one THP, and its rollback.
 *
 * Line numbers are v5.15-rc3 (rc3; 5.15.24 −8): derived from 5.15.24 as rc3 = L − 3 for L ≤ 1768,
 * L − 7 for 1773..1808 and L − 8 for L ≥ 1810 (kernel-spec/khugepaged-and-races.md §0). 5.15.24's lines
 * 1769–1772 (the early PageWriteback bail-out) do not exist in rc3, and rc3's later check (:1801) tests
 * PageDirty only; patch `bail-out-collapse-on-writeback` (74c42e1baacf) adds both, and its sites cite the
 * 5.15.24 line of the bail-out.
 *
 * Lock ordering, as collapse_file nests them: new_page's page lock (taken with __SetPageLocked before any
 * slot points at it, held to the end) → an old page's lock (trylock, under xa_lock) → i_pages xa_lock;
 * i_mmap_rwsem (unmap_mapping_pages) is taken with the old page locked and xa_lock dropped.
 */
import { enter, enterFn, type Gen, leave, note } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { VM_BUG_ON, VM_BUG_ON_PAGE } from "../bug.js";
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, IS_ENABLED_DEBUG_VM, kconfig, patched } from "../config.js";
import { allow_write_access, deny_write_access, type file } from "../fs/open.js";
import { type address_space, inode_is_open_for_write } from "../include/linux/fs.js";
import { thp_nr_pages } from "../include/linux/huge_mm.js";
import { page_mapped, page_mapping, put_page } from "../include/linux/mm.js";
import {
  type Page,
  PF_INDEX,
  PF_MAPPING,
  page_index_read,
  read_field,
  write_field,
} from "../include/linux/mm_types.js";
import { get_page, page_ref_add, page_ref_freeze, page_ref_unfreeze } from "../include/linux/page_ref.js";
import {
  __SetPageLocked,
  __SetPageSwapBacked,
  ClearPageActive,
  ClearPageUnevictable,
  PageDirty,
  PageLocked,
  PagePrivate,
  PageTransCompound,
  PageUptodate,
  PageWriteback,
  PG_private_2,
  SetPageDirty,
  SetPageUptodate,
  test_bit,
} from "../include/linux/page-flags.js";
import { filemap_nr_thps_dec, filemap_nr_thps_inc, trylock_page, unlock_page } from "../include/linux/pagemap.js";
import { shmem_file } from "../include/linux/shmem_fs.js";
import {
  XA_STATE_ORDER,
  type XaEntry,
  xa_is_value,
  type xa_state,
  xas_create_range,
  xas_find,
  xas_load,
  xas_lock_irq,
  xas_next,
  xas_next_entry,
  xas_pause,
  xas_set,
  xas_store,
  xas_unlock_irq,
} from "../lib/xarray.js";
import { unmap_mapping_pages } from "./memory.js";
import { alloc_pages } from "./page_alloc.js";
import { shmem_charge, shmem_uncharge } from "./shmem.js";
import { lru_cache_add } from "./swap.js";
import { isolate_lru_page, putback_lru_page } from "./vmscan.js";

const F = "mm/khugepaged.c";
const at = (line: number) => ({ file: F, line });

// ===== enum scan_result (mm/khugepaged.c:26–54): the values collapse_file can return =====

export const SCAN_FAIL = 0;
export const SCAN_SUCCEED = 1;
export const SCAN_PAGE_COUNT = 12;
export const SCAN_PAGE_LOCK = 14;
export const SCAN_PAGE_COMPOUND = 16;
export const SCAN_DEL_PAGE_LRU = 22;
export const SCAN_ALLOC_HUGE_PAGE_FAIL = 23;
export const SCAN_CGROUP_CHARGE_FAIL = 24;
export const SCAN_TRUNCATED = 25;
export const SCAN_PAGE_HAS_PRIVATE = 26;
/** Added by Song Liu's proposal (patch `deny-write-access-in-collapse`); not in any kernel. */
export const SCAN_BUSY_WRITE = 27;

const SCAN_NAMES: Readonly<Record<number, string>> = {
  [SCAN_FAIL]: "SCAN_FAIL",
  [SCAN_SUCCEED]: "SCAN_SUCCEED",
  [SCAN_PAGE_COUNT]: "SCAN_PAGE_COUNT",
  [SCAN_PAGE_LOCK]: "SCAN_PAGE_LOCK",
  [SCAN_PAGE_COMPOUND]: "SCAN_PAGE_COMPOUND",
  [SCAN_DEL_PAGE_LRU]: "SCAN_DEL_PAGE_LRU",
  [SCAN_ALLOC_HUGE_PAGE_FAIL]: "SCAN_ALLOC_HUGE_PAGE_FAIL",
  [SCAN_CGROUP_CHARGE_FAIL]: "SCAN_CGROUP_CHARGE_FAIL",
  [SCAN_TRUNCATED]: "SCAN_TRUNCATED",
  [SCAN_PAGE_HAS_PRIVATE]: "SCAN_PAGE_HAS_PRIVATE",
  [SCAN_BUSY_WRITE]: "SCAN_BUSY_WRITE",
};

/** The enum name of a scan result, as the mm_khugepaged_scan_file tracepoint prints it. */
export function scan_result_name(result: number): string {
  return SCAN_NAMES[result] ?? `scan_result(${result})`;
}

/** `struct page **hpage`: khugepaged's preallocated (or left-over) huge page, passed by reference. */
export interface HPage {
  page: Page | null;
}

/** The candidate patch that adds 5.15.24's writeback checks (src/kernel/patches/). */
const BAIL_OUT_ON_WRITEBACK = "bail-out-collapse-on-writeback";
/** Song Liu's proposal: collapse_file holds write access denied while it runs (src/kernel/patches/). */
const DENY_WRITE = "deny-write-access-in-collapse";
/** Hugh Dickins' aside: roll back from end - 1 down to start (src/kernel/patches/). */
const REVERSE_ROLLBACK = "reverse-collapse-rollback";

// ===== allocation =====

/**
 * khugepaged_alloc_page - allocate the huge page for a collapse (CONFIG_NUMA form)
 * @hpage: must be empty (VM_BUG_ON_PAGE(*hpage) at mm/khugepaged.c:879); receives the page
 *
 * Return: an order-HPAGE_PMD_ORDER compound page with refcount 1 (the *hpage reference), its tails
 * pointing at it with TAIL_MAPPING in ->mapping (prep_compound_page); prep_transhuge_page's deferred
 * list and destructor are not modelled.
 * C: mm/khugepaged.c:877–891 (rc3; 5.15.24 880–894). Model: plain; the page is private until stored.
 * Allocation never fails in the model, so SCAN_ALLOC_HUGE_PAGE_FAIL is not reached.
 */
function khugepaged_alloc_page(hpage: HPage): Page {
  const old = hpage.page;
  if (old !== null) VM_BUG_ON_PAGE(() => true, old, at(879), "*hpage");
  const page = alloc_pages(HPAGE_PMD_ORDER());
  page.name = "N";
  page.subpages?.forEach((p, i) => {
    if (i > 0) p.name = `N+${i}`;
  });
  hpage.page = page;
  return page;
}

// ===== collapse_file =====

/** collapse_file's locals: everything that steers it across a yield. */
interface CollapseLocals {
  /** The file collapsed (allow_write_access at the end, patch deny-write-access-in-collapse). */
  readonly file: file;
  /** khugepaged's huge page slot, emptied on success (:1930). */
  readonly hpage: HPage;
  readonly mapping: address_space;
  readonly start: number;
  /** start + HPAGE_PMD_NR (exclusive). */
  readonly end: number;
  readonly is_shmem: boolean;
  readonly xas: xa_state;
  /** deny_write_access(file) failed (patch deny-write-access-in-collapse). */
  denied: boolean;
  new_page: Page | null;
  index: number;
  /** The entry of the slot being worked on (a page, a value entry, or null). */
  page: XaEntry;
  /** Old pages, frozen and locked, in ascending index order (C: pagelist, linked through page->lru). */
  readonly pagelist: Page[];
  /** Holes filled with new_page (shmem only). */
  nr_none: number;
  result: number;
  /** page_mapped(page) as read at :1823 (false again once unmap_mapping_pages is called). */
  mapped: boolean;
  nr: number;
}

const FN_collapse_file = fn("collapse_file", F, 1635);
const S_cf_shmem_uptodate = site(F, 1720, "collapse_file", "xa_is_value(page) || !PageUptodate(page)");
const S_cf_shmem_trylock = site(F, 1728, "collapse_file", "trylock_page(page)");
const S_cf_shmem_get = site(F, 1730, "collapse_file", "get_page(page); xas_unlock_irq(&xas)");
const S_cf_hole = site(F, 1737, "collapse_file", "xas_unlock_irq: hole or shadow entry (readahead)");
const S_cf_dirty = site(F, 1748, "collapse_file", "PageDirty(page)");
const S_cf_wb_bail = site(F, 1769, "collapse_file", "PageWriteback(page) (74c42e1baacf; 5.15.24 line)");
const S_cf_trylock = site(F, 1766, "collapse_file", "trylock_page(page)");
const S_cf_get = site(F, 1768, "collapse_file", "get_page(page); xas_unlock_irq(&xas)");
const S_cf_dirty_wb = site(F, 1801, "collapse_file", "PageDirty(page) [|| PageWriteback(page)]");
const S_cf_isolate = site(F, 1811, "collapse_file", "isolate_lru_page(page)");
const S_cf_mapped = site(F, 1823, "collapse_file", "page_mapped(page)");
const S_cf_freeze = site(F, 1838, "collapse_file", "page_ref_freeze(page, 3)");
const S_cf_putback = site(F, 1841, "collapse_file", "putback_lru_page(page)");
const S_cf_out_unlock = site(F, 1855, "collapse_file", "out_unlock: unlock_page(page)");
const S_cf_out_put = site(F, 1856, "collapse_file", "out_unlock: put_page(page)");
const S_cf_nr_thps_inc = site(F, 1865, "collapse_file", "filemap_nr_thps_inc(mapping)");
const S_cf_open_for_write = site(F, 1873, "collapse_file", "inode_is_open_for_write(mapping->host)");
const S_cf_nr_thps_dec = site(F, 1876, "collapse_file", "filemap_nr_thps_dec(mapping); xas_unlock_irq");
const S_cf_xa_unlock = site(F, 1888, "collapse_file", "xa_locked: xas_unlock_irq(&xas)");
const S_cf_old_mapping = site(F, 1907, "collapse_file", "page->mapping = NULL (old page)");
const S_cf_old_unfreeze = site(F, 1908, "collapse_file", "page_ref_unfreeze(page, 1)");
const S_cf_old_clear = site(F, 1909, "collapse_file", "ClearPageActive(page); ClearPageUnevictable(page)");
const S_cf_old_unlock = site(F, 1911, "collapse_file", "unlock_page(page) (old page)");
const S_cf_old_put = site(F, 1912, "collapse_file", "put_page(page): free the old page");
const S_cf_uptodate = site(F, 1920, "collapse_file", "SetPageUptodate(new_page)");
const S_cf_ref_add = site(F, 1921, "collapse_file", "page_ref_add(new_page, HPAGE_PMD_NR - 1)");
const S_cf_set_dirty = site(F, 1923, "collapse_file", "set_page_dirty(new_page)");
const S_cf_lru_add = site(F, 1924, "collapse_file", "lru_cache_add(new_page)");
const S_cf_unlock_new = site(F, 1974, "collapse_file", "unlock_page(new_page)");
// Patch deny-write-access-in-collapse: lines of Song Liu's patched file (hunks @@ -1652,6 +1653,11 @@
// and @@ -1976,6 +1969,7 @@).
const S_cf_deny = site(F, 1656, "collapse_file", "deny_write_access(file) (Song Liu)");
const S_cf_allow = site(F, 1972, "collapse_file", "allow_write_access(file) (Song Liu)");

/**
 * collapse_file - collapse a file's or tmpfs file's small pages into one huge page
 * @_mm: the mm whose scan found the range (only for memcg charging, which is not modelled)
 * @file: the file; its f_inode->i_mapping is the mapping collapsed (shmem if it is a tmpfs mapping)
 * @start: first index of the range, HPAGE_PMD_NR-aligned (VM_BUG_ON at :1650)
 * @hpage: khugepaged's huge page slot: must be empty; left holding new_page when the collapse fails
 *
 * Allocates new_page and, under xa_lock, pre-creates every slot of the range, then locks new_page and
 * sets its index and mapping before any slot points at it. For each index in turn it takes the old page
 * (trylock under xa_lock, then a pin), drops xa_lock, checks it, isolates it from the LRU, unmaps it,
 * retakes xa_lock, freezes its refcount at 3 (pin + page cache + isolation) and stores new_page (the
 * head, at every index) in its slot. shmem holes are filled with new_page too (nr_none). With every slot
 * replaced, a regular file's mapping->nr_thps is raised and the file is checked for writers (:1873,
 * paired with do_dentry_open's smp_mb). On success the old pages are freed (put_page, reaching the
 * free-time checks: bad_page when PG_writeback is still set, race (c)) and new_page gets the page
 * cache's HPAGE_PMD_NR references; otherwise collapse_file_rollback puts the old pages back. new_page
 * stays locked until the very end (:1974).
 *
 * Context: process context (khugepaged); sleeps in unmap_mapping_pages; takes and drops xa_lock.
 * Return: the scan result, SCAN_SUCCEED or the reason for giving up.
 * C: mm/khugepaged.c:1635–1980 (rc3; 5.15.24 1638–1988).
 * Model: yields after each racy access: every slot read and store (inside the XArray calls), each old
 * page's trylock, pin, flag checks, isolation, mapcount read, freeze and, on success, each of its
 * teardown accesses; nr_thps and i_writecount accesses; each step of the rollback. Each xa_lock release
 * ends the step it is in. Not modelled, each loudly: shmem_getpage for a swapped-out or !Uptodate shmem
 * page and readahead/find_lock_page for a hole in a regular file both give SCAN_FAIL after dropping
 * xa_lock (the built-in scenarios have neither); a page with fs-private data (page_has_private) throws a
 * model error. filemap_flush is a no-op (no writeback is started); memcg, vmstat counters, data copies
 * and retract_page_tables (no page tables) are left out.
 */
export function* collapse_file(_mm: unknown, file: file, start: number, hpage: HPage): Gen<number> {
  const mapping = file.f_inode.i_mapping;
  const L = enter<CollapseLocals>(FN_collapse_file, {
    file,
    hpage,
    mapping,
    start,
    end: start + HPAGE_PMD_NR(),
    is_shmem: shmem_file(file),
    xas: XA_STATE_ORDER(mapping.i_pages, start, HPAGE_PMD_ORDER()),
    denied: false,
    new_page: null,
    index: start,
    page: null,
    pagelist: [],
    nr_none: 0,
    result: SCAN_SUCCEED,
    mapped: false,
    nr: 0,
  });
  VM_BUG_ON(
    !kconfig.current.READ_ONLY_THP_FOR_FS && !L.is_shmem,
    at(1649),
    "!IS_ENABLED(CONFIG_READ_ONLY_THP_FOR_FS) && !is_shmem",
  );
  VM_BUG_ON((start & (HPAGE_PMD_NR() - 1)) !== 0, at(1650), "start & (HPAGE_PMD_NR - 1)");

  if (patched(DENY_WRITE)) {
    // Song Liu (27 Sep 2021), before the allocation: refuse while the file is open for write; otherwise
    // hold write access denied until the end, so writers' opens fail with -ETXTBSY meanwhile.
    L.denied = deny_write_access(L.file) !== 0;
    note(() => (L.denied ? "deny_write_access fails: the file is open for write" : "write access denied"));
    yield S_cf_deny;
    if (L.denied) return leave(SCAN_BUSY_WRITE);
  }

  // new_page is an alias of L.new_page, which is never reassigned after this.
  const new_page = khugepaged_alloc_page(L.hpage); // :1655
  L.new_page = new_page;
  // mem_cgroup_charge (:1661): memcg is not modelled and never fails.

  // :1668–1678. xas_create_range never fails in the model (no xas_nomem retry).
  yield* xas_lock_irq(L.xas);
  yield* xas_create_range(L.xas);

  // :1680–1684: new_page is still private (no slot points at it), so these plain stores fold in.
  __SetPageLocked(new_page);
  if (L.is_shmem) __SetPageSwapBacked(new_page);
  write_field(new_page, PF_INDEX);
  write_field(new_page, PF_MAPPING);
  new_page.index = L.start;
  new_page.mapping = L.mapping;

  xas_set(L.xas, L.start); // :1692
  for (L.index = L.start; L.index < L.end; L.index++) {
    L.page = yield* xas_next(L.xas); // :1694, xa_lock held
    VM_BUG_ON(L.index !== L.xas.xa_index, at(1696), "index != xas.xa_index");
    if (L.is_shmem) {
      if (L.page === null) {
        // A hole (:1698–1717).
        if (L.index === L.start) {
          if ((yield* xas_next_entry(L.xas, L.end - 1)) === null) {
            L.result = SCAN_TRUNCATED; // :1706: the whole extent is gone
            xas_unlock_irq(L.xas);
            yield S_cf_xa_unlock;
            break;
          }
          xas_set(L.xas, L.index);
        }
        if (!shmem_charge(L.mapping.host, 1)) {
          L.result = SCAN_FAIL; // :1712 (never: the model sets no size limit)
          xas_unlock_irq(L.xas);
          yield S_cf_xa_unlock;
          break;
        }
        yield* xas_store(L.xas, new_page); // :1715
        L.nr_none++;
        continue;
      }
      if (xa_is_value(L.page) || !PageUptodate(L.page as Page)) {
        // :1720–1727: shmem_getpage(SGP_NOALLOC) would swap the page in or instantiate it; not
        // modelled: give up as if it had failed.
        xas_unlock_irq(L.xas);
        L.result = SCAN_FAIL;
      }
      yield S_cf_shmem_uptodate;
      if (L.result !== SCAN_SUCCEED) break;
      if (!trylock_page(L.page as Page)) {
        L.result = SCAN_PAGE_LOCK; // :1732, goto xa_locked
        xas_unlock_irq(L.xas);
      }
      yield S_cf_shmem_trylock;
      if (L.result !== SCAN_SUCCEED) break;
      get_page(L.page as Page);
      xas_unlock_irq(L.xas);
      yield S_cf_shmem_get;
    } else {
      if (L.page === null || xa_is_value(L.page)) {
        // :1736–1747: page_cache_sync_readahead + find_lock_page would read the page in; not
        // modelled: give up as if find_lock_page had found nothing.
        xas_unlock_irq(L.xas);
        L.result = SCAN_FAIL;
        yield S_cf_hole;
        break;
      }
      const p = L.page as Page;
      if (PageDirty(p)) {
        // :1748–1765: filemap_flush(mapping) would start async writeback; the model starts none.
        xas_unlock_irq(L.xas);
        L.result = SCAN_FAIL;
      }
      yield S_cf_dirty;
      if (L.result !== SCAN_SUCCEED) break;
      if (patched(BAIL_OUT_ON_WRITEBACK)) {
        // 5.15.24 :1769–1772 (74c42e1baacf), absent in rc3.
        if (PageWriteback(p)) {
          xas_unlock_irq(L.xas);
          L.result = SCAN_FAIL;
        }
        yield S_cf_wb_bail;
        if (L.result !== SCAN_SUCCEED) break;
      }
      if (!trylock_page(p)) {
        L.result = SCAN_PAGE_LOCK; // :1770, goto xa_locked
        xas_unlock_irq(L.xas);
      }
      yield S_cf_trylock;
      if (L.result !== SCAN_SUCCEED) break;
      get_page(p);
      xas_unlock_irq(L.xas);
      yield S_cf_get;
    }

    // From here xa_lock is not held; the page is locked and pinned. Its ->mapping, index, compound
    // state and PG_uptodate are stable under the page lock, so those reads fold into the next step.
    const page = L.page as Page;
    // biome-ignore lint/suspicious/noConfusingLabels: the C's `goto out_unlock`, kept as a labelled block
    out_unlock: {
      VM_BUG_ON_PAGE(() => !PageLocked(page), page, at(1779), "!PageLocked(page)");
      if (!PageUptodate(page)) {
        L.result = SCAN_FAIL; // :1783
        break out_unlock;
      }
      if (PageTransCompound(page)) {
        L.result = SCAN_PAGE_COMPOUND; // :1792
        break out_unlock;
      }
      if (page_mapping(page) !== L.mapping) {
        L.result = SCAN_TRUNCATED; // :1797
        break out_unlock;
      }
      if (!L.is_shmem) {
        // :1801; PG_dirty and PG_writeback can change without the page lock (end_page_writeback).
        if (PageDirty(page) || (patched(BAIL_OUT_ON_WRITEBACK) && PageWriteback(page))) L.result = SCAN_FAIL;
        yield S_cf_dirty_wb;
        if (L.result !== SCAN_SUCCEED) break out_unlock;
      }
      // :1811. Its TestClearPageLRU and get_page share a step: the only other isolator is collapse_file
      // (under the page lock), and the get commutes with other CPUs' gets and puts while our pin holds.
      if (isolate_lru_page(page) !== 0) L.result = SCAN_DEL_PAGE_LRU;
      yield S_cf_isolate;
      if (L.result !== SCAN_SUCCEED) break out_unlock;
      if (PagePrivate(page) || test_bit(PG_private_2, page)) {
        // :1816 page_has_private && !try_to_release_page: fs-private data is not modelled.
        throw new Error(`collapse_file: ${page.name} has fs-private data (page_has_private); not modelled`);
      }
      L.mapped = page_mapped(page); // :1823; zaps drop mappings without the page lock
      yield S_cf_mapped;
      if (L.mapped) {
        L.mapped = false; // dead from here on
        yield* unmap_mapping_pages(L.mapping, L.index, 1, false); // :1824
      }

      yield* xas_lock_irq(L.xas); // :1826
      xas_set(L.xas, L.index);
      if (IS_ENABLED_DEBUG_VM()) {
        const cur = yield* xas_load(L.xas);
        VM_BUG_ON_PAGE(() => cur !== page, page, at(1829), "page != xas_load(&xas)");
      }
      VM_BUG_ON_PAGE(() => page_mapped(page), page, at(1830), "page_mapped(page)");
      // :1838: pin + page cache + isolate_lru_page; any other reference makes the freeze fail.
      if (!page_ref_freeze(page, 3)) {
        L.result = SCAN_PAGE_COUNT;
        xas_unlock_irq(L.xas);
      }
      yield S_cf_freeze;
      if (L.result !== SCAN_SUCCEED) {
        // putback_lru_page's PG_lru set and put share a step: in the model only collapse_file isolates
        // pages, under the page lock we hold, and our pin keeps the page from a final put in between.
        putback_lru_page(page);
        yield S_cf_putback;
        break out_unlock;
      }
      L.pagelist.push(page); // :1849 list_add_tail(&page->lru, &pagelist)
      yield* xas_store(L.xas, new_page); // :1852
      continue;
    }
    // out_unlock (:1854–1857), then goto xa_unlocked.
    unlock_page(page);
    yield S_cf_out_unlock;
    put_page(page);
    yield S_cf_out_put;
    break;
  }
  L.page = null; // dead: success and rollback set it per old page

  if (L.result === SCAN_SUCCEED) {
    // The loop ran to the end: xa_lock is held and every slot of the range points at new_page.
    L.nr = thp_nr_pages(new_page); // :1859
    if (L.is_shmem) {
      // __mod_lruvec_page_state(NR_SHMEM_THPS) (:1862): statistics only.
      xas_unlock_irq(L.xas); // xa_locked (:1888)
      yield S_cf_xa_unlock;
    } else {
      filemap_nr_thps_inc(L.mapping); // :1865
      yield S_cf_nr_thps_inc;
      if (patched(DENY_WRITE)) {
        // Song Liu's diff deletes the smp_mb and the open-for-write check (:1866–1878): with write
        // access denied no writer can be open. nr_none statistics (:1881), xa_locked (:1888).
        xas_unlock_irq(L.xas);
        yield S_cf_xa_unlock;
      } else {
        // smp_mb() (:1872) pairs with do_dentry_open's; sequential consistency needs nothing more.
        if (inode_is_open_for_write(L.mapping.host)) {
          L.result = SCAN_FAIL; // :1873
          note(() => "the file is open for write: SCAN_FAIL, roll back");
        } else xas_unlock_irq(L.xas); // nr_none statistics (:1881), xa_locked (:1888)
        yield S_cf_open_for_write;
        if (L.result !== SCAN_SUCCEED) {
          filemap_nr_thps_dec(L.mapping); // :1876, goto xa_locked
          xas_unlock_irq(L.xas);
          yield S_cf_nr_thps_dec;
        }
      }
    }
  }

  // xa_unlocked (:1889).
  if (L.result === SCAN_SUCCEED) {
    yield* collapse_file_success(L);
  } else {
    yield* collapse_file_rollback(L);
  }

  unlock_page(new_page); // :1974
  note(
    () =>
      `unlock_page(${new_page.name}): the collapse is over (${L.result === SCAN_SUCCEED ? "success" : "rolled back"})`,
  );
  yield S_cf_unlock_new;
  // out (:1975)
  VM_BUG_ON(L.pagelist.length !== 0, at(1976), "!list_empty(&pagelist)");
  // mem_cgroup_uncharge(*hpage) (:1978): memcg is not modelled.
  if (patched(DENY_WRITE)) {
    allow_write_access(L.file); // Song Liu: after out:, on every path that denied
    yield S_cf_allow;
  }
  return leave(L.result);
}

const FN_collapse_file_success = fn("collapse_file_success", F, 1891);

/*
 * collapse_file_success - collapse_file's success branch (:1891–1932), split out for the model (no C
 * function of this name). Frees every old page and makes new_page the page cache's: uptodate, with one
 * reference per slot, on the LRU. Data copies (copy_highpage/clear_highpage) are not modelled.
 * Each old page is frozen, locked and in no slot; a lockless reader that loaded it before the store at
 * :1852 may still try page_cache_get_speculative, which succeeds once the page is unfrozen (:1908) and
 * then sees the slot changed: its put may be the one that frees the page. end_page_writeback (race (c))
 * may also be running on it. So each access to an old page is its own step.
 */
function* collapse_file_success(L: CollapseLocals): Gen<void> {
  enterFn(FN_collapse_file_success);
  const new_page = L.new_page as Page;
  L.index = L.start;
  while (L.pagelist.length > 0) {
    const page = L.pagelist[0] as Page;
    // while (index < page->index) clear_highpage(...): data is not modelled.
    L.index = page_index_read(page);
    // copy_highpage(new_page + (page->index % HPAGE_PMD_NR), page): data is not modelled.
    L.pagelist.shift(); // list_del (:1906)
    L.page = page;
    write_field(page, PF_MAPPING);
    page.mapping = null; // :1907
    yield S_cf_old_mapping;
    page_ref_unfreeze(page, 1); // :1908
    yield S_cf_old_unfreeze;
    // Nobody reads PG_active/PG_unevictable between the two clears (only a final put would): one step.
    ClearPageActive(page);
    ClearPageUnevictable(page);
    yield S_cf_old_clear;
    unlock_page(page); // :1911
    yield S_cf_old_unlock;
    put_page(page); // :1912: normally the last reference; free-time checks (bad_page) run here
    yield S_cf_old_put;
    L.index++;
  }
  L.page = null;
  L.index = L.end; // trailing clear_highpage loop (:1915–1918)
  SetPageUptodate(new_page); // :1920
  yield S_cf_uptodate;
  page_ref_add(new_page, HPAGE_PMD_NR() - 1); // :1921
  yield S_cf_ref_add;
  if (L.is_shmem) {
    SetPageDirty(new_page); // :1923 set_page_dirty → __set_page_dirty_no_writeback
    yield S_cf_set_dirty;
  }
  lru_cache_add(new_page); // :1924
  yield S_cf_lru_add;
  // retract_page_tables(mapping, start) (:1929): the model keeps no page tables.
  L.hpage.page = null; // :1930
  leave(undefined);
}

const FN_collapse_file_rollback = fn("collapse_file_rollback", F, 1933);
const S_rb_unfreeze = site(F, 1960, "collapse_file_rollback", "page_ref_unfreeze(page, 2)");
const S_rb_xa_unlock = site(F, 1963, "collapse_file_rollback", "xas_pause(&xas); xas_unlock_irq(&xas)");
const S_rb_unlock_page = site(F, 1964, "collapse_file_rollback", "unlock_page(page) (old page)");
const S_rb_putback = site(F, 1965, "collapse_file_rollback", "putback_lru_page(page)");
const S_rb_done_unlock = site(F, 1969, "collapse_file_rollback", "xas_unlock_irq(&xas) after the rollback");
const S_rb_mapping = site(F, 1971, "collapse_file_rollback", "new_page->mapping = NULL");

/*
 * collapse_file_rollback - collapse_file's failure branch, split out for the model (no C function of
 * this name; mm/khugepaged.c:1933–1972, "roll back page cache changes").
 *
 * Walks the range in ascending order with xas_for_each, putting each old page back in its slot and each
 * shmem hole back to NULL; the slot's own content is ignored (the loop variable is overwritten with the
 * head of pagelist). xa_lock is dropped and retaken after each old page restored (not after a hole), so
 * other CPUs see restored small pages below slots that still hold new_page: locked, !Uptodate, ->mapping
 * still set, ->index == start. Note: race (b) lives in that window. new_page->mapping is cleared only
 * after the walk and after xa_lock is dropped (:1971); the caller unlocks new_page (:1974).
 * Context: entered and left with xa_lock not held.
 * Model: the XArray calls' steps, one step for each old page's unfreeze, one for the lock drop, one each
 * for unlock_page and putback_lru_page; one for the final unlock and one for the ->mapping store.
 */
function* collapse_file_rollback(L: CollapseLocals): Gen<void> {
  // index: the reversed walk's cursor (patch reverse-collapse-rollback only).
  const R = enter(FN_collapse_file_rollback, { entry: null as XaEntry, index: 0 });
  const new_page = L.new_page as Page;
  yield* xas_lock_irq(L.xas); // :1937
  L.mapping.nrpages -= L.nr_none; // :1938, under xa_lock
  if (L.is_shmem) shmem_uncharge(L.mapping.host, L.nr_none); // :1941

  if (patched(REVERSE_ROLLBACK)) {
    // Hugh Dickins' aside (30 Sep 2021): the same walk in the opposite direction. Replaces :1943–1945:
    // from the highest slot the main loop replaced (index - 1, i.e. end - 1 after the open-for-write
    // failure; slots from index up were never touched) down to start, reading each slot, taking the old
    // page from the tail of pagelist (list_last_entry_or_null) and mirroring the hole test (:1947,
    // xa_index > page->index). The per-slot body (:1948–1966) is unchanged, in the same order.
    for (R.index = L.index - 1; R.index >= L.start; R.index--) {
      xas_set(L.xas, R.index);
      R.entry = yield* xas_load(L.xas);
      if (R.entry === null) continue; // xas_for_each visits present entries only
      const page = L.pagelist[L.pagelist.length - 1] ?? null;
      L.page = page;
      if (page !== null) read_field(page, PF_INDEX); // frozen and locked by us: ->index is stable
      if (page === null || L.xas.xa_index > page.index) {
        if (L.nr_none === 0) break; // :1948
        L.nr_none--;
        yield* xas_store(L.xas, null); // :1952: put the hole back
        continue;
      }
      VM_BUG_ON_PAGE(() => page.index !== L.xas.xa_index, page, at(1956), "page->index != xas.xa_index");
      L.pagelist.pop(); // :1959 list_del
      page_ref_unfreeze(page, 2); // :1960
      yield S_rb_unfreeze;
      yield* xas_store(L.xas, page); // :1961
      xas_pause(L.xas); // :1962 (the cursor is re-set at the top of the loop)
      xas_unlock_irq(L.xas); // :1963
      yield S_rb_xa_unlock;
      unlock_page(page); // :1964
      yield S_rb_unlock_page;
      putback_lru_page(page); // :1965
      yield S_rb_putback;
      yield* xas_lock_irq(L.xas); // :1966
    }
  } else {
    xas_set(L.xas, L.start); // :1943
    // xas_for_each(&xas, page, end - 1) (:1944)
    for (
      R.entry = yield* xas_find(L.xas, L.end - 1);
      R.entry !== null;
      R.entry = yield* xas_next_entry(L.xas, L.end - 1)
    ) {
      const page = L.pagelist[0] ?? null; // :1945 list_first_entry_or_null
      L.page = page;
      if (page !== null) read_field(page, PF_INDEX); // frozen and locked by us: ->index is stable
      if (page === null || L.xas.xa_index < page.index) {
        if (L.nr_none === 0) break; // :1948
        L.nr_none--;
        yield* xas_store(L.xas, null); // :1952: put the hole back
        continue;
      }
      VM_BUG_ON_PAGE(() => page.index !== L.xas.xa_index, page, at(1956), "page->index != xas.xa_index");
      L.pagelist.shift(); // :1959 list_del
      page_ref_unfreeze(page, 2); // :1960: page cache + isolation; our pin is dropped with the isolation ref
      yield S_rb_unfreeze;
      yield* xas_store(L.xas, page); // :1961
      xas_pause(L.xas); // :1962
      xas_unlock_irq(L.xas); // :1963
      yield S_rb_xa_unlock;
      unlock_page(page); // :1964
      yield S_rb_unlock_page;
      putback_lru_page(page); // :1965 (flag set and put in one step, as in collapse_file)
      yield S_rb_putback;
      yield* xas_lock_irq(L.xas); // :1966
    }
  }
  L.page = null;
  R.entry = null;
  R.index = 0;
  VM_BUG_ON(L.nr_none !== 0, at(1968), "nr_none");
  xas_unlock_irq(L.xas); // :1969
  yield S_rb_done_unlock;

  write_field(new_page, PF_MAPPING);
  new_page.mapping = null; // :1971
  yield S_rb_mapping;
  leave(undefined);
}
