/** mm/vmscan.c: LRU isolation used by collapse_file. */
import { VM_BUG_ON_PAGE } from "../bug.js";
import { put_page } from "../include/linux/mm.js";
import type { Page } from "../include/linux/mm_types.js";
import { get_page, page_count } from "../include/linux/page_ref.js";
import { TestClearPageLRU } from "../include/linux/page-flags.js";
import { lru_cache_add } from "./swap.js";

/** isolate_lru_page (vmscan.c:2091): take the page off the LRU with a reference; -EBUSY if not on it. */
export function isolate_lru_page(page: Page): number {
  VM_BUG_ON_PAGE(() => page_count(page) === 0, page, { file: "mm/vmscan.c", line: 2095 }, "!page_count(page)");
  if (TestClearPageLRU(page)) {
    get_page(page);
    return 0;
  }
  return -16; // -EBUSY
}

/** putback_lru_page (vmscan.c:1217): back on the LRU, drop the isolation reference. */
export function putback_lru_page(page: Page): void {
  lru_cache_add(page);
  put_page(page);
}
