/**
 * The page allocator's entry and exit, mm/page_alloc.c (v5.15-rc3 line numbers: 5.15.24's less 2 from :1319
 * on, where eac96c3efdb5 added ClearPageHasHWPoisoned; docs/model.md, "Line numbers").
 *
 * Freeing runs the checks of free_pages_prepare (:1284) / check_free_page (:1203) / page_expected_state
 * (:1157) and, when one fails, bad_page (:621), which in the kernel prints "BUG: Bad page state", taints
 * and leaks the page without stopping. The model ends the execution there with a `bad_page` result: it is
 * the report a developer would see (thread (c) of the seed). With CONFIG_DEBUG_VM off, a page freed to the
 * per-cpu lists (order 0, and THPs: pcp_allowed_order) is checked only when the list is drained
 * (free_pcp_prepare and bulkfree_pcp_prepare, :1406–1417), after its flags were cleared: the model queues it
 * and checks it when the execution ends (`drain_pcp_checks`).
 * Freed pages are poisoned (`freed`), never reused: a later write is caught as use after free.
 */

import { ModelAssertion } from "../../engine/errors.js";
import { rt } from "../../engine/runtime.js";
import { model_invariant, VM_BUG_ON_PAGE } from "../bug.js";
import { kconfig } from "../config.js";
import { newPages, type Page, TAIL_MAPPING, write_all_fields } from "../include/linux/mm_types.js";
import {
  compound_head,
  PAGE_FLAGS_CHECK_AT_FREE,
  PageCompound,
  PageTail,
  PG_head,
} from "../include/linux/page-flags.js";
import { dump_page } from "./debug.js";

const F = "mm/page_alloc.c";

/**
 * Pages whose free-time check the model must still make: freed with CONFIG_DEBUG_VM off through the pcp
 * path, checked when the execution ends as free_pcppages_bulk would.
 */
export const pcpPending: Page[] = [];

/** Hooks that say whether a page is still reachable from a page cache (set by the scenario world). */
export const freeChecks: Array<(page: Page) => string | null> = [];

/**
 * alloc_pages(gfp, order): a fresh page (refcount 1), compound with prep_compound_page when order > 0:
 * head gets PG_head and the order; tails point at the head and carry TAIL_MAPPING (mm/page_alloc.c:731ff).
 */
export function alloc_pages(order: number): Page {
  const n = 1 << order;
  const pages = newPages(n);
  // A fresh page is private to the allocating thread until it is published; its initialisation is in
  // this step's footprint anyway (no other thread can touch these fields, so this adds no dependence).
  for (const p of pages) write_all_fields(p);
  const head = pages[0] as Page;
  head._refcount = 1;
  if (order > 0) {
    head.flags |= 1 << PG_head;
    head.compound_order = order;
    head.subpages = pages;
    for (let i = 1; i < n; i++) {
      const t = pages[i] as Page;
      t.compound_head = head;
      t.mapping = TAIL_MAPPING;
    }
  }
  return head;
}

/** page_expected_state (:1157): mapcount -1, no mapping, refcount 0, no flags in PAGE_FLAGS_CHECK_AT_FREE. */
function page_bad_reason(page: Page): string | null {
  let reason: string | null = null;
  if (page._mapcount !== -1) reason = "nonzero mapcount";
  if (page.mapping !== null) reason = "non-NULL mapping";
  if (page._refcount !== 0) reason = "nonzero _refcount";
  if ((page.flags & PAGE_FLAGS_CHECK_AT_FREE) !== 0) reason = "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
  return reason;
}

/**
 * bad_page (:621): "BUG: Bad page state in process <comm>  pfn:<pfn>" (:647), dump_page, taint.
 * The model stops the execution here so the report comes with every thread's stack.
 */
export function bad_page(page: Page, reason: string): never {
  throw new ModelAssertion({
    kind: "bad_page",
    site: { file: F, line: 647 },
    condition: reason,
    message: `BUG: Bad page state in process ${rt.current.name}  pfn:${page.pfn.toString(16).padStart(5, "0")}`,
    detail: dump_page(page, reason),
    fatal: false,
  });
}

/** check_free_page (:1203). */
function check_free_page(page: Page): void {
  const reason = page_bad_reason(page);
  if (reason !== null) bad_page(page, reason);
}

