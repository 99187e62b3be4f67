/**
 * The identity of the code a search ran: a hash of the engine, the kernel model and the scenarios (every
 * compiled module under them, by path and content), plus a user scenario's own file. A checkpoint records
 * it, so a search is never resumed by code that may explore differently (scenario.path: its file).
 * Run from the bundle (dist/bin, rolldown.config.mjs), the code is the bundle's files: they are hashed.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** Directories (beside this one) whose code decides which states a search reaches and how they hash. */
const PARTS = ["engine", "kernel", "scenarios"];

let cached: string | null = null;

export function buildId(scenarioFile?: string): string {
  if (cached === null) {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const src = path.dirname(here);
    const h = createHash("sha256");
    if (PARTS.every((part) => fs.existsSync(path.join(src, part)))) {
      for (const part of PARTS) hashTree(h, src, part);
    } else hashTree(h, src, path.basename(here));
    cached = h.digest("hex").slice(0, 16);
  }
  if (scenarioFile === undefined) return cached;
  const h = createHash("sha256").update(cached);
  h.update(fs.readFileSync(scenarioFile));
  return h.digest("hex").slice(0, 16);
}

function hashTree(h: ReturnType<typeof createHash>, root: string, rel: string): void {
  const dir = path.join(root, rel);
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) hashTree(h, root, r);
    else if (/\.(js|ts)$/.test(e.name) && !e.name.endsWith(".d.ts")) {
      h.update(r);
      h.update(fs.readFileSync(path.join(root, r)));
    }
  }
}
