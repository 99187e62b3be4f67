/**
 * Freeing: free_the_page (mm/page_alloc.c:702) and free_pages_prepare (:1284) as 5.15 does them.
 * - A page that passes its checks has every flag cleared (:1339; PAGE_FLAGS_CHECK_AT_PREP is every page
 *   flag but PG_hwpoison).
 * - Without CONFIG_DEBUG_VM, a free to the per-cpu lists (pcp_allowed_order, :691: order ≤ 3, or
 *   pageblock_order 9) checks the page only when the list drains (bulkfree_pcp_prepare, :1416): after
 *   its flags were cleared, so a flag still set at the free goes unreported, and only what changes
 *   afterwards (a reference taken on the freed page) is caught. Orders 4–8 take __free_pages_ok, which
 *   checks at once.
 */
import { beforeEach, describe, expect, test } from "vitest";
import { ModelAssertion } from "../../../src/engine/errors.js";
import { rt } from "../../../src/engine/runtime.js";
import { configure, makeConfig } from "../../../src/kernel/config.js";
import { type Page, resetPages } from "../../../src/kernel/include/linux/mm_types.js";
import { PG_lru, PG_uptodate, PG_writeback } from "../../../src/kernel/include/linux/page-flags.js";
import { alloc_pages, drain_pcp_checks, free_unref_page, pcpPending } from "../../../src/kernel/mm/page_alloc.js";

const bit = (b: number) => 1 << b;

function setup(debugVm: boolean, hpageNr = 4): void {
  configure(makeConfig({ DEBUG_VM: debugVm, HPAGE_PMD_NR: hpageNr }), []);
  resetPages();
  pcpPending.length = 0;
  rt.current = { id: 0, name: "t", frames: [], local: {}, site: null, wait: null, done: false };
}

/** The bad_page reason a call ends in, or null if it returns. */
function badPage(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof ModelAssertion && e.info.kind === "bad_page") return e.info.condition;
    throw e;
  }
}

/** A page with only the allocator's reference dropped: refcount 0, as put_page leaves it. */
function page(order: number, flags: number): Page {
  const p = alloc_pages(order);
  p._refcount = 0;
  p.flags |= flags;
  return p;
}

describe("free_pages_prepare", () => {
  beforeEach(() => setup(true));

  test("a clean page passes and loses every flag", () => {
    const p = page(0, bit(PG_uptodate));
    expect(badPage(() => free_unref_page(p, 0))).toBeNull();
    expect(p.flags).toBe(0);
    expect(p.freed).toBe(true);
  });

  test("with CONFIG_DEBUG_VM a flag in PAGE_FLAGS_CHECK_AT_FREE is bad_page at once", () => {
    const p = page(0, bit(PG_writeback));
    expect(badPage(() => free_unref_page(p, 0))).toBe("PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
  });
});

describe("without CONFIG_DEBUG_VM: the pcp check is deferred to the drain", () => {
  test("a flag still set at the free is cleared unchecked: the drain finds nothing", () => {
    setup(false);
    const p = page(0, bit(PG_writeback) | bit(PG_lru));
    expect(badPage(() => free_unref_page(p, 0))).toBeNull();
    expect(p.flags).toBe(0);
    expect(pcpPending).toEqual([p]);
    expect(badPage(drain_pcp_checks)).toBeNull();
  });

  test("a reference taken after the free is what the drain catches", () => {
    setup(false);
    const p = page(0, 0);
    free_unref_page(p, 0);
    p._refcount = 1;
    expect(badPage(drain_pcp_checks)).toBe("nonzero _refcount");
  });

  test("a THP head of order 2 (HPAGE_PMD_NR=4) goes to the pcp list: its check waits for the drain", () => {
    setup(false, 4);
    const head = page(2, bit(PG_lru));
    expect(badPage(() => free_unref_page(head, 2))).toBeNull();
    expect(pcpPending).toEqual([head]);
  });

  test("order 4 (HPAGE_PMD_NR=16) takes __free_pages_ok: checked at once", () => {
    setup(false, 16);
    const head = page(4, bit(PG_lru));
    expect(badPage(() => free_unref_page(head, 4))).toBe("PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
    expect(pcpPending).toEqual([]);
  });
});
