/**
 * include/linux/mm.h and mm/util.c helpers on mapped state: put_page, page_mapped, page_mapping.
 */
import { VM_BUG_ON_PAGE } from "../../bug.js";
import { __put_page } from "../../mm/swap.js";
import type { address_space } from "./fs.js";
import {
  as_mapping,
  nth_page,
  type Page,
  PF_COMPOUND,
  PF_COMPOUND_MAPCOUNT,
  PF_MAPCOUNT,
  PF_MAPPING,
  page_mapcount_read,
  read_field,
} from "./mm_types.js";
import { page_ref_count, page_ref_dec_and_test } from "./page_ref.js";
import { compound_head, PageCompound, PageTail } from "./page-flags.js";

/** put_page_testzero (mm.h:745): VM_BUG_ON_PAGE(page_ref_count(page) == 0) at :747, then dec-and-test. */
export function put_page_testzero(page: Page): boolean {
  VM_BUG_ON_PAGE(
    () => page_ref_count(page) === 0,
    page,
    { file: "include/linux/mm.h", line: 747 },
    "page_ref_count(page) == 0",
  );
  return page_ref_dec_and_test(page);
}

/**
 * put_page (mm.h:1231): drop a reference on the head; the last one frees the page through __put_page.
 * One atomic access plus, on the last put, the free path (its accesses are all to the now-private page).
 */
export function put_page(page: Page): void {
  const head = compound_head(page);
  if (put_page_testzero(head)) __put_page(head);
}

/**
 * page_mapped (mm/util.c:678): a small page is mapped if _mapcount ≥ 0; a compound page if its
 * compound_mapcount or any subpage's _mapcount is ≥ 0.
 */
export function page_mapped(page: Page): boolean {
  if (!PageCompound(page)) return page_mapcount_read(page) >= 0;
  const head = compound_head(page);
  read_field(head, PF_COMPOUND_MAPCOUNT);
  if (head.compound_mapcount >= 0) return true;
  read_field(head, PF_COMPOUND);
  const n = head.subpages === null ? 1 : head.subpages.length;
  for (let i = 0; i < n; i++) {
    if (page_mapcount_read(nth_page(head, i)) >= 0) return true;
  }
  return false;
}

/** page_mapping (mm/util.c:708): the head's ->mapping for a tail; null for anon (not modelled). */
export function page_mapping(page: Page): address_space | null {
  const head = compound_head(page);
  read_field(head, PF_MAPPING);
  return as_mapping(head.mapping);
}

/** page_mapcount (mm.h:873), for dumps and checks. */
export function page_mapcount(page: Page): number {
  read_field(page, PF_MAPCOUNT);
  const head = compound_head(page);
  read_field(head, PF_COMPOUND_MAPCOUNT);
  return page._mapcount + 1 + (PageTail(page) || page !== head ? head.compound_mapcount + 1 : 0);
}
