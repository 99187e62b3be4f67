/**
 * The shmem variant: collapse_file() on a tmpfs file while shmem_undo_range() truncates it.
 *
 * Derived expectation for rc3 with CONFIG_DEBUG_VM: the bogus find_lock_entries check (mm/filemap.c:2096)
 * is reachable even without a rollback. The truncation's pass 1 skips old page P0, which khugepaged holds
 * locked (trylock fails), and its walk moves on to slot 1; meanwhile collapse_file has stored new_page in
 * slot 1 (it fills slots in ascending order, :1852), so find_lock_entries meets new_page (index 0) at
 * index 1. This is the situation d417b49fff3e describes ("page->index is read without the page lock").
 * With that check removed, shmem's own re-checks (page_mapping() after lock_page, mm/shmem.c:1029, and
 * shmem_punch_compound's split) keep it safe: no failure within two preemptions.
 */
import { describe, expect, it } from "vitest";
import { explore } from "./helpers.js";

describe("shmem-collapse-vs-punch", () => {
  it("trips the bogus index check of rc3", () => {
    const r = explore("shmem-collapse-vs-punch", { bound: 2 });
    expect(r.result).toBe("bug");
    expect(r.site).toBe("mm/filemap.c:2096");
    expect(r.replays).toBe(true);
  });

  it("is safe once d417b49fff3e removes it, within two preemptions", () => {
    const r = explore("shmem-collapse-vs-punch", { bound: 2, patches: ["remove-find-lock-entries-index-check"] });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });
});
