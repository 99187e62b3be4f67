/**
 * Report (c): collapse_file() collapses a page still under writeback (rc3 checks only PageDirty,
 * mm/khugepaged.c:1801), freezes it (:1838) and, on success, frees it (:1912) with PG_writeback still
 * set. Expected outcomes, derived from the kernel code:
 *
 * - With no preemption at all: khugepaged runs first and alone, collapses, and its put_page of the old
 *   page reaches free_pages_prepare, whose check_free_page finds PG_writeback in PAGE_FLAGS_CHECK_AT_FREE:
 *   bad_page (mm/page_alloc.c:647), "PAGE_FLAGS_CHECK_AT_FREE flag(s) set" — the report in 74c42e1baacf.
 * - 74c42e1baacf bails out on PageWriteback before trylock: the page is never frozen or freed.
 * - Without CONFIG_DEBUG_VM the order-0 free is not checked at once (free_pcp_prepare, :1408); the bio
 *   completion then runs end_page_writeback on the freed page: its get_page is a use after free, which
 *   the model's poison check reports (the kernel would double-free it on the following put_page).
 * - Every way end_page_writeback's get_page can meet the freeze (exhaustive search): its check
 *   (VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page)), include/linux/mm.h:1213) and its
 *   increment (:1214) are two accesses. Check after the freeze: mm.h:1213 fires, the BUG quoted in
 *   74c42e1baacf. Check before the freeze, increment after it: the count goes 0 → 1, and collapse_file's
 *   page_ref_unfreeze finds it nonzero: VM_BUG_ON_PAGE(page_count(page) != 0) (include/linux/page_ref.h:184).
 *   No preemption: bad_page. 74c42e1baacf bails out before the freeze: none of the three.
 * - Without CONFIG_DEBUG_VM the increment lands on the frozen page unchecked and page_ref_unfreeze
 *   overwrites it, so writeback's reference is lost; the page is then freed to the per-cpu list with
 *   PG_writeback still set, and free_pages_prepare clears every flag without checking (:1339). When the
 *   completion's test_clear_page_writeback finds PG_writeback clear, end_page_writeback calls BUG()
 *   (mm/filemap.c:1604): a plain BUG, not a debug check.
 */
import { describe, expect, it } from "vitest";
import { exhaustiveSites, explore } from "./helpers.js";

const sites = (patches: string[], debugVm = true): string[] =>
  exhaustiveSites("collapse-vs-writeback", patches, debugVm);

describe("collapse-vs-writeback (report (c))", () => {
  it("reports bad_page with no preemption at all", () => {
    const r = explore("collapse-vs-writeback", { bound: 0 });
    expect(r.result).toBe("bug");
    expect(r.kind).toBe("bad_page");
    expect(r.site).toBe("mm/page_alloc.c:647");
    expect(r.condition).toBe("PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
    expect(r.preemptions).toBe(0);
    expect(r.replays).toBe(true);
  });

  it("is closed by 74c42e1baacf within three preemptions", () => {
    const r = explore("collapse-vs-writeback", { bound: 3, patches: ["bail-out-collapse-on-writeback"] });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("damages the kernel without CONFIG_DEBUG_VM: use of the freed page", () => {
    const r = explore("collapse-vs-writeback", { bound: 0, debugVm: false });
    expect(r.result).toBe("bug");
    expect(r.kind).toBe("invariant");
    expect(r.condition).toMatch(/freed page P1/);
  });

  it("reaches both sides of get_page's two accesses against the freeze, and bad_page", () => {
    expect(sites([])).toEqual(["include/linux/mm.h:1213", "include/linux/page_ref.h:184", "mm/page_alloc.c:647"]);
    expect(sites(["landed-5.16"])).toEqual([]);
  });

  it("without CONFIG_DEBUG_VM the lost reference ends in end_page_writeback's BUG()", () => {
    expect(sites([], false)).toContain("mm/filemap.c:1604");
    expect(sites(["landed-5.16"], false)).toEqual([]);
  });
});
