/**
 * khugepaged plus two writers (the shape of Song Liu's reproducer runs). Derived expectation for rc3:
 * race (a) between the two writers alone needs two preemptions (see truncate-vs-truncate.test.ts), and
 * khugepaged running first to completion (a successful collapse: no writer is open yet) builds exactly
 * the THP that race (a) needs, so a failure is found within two preemptions.
 */
import { describe, expect, it } from "vitest";
import { explore } from "./helpers.js";

describe("collapse-vs-two-truncates", () => {
  it("crashes rc3 within two preemptions", () => {
    const r = explore("collapse-vs-two-truncates", { bound: 2 });
    expect(r.result).toBe("bug");
    expect(["mm/truncate.c:213", "mm/filemap.c:2096"]).toContain(r.site);
    expect(r.replays).toBe(true);
  });
});
