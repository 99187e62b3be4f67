/**
 * collapse_file() on a tmpfs file while truncate(2) cuts it to size 0: shmem_setattr writes i_size, then
 * shmem_truncate_range(inode, 0, -1) → shmem_undo_range.
 *
 * Derived expectations (HPAGE_PMD_NR=4, CONFIG_DEBUG_VM):
 * - rc3: the bogus find_lock_entries check (mm/filemap.c:2096) fires as in shmem-collapse-vs-punch: pass 1
 *   skips P0 (locked by khugepaged) and meets new_page (index 0) at slot 1. Two preemptions.
 * - d417b49fff3e: safe within two preemptions (the truncation takes the whole THP at its head, or waits
 *   for its lock and re-checks ->mapping).
 * - Rongwei Wang's v2 moves the index check after trylock and the ->mapping test: after a *successful*
 *   collapse that unlocked new_page, the walk meets it at slot 1, locks it, finds it still in the file,
 *   and the moved VM_BUG_ON_PAGE(page->index != xas.xa_index) fires (line 2109 of the v2-patched
 *   filemap.c). Two preemptions.
 * - Run one after the other, the truncation empties the file: no slot, every page freed, i_size 0.
 */
import { describe, expect, it } from "vitest";
import { runExecution } from "../../src/engine/execution.js";
import { DfsStrategy } from "../../src/engine/strategy/dfs.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";
import { explore } from "./helpers.js";

describe("shmem-collapse-vs-truncate", () => {
  it("trips the bogus index check of rc3", () => {
    const r = explore("shmem-collapse-vs-truncate", { bound: 2 });
    expect(r.result).toBe("bug");
    expect(r.site).toBe("mm/filemap.c:2096");
    expect(r.preemptions).toBe(2);
    expect(r.replays).toBe(true);
  });

  it("is safe once d417b49fff3e removes it, within two preemptions", () => {
    const r = explore("shmem-collapse-vs-truncate", { bound: 2, patches: ["remove-find-lock-entries-index-check"] });
    expect(r.result).toBe("ok");
    expect(r.exhaustive).toBe(true);
  });

  it("trips Rongwei Wang's moved index check after a successful collapse", () => {
    const r = explore("shmem-collapse-vs-truncate", { bound: 2, patches: ["check-mapping-in-truncate"] });
    expect(r.result).toBe("bug");
    expect(r.site).toBe("mm/filemap.c:2109");
    expect(r.condition).toBe("page->index != xas.xa_index");
    expect(r.preemptions).toBe(2);
    expect(r.replays).toBe(true);
  });

  it("run one after the other, the truncation empties the file", () => {
    const s = new DfsStrategy(0);
    s.newExecution();
    const r = runExecution(makeProgram(findScenario("shmem-collapse-vs-truncate")), s);
    expect(r.verdict).toBe("completed");
    expect(r.finalState).toBe("|thps=0|wc=0|P0:freed P1:freed P2:freed P3:freed N:freed N+1:freed N+2:freed N+3:freed");
  });
});
