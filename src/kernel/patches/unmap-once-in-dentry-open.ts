import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "unmap-once-in-dentry-open",
  title: "mm, thp: fix incorrect unmap behavior for private pages",
  commit: "8468e937df1f",
  landed: true,
  source:
    'Rongwei Wang, the same series as 55fc0d917467 ("fix two bugs for file THP"); mainline for v5.16-rc1, ' +
    "Cc stable (in 5.15.24). Not a fix for races (a)-(c): processes lost the private (COWed) pages of a DSO " +
    "when someone opened it for write.",
  effect:
    "do_dentry_open's truncation becomes unmap_mapping_range(mapping, 0, 0, 0) then truncate_inode_pages" +
    "(mapping, 0) (fs/open.c:869–870 in 5.15.24) instead of truncate_pagecache(inode, 0): one unmap, which " +
    "spares private COW copies (the model has none), and no second unmap after the truncation.",
};
