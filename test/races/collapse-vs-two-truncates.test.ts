/**
 * khugepaged plus two writers (the shape of Song Liu's reproducer runs). Derived expectation for rc3:
 * race (a) between the two writers alone needs two preemptions (see truncate-vs-truncate.test.ts), and
 * khugepaged running first to completion (a successful collapse: no writer is open yet) builds exactly
 * the THP that race (a) needs, so a failure is found within two preemptions.
 *
 * With the landed fixes and skip-thp-before-put (docs/findings.md §2): the landed
 * filemap_invalidate_lock in do_dentry_open (55fc0d917467) makes the two writers' truncations one after the
 * other, so what is left is each one against khugepaged, i.e. collapse-vs-truncate, where this set leaves
 * only §1's PageTail assertion (collapse-vs-truncate.test.ts): a debug-only BUG. Without CONFIG_DEBUG_VM
 * nothing may fire; with Hugh's PageTail deletion added (truncate_inode_page then gives -EIO for the tail)
 * nothing may fire with it either. Both are exhaustive searches of ~0.3 M states at HPAGE_PMD_NR=4
 * (about 25 s each on one core: bench/RESULTS.md §13).
 */
import { describe, expect, it } from "vitest";
import { exhaustiveSites, explore } from "./helpers.js";

describe("collapse-vs-two-truncates", () => {
  it("crashes rc3 within two preemptions", () => {
    const r = explore("collapse-vs-two-truncates", { bound: 2 });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.replays).toBe(true);
  });

  it("with the landed fixes and skip-thp-before-put, nothing is damaged without CONFIG_DEBUG_VM", () => {
    expect(exhaustiveSites("collapse-vs-two-truncates", ["landed-5.16", "skip-thp-before-put"], false)).toEqual([]);
  }, 240_000);

  it("the same with Hugh's PageTail deletion added: no BUG with CONFIG_DEBUG_VM", () => {
    const patches = ["landed-5.16", "remove-truncate-pagetail-check", "skip-thp-before-put"];
    expect(exhaustiveSites("collapse-vs-two-truncates", patches)).toEqual([]);
  }, 240_000);
});
