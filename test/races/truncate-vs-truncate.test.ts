/**
 * Race (a): two writers open a file holding a read-only THP; both run truncate_pagecache(inode, 0) with
 * no inode lock in rc3 (fs/open.c:859–860). Expected outcomes are derived from the kernel code:
 *
 * - rc3: a writer that read nr_thps = 1 truncates. nr_thps drops to 0 in unaccount_page_cache_page
 *   (mm/filemap.c:203) before the first slot is cleared, so the second writer must read nr_thps before
 *   that, be switched out (preemption 1), and the first must be switched out while page_cache_delete_batch
 *   has cleared some but not all slots (preemption 2). The second's lookup then meets the head at a tail
 *   index: find_lock_entries' VM_BUG_ON (mm/filemap.c:2096) in pass 1, or a tail page from
 *   find_get_entries and VM_BUG_ON_PAGE(PageTail) (mm/truncate.c:213) in pass 2. So no failure within one
 *   preemption, a failure at two.
 * - d417b49fff3e alone removes :2096; the pass-2 tail path remains: mm/truncate.c:213.
 * - 55fc0d917467 makes each truncation take mapping->invalidate_lock for write: they never overlap.
 * - Hugh Dickins' deletions (both assertions gone): a tail's ->mapping is TAIL_MAPPING, so
 *   truncate_inode_page returns -EIO and the owner of the head removes the THP: no damage.
 * - Without CONFIG_DEBUG_VM both assertions compile away and the same paths are the benign ones above.
 */
import { describe, expect, it } from "vitest";
import { explore } from "./helpers.js";

describe("truncate-vs-truncate (race (a))", () => {
  it("needs two preemptions: none within one", () => {
    const r = explore("truncate-vs-truncate", { bound: 1 });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("crashes rc3 with CONFIG_DEBUG_VM at two preemptions, on a tail page, and replays", () => {
    const r = explore("truncate-vs-truncate", { bound: 2 });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.preemptions).toBe(2);
    expect(r.replays).toBe(true);
  });

  it("still crashes in truncate_inode_page with only the find_lock_entries check removed", () => {
    const r = explore("truncate-vs-truncate", { bound: 2, patches: ["remove-find-lock-entries-index-check"] });
    expect(r.site).toBe("mm/truncate.c:213");
    expect(r.condition).toBe("PageTail(page)");
  });

  it("is closed by the landed invalidate_lock fix (55fc0d917467) within three preemptions", () => {
    const r = explore("truncate-vs-truncate", { bound: 3, patches: ["lock-filemap-when-truncating"] });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("is harmless with Hugh Dickins' deletions within three preemptions", () => {
    const r = explore("truncate-vs-truncate", { bound: 3, patches: ["hugh-deletions"] });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("does no damage the invariants can see without CONFIG_DEBUG_VM", () => {
    const r = explore("truncate-vs-truncate", { bound: 3, debugVm: false });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });
});
