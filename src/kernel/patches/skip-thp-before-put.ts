import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "skip-thp-before-put",
  title: "find_lock_entries: take a THP's extent before put_page (not posted: this project's proposal)",
  commit: null,
  landed: false,
  source:
    "mmrace, docs/findings.md §2: in 5.15 find_lock_entries drops its reference (mm/filemap.c:2113) and then " +
    "reads PageTransHuge, thp_nr_pages and ->index of the page (:2115–2119), which khugepaged may have freed " +
    "in between; nothing like this was posted in the thread.",
  effect:
    "find_lock_entries reads PageTransHuge(page), thp_nr_pages(page) and page->index while it still holds the " +
    "reference find_get_entry took (in the step of the range check's ->index read, :2094), and its `next:` " +
    "block (:2114–2122) moves the cursor with those values instead of reading the page after put_page. " +
    "Nothing else changes.",
};
