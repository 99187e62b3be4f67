/**
 * Race (b): khugepaged's collapse_file() rolls back while a writer's open truncates the page cache.
 * Expected outcomes, derived from the kernel code:
 *
 * - The writer truncates only if it reads nr_thps after collapse_file's filemap_nr_thps_inc
 *   (mm/khugepaged.c:1865, rc3), and collapse_file rolls back only if it reads i_writecount after the
 *   writer's get_write_access: both reads must fall between the other's write and, for the writer, before
 *   filemap_nr_thps_dec (:1876). khugepaged holds xa_lock across inc, check and dec, so it must be
 *   switched out there (1). The writer's lookup must then stand at a slot still holding new_page while
 *   the rollback has restored lower slots, which needs the writer switched out with its lookup in flight
 *   (2) and khugepaged switched out mid-rollback (3). So: none within two preemptions, a failure at
 *   three: VM_BUG_ON (mm/filemap.c:2096) or VM_BUG_ON_PAGE(PageTail) (mm/truncate.c:213).
 * - The question nobody answered in the thread: with exactly the landed fixes (d417b49fff3e,
 *   55fc0d917467, 74c42e1baacf) the pass-2 path stays open. 55fc0d917467 takes invalidate_lock in
 *   do_dentry_open only; collapse_file takes no invalidate_lock in 5.15, so it does not serialise
 *   against the rollback; d417b49fff3e removes only :2096; 74c42e1baacf is about writeback pages.
 *   Expect mm/truncate.c:213. See docs/findings.md.
 * - Hugh Dickins' deletions: the tail goes to the ->mapping test and gets -EIO: no damage.
 * - Without CONFIG_DEBUG_VM: the same, benign.
 */
import { describe, expect, it } from "vitest";
import { explore } from "./helpers.js";

describe("collapse-vs-truncate (race (b))", () => {
  it("needs three preemptions: none within two", () => {
    const r = explore("collapse-vs-truncate", { bound: 2 });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("crashes rc3 with CONFIG_DEBUG_VM at three preemptions and replays", () => {
    const r = explore("collapse-vs-truncate", { bound: 3 });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.preemptions).toBe(3);
    expect(r.replays).toBe(true);
  });

  it("still reaches VM_BUG_ON_PAGE(PageTail) with exactly the fixes that landed", () => {
    const r = explore("collapse-vs-truncate", { bound: 3, patches: ["landed-5.16"] });
    expect(r.result).toBe("bug");
    expect(r.site).toBe("mm/truncate.c:213");
    expect(r.condition).toBe("PageTail(page)");
    expect(r.replays).toBe(true);
  });

  it("is harmless with Hugh Dickins' deletions within three preemptions", () => {
    const r = explore("collapse-vs-truncate", { bound: 3, patches: ["hugh-deletions"] });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("does no damage the invariants can see without CONFIG_DEBUG_VM", () => {
    const r = explore("collapse-vs-truncate", { bound: 3, debugVm: false });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });
});
