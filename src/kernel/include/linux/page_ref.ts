/**
 * Page reference counts: include/linux/page_ref.h and the get/put helpers of include/linux/mm.h.
 * Every refcount operation is one atomic access to the page's _refcount (its footprint field).
 */
import { model_invariant, VM_BUG_ON, VM_BUG_ON_PAGE } from "../../bug.js";
import { type Page, PF_FREED, PF_REFCOUNT, read_field, write_field } from "./mm_types.js";
import { compound_head } from "./page-flags.js";

const H = "include/linux/page_ref.h";
const AT_98 = { file: H, line: 98 };
const AT_148 = { file: H, line: 148 };
const AT_184 = { file: H, line: 184 };
const AT_185 = { file: H, line: 185 };
const AT_1213 = { file: "include/linux/mm.h", line: 1213 };

/** Use of a freed page: the model's poison check for writes (struct pages outlive frees). */
export function check_not_freed(page: Page, line: number, file: string, what: string): void {
  read_field(page, PF_FREED);
  if (page.freed) model_invariant(false, { file, line }, `${what} on freed page ${page.name}`, page);
}

/** page_ref_count / page_count (page_ref.h:65, 70): one atomic read. */
export function page_ref_count(page: Page): number {
  read_field(page, PF_REFCOUNT);
  return page._refcount;
}

export function page_count(page: Page): number {
  return page_ref_count(compound_head(page));
}

/** page_ref_add (page_ref.h:91). */
export function page_ref_add(page: Page, nr: number): void {
  write_field(page, PF_REFCOUNT);
  check_not_freed(page, 91, H, "page_ref_add");
  page._refcount += nr;
}

/** page_ref_sub (page_ref.h:98). */
export function page_ref_sub(page: Page, nr: number): void {
  write_field(page, PF_REFCOUNT);
  page._refcount -= nr;
  // The message is built only when the invariant fails (these run on every put).
  if (!(page._refcount >= 0)) model_invariant(false, AT_98, `refcount underflow of ${page.name}`, page);
}

/** page_ref_inc (page_ref.h:114). */
export function page_ref_inc(page: Page): void {
  page_ref_add(page, 1);
}

/** page_ref_dec_and_test (page_ref.h:146): true when the count reached 0. */
export function page_ref_dec_and_test(page: Page): boolean {
  write_field(page, PF_REFCOUNT);
  page._refcount -= 1;
  if (!(page._refcount >= 0)) model_invariant(false, AT_148, `refcount underflow of ${page.name}`, page);
  return page._refcount === 0;
}

/** page_ref_add_unless (page_ref.h:164): atomic_add_unless(&_refcount, nr, u). */
export function page_ref_add_unless(page: Page, nr: number, u: number): boolean {
  write_field(page, PF_REFCOUNT);
  if (page._refcount === u) return false;
  check_not_freed(page, 164, H, "page_ref_add_unless");
  page._refcount += nr;
  return true;
}

/** page_ref_freeze (page_ref.h:173): cmpxchg(count → 0). */
export function page_ref_freeze(page: Page, count: number): boolean {
  write_field(page, PF_REFCOUNT);
  if (page._refcount !== count) return false;
  page._refcount = 0;
  return true;
}

/** page_ref_unfreeze (page_ref.h:182–190). */
export function page_ref_unfreeze(page: Page, count: number): void {
  VM_BUG_ON_PAGE(() => page_count(page) !== 0, page, AT_184, "page_count(page) != 0");
  VM_BUG_ON(count === 0, AT_185, "count == 0");
  write_field(page, PF_REFCOUNT);
  page._refcount = count;
}

/** get_page_unless_zero (include/linux/mm.h:757): page_ref_add_unless(page, 1, 0). */
export function get_page_unless_zero(page: Page): boolean {
  return page_ref_add_unless(page, 1, 0);
}

/**
 * get_page (include/linux/mm.h:1206–1215): the caller must already hold a reference;
 * VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page)) at mm.h:1213 catches a get on a frozen or
 * freed page, then page_ref_inc at :1214. Those are two atomic accesses to _refcount. Where another CPU
 * can freeze the page between them (end_page_writeback, which holds neither xa_lock nor the page lock),
 * the caller runs them as two steps: get_page_check, yield, get_page_inc. Everywhere else the caller
 * holds a lock every freezer takes, and the only other writers are puts of references that are not the
 * caller's and lockless increments, which cannot bring the count to zero or near overflow: the check
 * reads the same verdict wherever in the window it runs, so one step is exact (docs/model.md).
 * Without DEBUG_VM the count just goes 0 → 1 (the model flags that later when it is put).
 */
export function get_page(page: Page): void {
  get_page_check(page);
  get_page_inc(page);
}

/** get_page's VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page)) (mm.h:1213); only with DEBUG_VM. */
export function get_page_check(page: Page): void {
  const head = compound_head(page);
  VM_BUG_ON_PAGE(() => page_ref_count(head) + 127 <= 127, head, AT_1213, "page_ref_zero_or_close_to_overflow(page)");
}

/** get_page's page_ref_inc(page) on the head (mm.h:1214). */
export function get_page_inc(page: Page): void {
  const head = compound_head(page);
  write_field(head, PF_REFCOUNT);
  check_not_freed(head, 1214, "include/linux/mm.h", "get_page");
  head._refcount += 1;
}
