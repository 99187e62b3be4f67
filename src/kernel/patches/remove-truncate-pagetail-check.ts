import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "remove-truncate-pagetail-check",
  title: "delete VM_BUG_ON_PAGE(PageTail(page)) from truncate_inode_page",
  commit: null,
  landed: false,
  source: 'Hugh Dickins, linux-mm 30 Sep 2021: "why add N lines if deleting one is good?"',
  effect:
    "truncate_inode_page no longer asserts !PageTail (mm/truncate.c:213); a tail's ->mapping is " +
    "TAIL_MAPPING, so the page->mapping != mapping test returns -EIO and the tail is left alone.",
};
