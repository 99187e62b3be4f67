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
 */
import { describe, expect, it } from "vitest";
import { explore } from "./helpers.js";

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
});
