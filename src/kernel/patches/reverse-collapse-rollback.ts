import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "reverse-collapse-rollback",
  title: "roll collapse_file() back from the end of the range down to its start (no diff posted)",
  commit: null,
  landed: false,
  source:
    'Hugh Dickins, linux-mm 29 Sep 2021 22:24 PDT (30 Sep UTC), Message-ID <3d264ed9-f8fd-60d4-7125-f9f745ebeb52@google.com>, in "[PATCH v2 1/2] mm, thp: check page mapping when truncating page cache": ' +
    "reversing the rewind's direction is possible, but he was not convinced it would be enough and did not " +
    "think so big a change was needed. No code was posted; the walk modelled here is this project's reading.",
  effect:
    "Only the walk of the rollback changes (rc3 mm/khugepaged.c:1943–1945: xas_set(start), " +
    "xas_for_each(..., end - 1), list_first_entry_or_null): it goes from index - 1 (the highest slot " +
    "the main loop replaced; end - 1 after the open-for-write failure at :1873) down to start, re-setting " +
    "and loading the cursor at each index, takes the old page from the tail of pagelist " +
    "(list_last_entry_or_null) and mirrors the hole test at :1947 (xa_index > page->index). The per-slot " +
    "body keeps its order: VM_BUG_ON_PAGE(page->index != xa_index) (:1956), list_del, " +
    "page_ref_unfreeze(page, 2), xas_store, xas_pause, xas_unlock_irq, unlock_page, putback_lru_page, " +
    "xas_lock_irq (:1959–1966); VM_BUG_ON(nr_none), the final unlock, new_page->mapping = NULL and " +
    "unlock_page(new_page) (:1968–1974) are unchanged. Lower slots therefore keep pointing at new_page, " +
    "head index first, until the end of the rollback. Modelled in collapse_file_rollback (src/kernel/mm/khugepaged.ts).",
};
