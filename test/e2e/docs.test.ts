/**
 * Every `mmrace replay ...` line in the README and docs/findings.md still replays to a failure: a change
 * to the model's steps changes schedule strings, and a stale one in the docs would send a reader to an
 * error instead of the race.
 */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { mmraceIn } from "./mmrace.js";

const DOCS = ["README.md", "docs/findings.md"];

/** The argv (without `mmrace`) of each distinct replay command in a Markdown file. */
function replays(file: string): string[][] {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
  const found = new Set<string>();
  for (const m of text.matchAll(/mmrace (replay [a-z0-9-]+ v1\.[^\s`]+(?: --[a-z0-9-]+(?: [a-z0-9.-]+)?)*)/g)) {
    found.add((m[1] as string).replace(/ --steps\b/, ""));
  }
  return [...found].map((c) => c.split(" "));
}

test.each(DOCS)("%s: every replay line reproduces a failure", (file) => {
  const cmds = replays(file);
  expect(cmds.length).toBeGreaterThan(0);
  for (const argv of cmds) {
    const r = mmraceIn(60_000, ...argv, "--quiet");
    expect(r.stderr, argv.join(" ")).toBe("");
    expect(r.code, argv.join(" ")).toBe(1);
    expect(r.stdout, argv.join(" ")).toMatch(/: bug: /);
  }
});
