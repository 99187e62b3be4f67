import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "lock-filemap-when-truncating",
  title: "mm, thp: lock filemap when truncating page cache",
  commit: "55fc0d917467",
  landed: true,
  source: "Rongwei Wang and Xu Yu, suggested by Matthew Wilcox; mainline for v5.16-rc1, Cc stable",
  effect:
    "do_dentry_open takes filemap_invalidate_lock (down_write of mapping->invalidate_lock) around " +
    "truncate_pagecache(inode, 0) (fs/open.c:862 and :871 in 5.15.24), serialising concurrent openers. " +
    "collapse_file takes no invalidate_lock in 5.15.",
};
