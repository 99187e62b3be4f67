/**
 * The three proposals of the thread that did not land, each against race (b) (collapse-vs-truncate),
 * race (a) (truncate-vs-truncate) and both together (collapse-vs-two-truncates, bound 2 only).
 * Expected outcomes, derived from the kernel code (v5.15-rc3 plus each posted change):
 *
 * check-mapping-in-truncate (Rongwei Wang's v2, 22 Sep 2021):
 * - Pass 2 of truncate_inode_pages_range re-reads page_mapping() after lock_page. A tail a lookup
 *   handed back belongs to a THP that is being deleted (race (a): page_cache_delete_batch clears the
 *   head's ->mapping at the head slot, before it clears any slot, and the deleter holds the head's lock
 *   until the deletion is over) or rolled back (race (b): collapse_file clears new_page->mapping at :1971
 *   before it unlocks new_page at :1974). Either way lock_page returns only after ->mapping is NULL, so
 *   the tail never reaches truncate_inode_page's PageTail check: the pass restarts from start.
 * - In pass 1 the index check (rc3 mm/filemap.c:2096) moves after trylock_page and the ->mapping test,
 *   so a THP met part-way while it is being deleted or rolled back is skipped (trylock fails, or
 *   ->mapping is NULL) before the check. In these three scenarios a writer truncates only after reading
 *   nr_thps = 1, i.e. after every slot points at new_page, so its walk meets a live THP at its head.
 *   Expect no failure: race (b) within three preemptions, race (a) within three, both within two.
 * - The moved check is still reachable on tmpfs (truncate(2) to 0), where shmem_undo_range truncates
 *   whatever nr_thps says:
 *   its pass 1 skips P0, which khugepaged holds locked, and walks on to slot 1; collapse_file then
 *   succeeds (shmem has no open-for-write check) and unlocks new_page; the walk meets new_page (index 0)
 *   at slot 1, trylock succeeds, ->mapping is the file's, thp_contains(new_page, 1) holds, and the moved
 *   VM_BUG_ON_PAGE(page->index != xas.xa_index) fires (line 2109 of the v2-patched filemap.c). The v2
 *   comment assumes a head met at a non-head index has already been truncated; a completed collapse is
 *   the counterexample. Two preemptions, as for rc3's :2096 (docs/findings.md §3). A hole punch of pages
 *   0–1 does not reach it: the walk's range check puts new_page (it reaches past page 1) before the
 *   moved check.
 *
 * deny-write-access-in-collapse (Song Liu, 27 Sep 2021):
 * - collapse_file's deny_write_access and the writer's get_write_access are both atomic RMWs of
 *   i_writecount: whichever runs first makes the other fail (SCAN_BUSY_WRITE, or -ETXTBSY and no
 *   truncation). A writer that opens after allow_write_access truncates a THP whose collapse is over,
 *   alone. The posted diff also deletes the open-for-write check, so collapse_file never rolls back here.
 *   Race (b) is gone entirely: every interleaving, no preemption bound needed.
 * - Race (a) involves no khugepaged at all: truncate-vs-truncate is rc3's, a failure at two preemptions.
 *   With khugepaged and two writers, khugepaged can run its whole collapse first (write access denied
 *   and allowed again before either writer opens), which builds the THP race (a) needs: a failure within
 *   two preemptions. This is Song Liu's own retraction (29 Sep 2021): the crash comes from concurrent
 *   truncations, not from collapse_file.
 *
 * reverse-collapse-rollback (Hugh Dickins' aside, 30 Sep 2021):
 * - Rolling back from end - 1 down to start leaves new_page in the low slots, head slot included, until
 *   the last slot is restored. A writer truncates only after every slot points at new_page, and both of
 *   its passes walk up from index 0, so a lookup meets new_page at its head index: pass 1 fails
 *   trylock_page (or sees ->mapping NULL) and skips the extent; pass 2 gets the head itself, sleeps in
 *   lock_page until the rollback is over, and truncate_inode_page(head) returns -EIO (->mapping NULL). No
 *   lookup meets new_page part-way: race (b) is closed within three preemptions.
 * - Race (a) does not involve the rollback: truncate-vs-truncate fails at two preemptions as in rc3, and
 *   with two writers khugepaged can collapse successfully first (no rollback at all), so
 *   collapse-vs-two-truncates fails within two. Hugh's doubt that the reversal "would be enough" holds
 *   only in that sense: for race (b) alone the model finds it sufficient.
 */
