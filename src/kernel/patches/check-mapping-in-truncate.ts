import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "check-mapping-in-truncate",
  title: "[PATCH v2 1/2] mm, thp: check page mapping when truncating page cache",
  commit: null,
  landed: false,
  source:
    "Rongwei Wang and Xu Yu, linux-mm/LKML 22 Sep 2021, Message-Id <20210922070645.47345-2-rongwei.wang@linux.alibaba.com> " +
    "(v2; read in the LKML archive). v1 (6 Sep 2021, <20210906121200.57905-2-…>) tested page_mapping() before " +
    "lock_page and restarted with `continue`; v2 moved the test after lock_page and restarts with `break`. " +
    "Superseded by v3/v4 (filemap_invalidate_lock, 55fc0d917467). The model follows v2.",
  effect:
    "Three hunks, modelled as posted in v2. (1) find_lock_entries (mm/filemap.c): the rc3 " +
    "VM_BUG_ON_PAGE(page->index != xas.xa_index) at :2096 is moved to after the trylock, the " +
    "->mapping/PageWriteback test and the thp_contains VM_BUG_ON (after rc3 :2104; site :2109 in the " +
    "v2-patched file). (2) truncate_inode_pages_range pass 1 (mm/truncate.c:322): index = the last entry's " +
    "index + thp_nr_pages(last page) instead of + 1. (3) pass 2, right after lock_page (:394): if " +
    "page_mapping(page) != mapping (the head's ->mapping: NULL once the THP was deleted or a collapse " +
    "rolled back), unlock_page, index = start - 1 and break out of the pagevec walk; the index++ at :402 " +
    "then restarts the pass from start. Model: the page_mapping read is stable under the page lock and " +
    "shares the step after lock_page; the unlock ends its own step (site :405, v2-patched numbering). " +
    "Not reached by the scenarios: for a value entry last in the pass-1 pagevec, thp_nr_pages would read " +
    "flags through a non-pointer in the C; the model throws.",
};
