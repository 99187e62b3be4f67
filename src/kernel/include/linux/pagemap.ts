/**
 * include/linux/pagemap.h helpers, and the page lock (mm/filemap.c unlock_page / __lock_page) and
 * writeback wait (mm/page-writeback.c) they rely on.
 *
 * Plain helpers make one racy access (or none) and leave the yield to the calling kernel function, which
 * ends the step at its own C line. lock_page and wait_on_page_writeback block, so they are generators: a
 * thread waiting for a page lock is disabled until the head's PG_locked is clear (PG_waiters and the
 * wait-queue hashing are not modelled: they decide who is woken, not what is possible; see docs/model.md).
 */
import { enter, type Gen, leave, read, waitUntil, write } from "../../../engine/runtime.js";
import { fn, site } from "../../../engine/site.js";
import { VM_BUG_ON_PAGE } from "../../bug.js";
import type { address_space } from "./fs.js";
import { AS_THP_SUPPORT } from "./fs.js";
import { thp_nr_pages } from "./huge_mm.js";
import { nth_page, type Page, PF_COMPOUND, page_index_read, read_field } from "./mm_types.js";
import { check_not_freed, page_ref_add_unless } from "./page_ref.js";
import {
  clear_bit,
  compound_head,
  PageLocked,
  PageTail,
  PageTransTail,
  PG_locked,
  test_and_set_bit,
} from "./page-flags.js";

const H = "include/linux/pagemap.h";
const AT_247 = { file: H, line: 247 };
const AT_1511 = { file: "mm/filemap.c", line: 1511 };

/** mapping_empty (pagemap.h:21): xa_empty(&mapping->i_pages), one lockless read of xa_head. */
export function mapping_empty(mapping: address_space): boolean {
  read(mapping.i_pages.id);
  return mapping.i_pages.xa_head === null;
}

/** mapping_thp_support (pagemap.h:129). */
export function mapping_thp_support(mapping: address_space): boolean {
  return (mapping.flags & AS_THP_SUPPORT) !== 0;
}

/** filemap_nr_thps (pagemap.h:134): atomic_read(&mapping->nr_thps). */
export function filemap_nr_thps(mapping: address_space): number {
  read(mapping.nr_thps_id);
  return mapping.nr_thps;
}

/** filemap_nr_thps_inc (pagemap.h:143): only when the fs has no native THP support (never for shmem). */
export function filemap_nr_thps_inc(mapping: address_space): void {
  if (!mapping_thp_support(mapping)) {
    write(mapping.nr_thps_id);
    mapping.nr_thps++;
  }
}

/** filemap_nr_thps_dec (pagemap.h:153). */
export function filemap_nr_thps_dec(mapping: address_space): void {
  if (!mapping_thp_support(mapping)) {
    write(mapping.nr_thps_id);
    mapping.nr_thps--;
  }
}

/**
 * page_cache_get_speculative (pagemap.h:252) → __page_cache_add_speculative (:219), non-TINY_RCU form:
 * page_ref_add_unless(page, 1, 0) fails on a frozen or freed page; then VM_BUG_ON_PAGE(PageTail) (:247).
 */
export function page_cache_get_speculative(page: Page): boolean {
  if (!page_ref_add_unless(page, 1, 0)) return false;
  VM_BUG_ON_PAGE(() => PageTail(page), page, AT_247, "PageTail(page)");
  return true;
}

/** thp_contains (pagemap.h:447): page_index(head) == index & ~(nr - 1). */
export function thp_contains(head: Page, index: number): boolean {
  return page_index_read(head) === (index & ~(thp_nr_pages(head) - 1));
}

/** find_subpage (pagemap.h:459): head + (index & (nr - 1)); reads only head's flags. */
export function find_subpage(head: Page, index: number): Page {
  return nth_page(head, index & (thp_nr_pages(head) - 1));
}

/** page_to_index (pagemap.h:522): a tail's index is computed from its head. */
export function page_to_index(page: Page): number {
  if (!PageTransTail(page)) return page_index_read(page);
  const head = compound_head(page);
  read_field(head, PF_COMPOUND);
  const off = head.subpages === null ? 0 : head.subpages.indexOf(page);
  return page_index_read(head) + off;
}

/** trylock_page (pagemap.h:612): test_and_set_bit_lock(PG_locked) on the head; one atomic RMW. */
export function trylock_page(page: Page): boolean {
  const head = compound_head(page);
  check_not_freed(head, 615, H, "trylock_page");
  return !test_and_set_bit(PG_locked, head);
}

const FN_lock_page = fn("lock_page", H, 621);
const FN___lock_page = fn("__lock_page", "mm/filemap.c", 1644);
const S_lock_page_try = site(H, 624, "lock_page", "trylock_page(page)");
const S___lock_page_wait = site("mm/filemap.c", 1648, "__lock_page", "sleep until the page is unlocked");
const S___lock_page_got = site("mm/filemap.c", 1648, "__lock_page", "take PG_locked after waking");

/**
 * lock_page (pagemap.h:621): trylock, else __lock_page (filemap.c:1644), which sleeps on the head's
 * PG_locked and takes it when woken. A tail locks its head.
 */
export function* lock_page(page: Page): Gen<void> {
  const L = enter(FN_lock_page, { page, ok: false });
  L.ok = trylock_page(page);
  yield S_lock_page_try;
  if (!L.ok) yield* __lock_page(L.page);
  leave(undefined);
}

/** __lock_page (filemap.c:1644): @__page's head is the page slept on (its locals: `page`, the head). */
function* __lock_page(__page: Page): Gen<void> {
  const L = enter(FN___lock_page, { page: compound_head(__page) });
  for (;;) {
    yield waitUntil(S___lock_page_wait, () => (L.page.flags & (1 << PG_locked)) === 0, `page lock of ${L.page.name}`);
    if (!test_and_set_bit(PG_locked, L.page)) break;
  }
  yield S___lock_page_got;
  leave(undefined);
}

/**
 * unlock_page (filemap.c:1507): on the head; VM_BUG_ON_PAGE(!PageLocked(page)) at :1511; clear PG_locked
 * and wake waiters. One atomic RMW: callers yield after it (a failing trylock elsewhere can observe it).
 */
export function unlock_page(page: Page): void {
  const head = compound_head(page);
  VM_BUG_ON_PAGE(() => !PageLocked(head), head, AT_1511, "!PageLocked(page)");
  check_not_freed(head, 1512, "mm/filemap.c", "unlock_page");
  clear_bit(PG_locked, head);
}