import { describe, expect, it } from "vitest";
import { exhaustiveSites, explore } from "./helpers.js";

describe("check-mapping-in-truncate (Rongwei Wang v2)", () => {
  const patches = ["check-mapping-in-truncate"];

  it("closes race (b) within three preemptions", () => {
    const r = explore("collapse-vs-truncate", { bound: 3, patches });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("closes race (a) within three preemptions", () => {
    const r = explore("truncate-vs-truncate", { bound: 3, patches });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("leaves nothing for khugepaged with two writers within two preemptions", () => {
    const r = explore("collapse-vs-two-truncates", { bound: 2, patches });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("trips its own moved index check on tmpfs after a successful collapse (truncate(2))", () => {
    const r = explore("shmem-collapse-vs-truncate", { bound: 2, patches });
    expect(r.result).toBe("bug");
    expect(r.site).toBe("mm/filemap.c:2109");
    expect(r.condition).toBe("page->index != xas.xa_index");
    expect(r.preemptions).toBe(2);
    expect(r.replays).toBe(true);
  });

  it("not on a hole punch of pages 0–1: the range check (page->index + thp_nr_pages - 1 > end) comes first", () => {
    const r = explore("shmem-collapse-vs-punch", { bound: 2, patches });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });
});

describe("deny-write-access-in-collapse (Song Liu)", () => {
  const patches = ["deny-write-access-in-collapse"];

  it("closes race (b) in every interleaving", () => {
    const r = explore("collapse-vs-truncate", { bound: 3, patches });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("leaves race (a) as in rc3: a failure at two preemptions", () => {
    const r = explore("truncate-vs-truncate", { bound: 2, patches });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.preemptions).toBe(2);
    expect(r.replays).toBe(true);
  });

  it("does not stop the crash with two writers (Song Liu's retraction)", () => {
    const r = explore("collapse-vs-two-truncates", { bound: 2, patches });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.replays).toBe(true);
  });
});

describe("reverse-collapse-rollback (Hugh Dickins' aside)", () => {
  const patches = ["reverse-collapse-rollback"];

  it("closes race (b) within three preemptions", () => {
    const r = explore("collapse-vs-truncate", { bound: 3, patches });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("leaves race (a) as in rc3: a failure at two preemptions", () => {
    const r = explore("truncate-vs-truncate", { bound: 2, patches });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.preemptions).toBe(2);
    expect(r.replays).toBe(true);
  });

  it("does not stop the crash with two writers", () => {
    const r = explore("collapse-vs-two-truncates", { bound: 2, patches });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.replays).toBe(true);
  });
});

describe("unmap-once-in-dentry-open (8468e937df1f, landed with 55fc0d917467)", () => {
  // It replaces truncate_pagecache(inode, 0) by one unmap (sparing COW copies, which the model does not
  // have) and truncate_inode_pages: the truncation itself, where races (a) and (b) happen, is the same,
  // and only the second unmap, after it, goes. So race (a) is still there at two preemptions without the
  // invalidate_lock, and gone with it (the truncations serialised, every interleaving).
  const patches = ["unmap-once-in-dentry-open"];

  it("alone leaves race (a) as in rc3", () => {
    const r = explore("truncate-vs-truncate", { bound: 2, patches });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.preemptions).toBe(2);
    expect(r.replays).toBe(true);
  });

  it("with 55fc0d917467's lock, as in 5.15.24, no interleaving of race (a) fails", () => {
    expect(exhaustiveSites("truncate-vs-truncate", [...patches, "lock-filemap-when-truncating"])).toEqual([]);
  });
});
