/**
 * The candidate patches, one file each, and the named sets. `--patch NAME` (repeatable) applies one;
 * `--patch landed-5.16` applies the set that landed for v5.16 (and went to 5.15.y stable): the three fixes
 * for races (a)-(c) and 8468e937df1f, which changed the same truncation in do_dentry_open.
 */
import { UsageError } from "../../engine/errors.js";
import { patch as bailOut } from "./bail-out-collapse-on-writeback.js";
import { patch as checkMapping } from "./check-mapping-in-truncate.js";
import { patch as denyWrite } from "./deny-write-access-in-collapse.js";
import { patch as lockFilemap } from "./lock-filemap-when-truncating.js";
import { patch as removeIndexCheck } from "./remove-find-lock-entries-index-check.js";
import { patch as removeTailCheck } from "./remove-truncate-pagetail-check.js";
import { patch as reverseRollback } from "./reverse-collapse-rollback.js";
import { patch as skipThpBeforePut } from "./skip-thp-before-put.js";
import type { Patch } from "./types.js";
import { patch as unmapOnce } from "./unmap-once-in-dentry-open.js";

export type { Patch };

export const PATCHES: readonly Patch[] = [
  removeIndexCheck,
  lockFilemap,
  unmapOnce,
  bailOut,
  removeTailCheck,
  checkMapping,
  denyWrite,
  reverseRollback,
  skipThpBeforePut,
];

/** Named sets of patches. */
export const PATCH_SETS: Readonly<Record<string, readonly string[]>> = {
  "landed-5.16": [removeIndexCheck.name, lockFilemap.name, unmapOnce.name, bailOut.name],
  "hugh-deletions": [removeIndexCheck.name, removeTailCheck.name],
};

/** Expands names and set names into a sorted list of patch names; unknown names are a UsageError. */
export function resolvePatches(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const set = PATCH_SETS[n];
    if (set !== undefined) {
      for (const p of set) out.add(p);
      continue;
    }
    if (!PATCHES.some((p) => p.name === n)) {
      const known = [...PATCHES.map((p) => p.name), ...Object.keys(PATCH_SETS)].join(", ");
      throw new UsageError(`unknown patch '${n}' (known: ${known})`);
    }
    out.add(n);
  }
  return [...out].sort();
}