/** free_tail_pages_check (:1213): with DEBUG_VM, each tail must still look like a tail of this head. */
function free_tail_pages_check(head: Page, page: Page, i: number): void {
  if (kconfig.current.DEBUG_VM) {
    if (i === 1 && head.compound_mapcount !== -1) bad_page(page, "nonzero compound_mapcount");
    if (i > 2 && page.mapping !== TAIL_MAPPING) bad_page(page, "corrupted mapping in tail page");
    if (page.compound_head === null) bad_page(page, "PageTail not set");
    if (page.compound_head !== head) bad_page(page, "compound_head not consistent");
  }
  page.mapping = null;
  page.compound_head = null;
}

/**
 * free_pages_prepare (:1284): VM_BUG_ON_PAGE(PageTail) (:1290); for order > 0 every tail is checked
 * (:1313–1325) and its flags cleared; the head is checked now when `checkFree` (:1331–1332), else queued
 * for the check the pcp drain makes (bulkfree_pcp_prepare, :1414). Either way, a page that passed has
 * every flag cleared (:1337, PAGE_FLAGS_CHECK_AT_PREP is every page flag but PG_hwpoison, which the model
 * does not have): a deferred check sees only what changed after the free, and a flag still set at the
 * free (PG_writeback, say) goes unreported without DEBUG_VM, as in the kernel.
 */
function free_pages_prepare(page: Page, order: number, checkFree: boolean): void {
  VM_BUG_ON_PAGE(() => PageTail(page), page, { file: F, line: 1290 }, "PageTail(page)");
  if (order > 0) {
    const compound = PageCompound(page);
    const sp = page.subpages ?? [page];
    for (let i = 1; i < 1 << order; i++) {
      const t = sp[i] as Page;
      if (compound) free_tail_pages_check(page, t, i);
      check_free_page(t);
      t.flags = 0; // :1323
    }
  }
  if (checkFree) check_free_page(page);
  else pcpPending.push(page);
  page.flags = 0; // :1337
}

/**
 * pcp_allowed_order (:691): frees of order up to PAGE_ALLOC_COSTLY_ORDER (3), and of pageblock_order (9 on
 * x86-64 with CONFIG_HUGETLB_PAGE, which is HPAGE_PMD_ORDER), go to the per-cpu lists (free_the_page,
 * :702), whose free_pcp_prepare (:1406) defers the head's check to the drain without CONFIG_DEBUG_VM.
 * Scaled THPs of order 2 and 3 (HPAGE_PMD_NR 4 and 8) go that way, as does the real order 9; orders 4–8
 * take __free_pages_ok (:1641), which checks at once.
 */
function pcp_allowed_order(order: number): boolean {
  return order <= PAGE_ALLOC_COSTLY_ORDER || order === PAGEBLOCK_ORDER;
}

const PAGE_ALLOC_COSTLY_ORDER = 3;
const PAGEBLOCK_ORDER = 9;

/** Model invariants at free time: a page must not be freed while a page cache still points at it. */
function check_not_cached(page: Page): void {
  for (const check of freeChecks) {
    const where = check(page);
    if (where !== null) {
      model_invariant(false, { file: F, line: 3388 }, `${page.name} freed while ${where}`, page);
    }
  }
}

/** free_the_page (:702): free_unref_page (:3388) for pcp orders, __free_pages_ok (:1641) for the others. */
export function free_unref_page(page: Page, order: number): void {
  // The free path resets the struct page (and its tails) and poisons it: every field is written.
  write_all_fields(page);
  if (page.subpages !== null) for (const t of page.subpages) write_all_fields(t);
  model_invariant(!page.freed, { file: F, line: 3388 }, `double free of ${page.name}`, page);
  check_not_cached(page);
  // debug_pagealloc is off: with CONFIG_DEBUG_VM the pcp path checks at once too (:1387).
  const checkFree = kconfig.current.DEBUG_VM || !pcp_allowed_order(order);
  free_pages_prepare(page, order, checkFree);
  page.freed = true;
  if (page.subpages !== null) for (const t of page.subpages) t.freed = true;
}

/** free_compound_page (:725) via destroy_compound_page: free_the_page(page, compound_order(page)). */
export function free_compound_page(page: Page): void {
  const head = compound_head(page);
  free_unref_page(head, head.compound_order);
}

/**
 * The deferred checks (bulkfree_pcp_prepare, :1414) made when the execution ends, as free_pcppages_bulk
 * would make them when the pcp list drains (:1487).
 */
export function drain_pcp_checks(): void {
  for (const p of pcpPending.splice(0)) {
    const reason = page_bad_reason(p);
    if (reason !== null) bad_page(p, reason);
  }
}
