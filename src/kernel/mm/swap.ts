/**
 * mm/swap.c: the last put of a page, LRU add, pagevec release.
 * LRU lists themselves are not modelled: PG_lru is (it is what free-time checks and isolate_lru_page see).
 * lru_cache_add puts the page on the LRU at once, without the per-cpu pagevec and its temporary reference
 * (see docs/model.md).
 */
import { VM_BUG_ON_PAGE } from "../bug.js";
import type { Page } from "../include/linux/mm_types.js";
import {
  ClearPageActive,
  ClearPageLRU,
  ClearPageUnevictable,
  PageCompound,
  PageLRU,
  SetPageLRU,
} from "../include/linux/page-flags.js";
import { free_compound_page, free_unref_page } from "./page_alloc.js";

/** __page_cache_release (swap.c:80): off the LRU (clears PG_lru and the LRU flags). */
export function __page_cache_release(page: Page): void {
  if (PageLRU(page)) {
    ClearPageLRU(page);
    ClearPageActive(page);
    ClearPageUnevictable(page);
  }
}

/** __put_single_page (swap.c:94). */
function __put_single_page(page: Page): void {
  __page_cache_release(page);
  free_unref_page(page, 0);
}

/** __put_compound_page (swap.c:101): release, then destroy_compound_page → free_compound_page. */
export function __put_compound_page(page: Page): void {
  __page_cache_release(page);
  free_compound_page(page);
}

/** __put_page (swap.c:114). */
export function __put_page(page: Page): void {
  if (PageCompound(page)) __put_compound_page(page);
  else __put_single_page(page);
}

/** lru_cache_add (swap.c:442): VM_BUG_ON_PAGE(PageLRU(page)) at :447, then onto the LRU. */
export function lru_cache_add(page: Page): void {
  VM_BUG_ON_PAGE(() => PageLRU(page), page, { file: "mm/swap.c", line: 447 }, "PageLRU(page)");
  SetPageLRU(page);
}
