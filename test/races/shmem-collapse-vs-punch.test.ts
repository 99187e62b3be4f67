/**
 * The shmem variant: collapse_file() on a tmpfs file while fallocate(FALLOC_FL_PUNCH_HOLE) punches its
 * first two pages (shmem_fallocate → shmem_truncate_range(0, 8191) → shmem_undo_range).
 *
 * Derived expectations (HPAGE_PMD_NR=4, CONFIG_DEBUG_VM):
 * - rc3: the bogus find_lock_entries check (mm/filemap.c:2096) is reachable without a rollback (shmem has
 *   no open-for-write check, so the collapse succeeds). The punch's pass 1 walks [0, 1]: it skips old page
 *   P0, which khugepaged holds locked (trylock fails), and moves on to slot 1; meanwhile collapse_file has
 *   stored new_page in slot 1 (it fills slots in ascending order, :1852), so the walk meets new_page
 *   (index 0) at index 1. rc3 asserts page->index == xas.xa_index before its range check (:2096–2097):
 *   two preemptions (khugepaged out after locking P0, the punch out after taking slot 1's entry).
 * - With d417b49fff3e the range check drops new_page (it reaches past page 1), and shmem's own re-checks
 *   (page_mapping() after lock_page, mm/shmem.c:1029, and shmem_punch_compound's split) keep it safe: no
 *   failure within two preemptions.
 * - Run one after the other (khugepaged first), the punch meets a whole THP that reaches past the hole:
 *   pass 1 skips it (range check), pass 2 gets it from find_get_entries, shmem_punch_compound splits it
 *   (head index 0 + HPAGE_PMD_NR > end 2), and pages 0 and 1 are truncated as order-0 pages: slots 2 and 3
 *   keep the former tails N+2 and N+3, which are ordinary pages now.
 */
import { describe, expect, it } from "vitest";
import { runExecution } from "../../src/engine/execution.js";
import { DfsStrategy } from "../../src/engine/strategy/dfs.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";
import { explore } from "./helpers.js";

describe("shmem-collapse-vs-punch", () => {
  it("trips the bogus index check of rc3", () => {
    const r = explore("shmem-collapse-vs-punch", { bound: 2 });
    expect(r.result).toBe("bug");
    expect(r.site).toBe("mm/filemap.c:2096");
    expect(r.preemptions).toBe(2);
    expect(r.replays).toBe(true);
  });

  it("is safe once d417b49fff3e removes it, within two preemptions", () => {
    const r = explore("shmem-collapse-vs-punch", { bound: 2, patches: ["remove-find-lock-entries-index-check"] });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("after a whole collapse, the punch splits the THP and keeps its last two pages", () => {
    // DFS with no preemption: its first execution runs khugepaged to its end, then the punch.
    const s = new DfsStrategy(0);
    s.newExecution();
    const r = runExecution(makeProgram(findScenario("shmem-collapse-vs-punch")), s);
    expect(r.verdict).toBe("completed");
    // stateKey: the slots, then each page's refcount/flags; N+2 and N+3 are order-0 pages in slots 2, 3.
    expect(r.finalState).toMatch(/^-,-,N\+2,N\+3\|/);
    expect(r.finalState).toContain("N:freed N+1:freed");
  });
});
