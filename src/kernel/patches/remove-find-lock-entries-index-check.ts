import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "remove-find-lock-entries-index-check",
  title: "mm/filemap.c: remove bogus VM_BUG_ON",
  commit: "d417b49fff3e",
  landed: true,
  source: "Matthew Wilcox, linux-mm 29 Sep 2021; mainline for v5.16-rc1, Cc stable (syzbot c87be4f669d920c76330)",
  effect:
    "find_lock_entries no longer asserts page->index == xas.xa_index before taking the page lock " +
    "(mm/filemap.c:2096 in rc3); the thp_contains check under the lock (:2103) stays.",
};
