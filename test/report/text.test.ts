/**
 * The title of a report's interleaving says what was established about its preemptions (report/text.ts):
 * "Minimal" only with the shrink's proof that no failure at the site has fewer.
 */
import { describe, expect, test } from "vitest";
import { resolvePatches } from "../../src/kernel/patches/index.js";
import { checkScenario } from "../../src/report/checkScenario.js";
import { interleavingTitle } from "../../src/report/text.js";
import { findScenario } from "../../src/scenarios/index.js";

describe("interleaving title", () => {
  const s = findScenario("truncate-vs-truncate");

  test("shrunk with its proof: Minimal; fewestPreemptions true", () => {
    const r = checkScenario(s);
    expect(r.fewestPreemptions).toBe(true);
    expect(interleavingTitle(r)).toMatch(/^Minimal interleaving \(2 preemption\(s\), \d+ steps\)$/);
  });

  test("a shrink whose budget ran out: Shrunk, fewer preemptions not ruled out", () => {
    // A zero time budget stops the shrink before its first attempt: the failure comes back as found,
    // and the bounded search that would prove its preemptions the fewest never runs.
    const r = checkScenario(s, { shrinkTimeMs: 0 });
    expect(r.fewestPreemptions).toBe(false);
    expect(interleavingTitle(r)).toMatch(
      /^Shrunk interleaving \(\d+ preemption\(s\), \d+ steps; fewer preemptions not ruled out/,
    );
  });

  test("not shrunk: as found; fewestPreemptions null", () => {
    const r = checkScenario(s, { noShrink: true });
    expect(r.fewestPreemptions).toBeNull();
    expect(interleavingTitle(r)).toMatch(/^Interleaving as found \(/);
  });

  test("no failure: no claim", () => {
    const r = checkScenario(s, { patches: resolvePatches(["landed-5.16"]) });
    expect(r.result).toBe("ok");
    expect(r.fewestPreemptions).toBeNull();
  });
});
