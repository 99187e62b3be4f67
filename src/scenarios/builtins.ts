/**
 * The built-in scenarios: the races of the September 2021 linux-mm thread "[PATCH] mm, thp: check page
 * mapping when truncating page cache" (Rongwei Wang, Xu Yu, Song Liu, Hugh Dickins, Matthew Wilcox,
 * Yang Shi) and the commits that followed it.
 */
import type { Scenario } from "./types.js";

const THREAD = 'linux-mm, Sept 2021: "mm, thp: check page mapping when truncating page cache" (Rongwei Wang)';

export const BUILTIN_SCENARIOS: readonly Scenario[] = [
  {
    name: "truncate-vs-truncate",
    summary: "two writers open a file with a read-only THP: concurrent truncate_pagecache(inode, 0) — race (a)",
    description: [
      "A regular file (CONFIG_READ_ONLY_THP_FOR_FS) has one read-only THP in its page cache, so",
      "mapping->nr_thps is 1. Two processes open it O_RDWR at the same time; in v5.15-rc3 do_dentry_open",
      "runs truncate_pagecache(inode, 0) for each with no inode lock (fs/open.c:859–860). While one",
      "truncation clears the THP's slots one by one in page_cache_delete_batch, the other's lockless lookup",
      "can meet the THP part-way: find_lock_entries trips VM_BUG_ON_PAGE(page->index != xas.xa_index)",
      "(mm/filemap.c:2096), or find_get_entries hands back a tail page and truncate_inode_page trips",
      "VM_BUG_ON_PAGE(PageTail(page)) (mm/truncate.c:213). Song Liu found the crash needs more than one",
      "writer (30 Sep 2021); 55fc0d917467 serialises the truncations with filemap_invalidate_lock.",
    ].join("\n"),
    sources: [
      THREAD,
      "55fc0d917467 mm, thp: lock filemap when truncating page cache",
      "d417b49fff3e mm/filemap.c: remove bogus VM_BUG_ON",
    ],
    file: { kind: "regular", cache: "thp" },
    threads: [
      { name: "writer A", cpu: 1, comm: "stress_madvise_", ops: [{ op: "open-for-write" }] },
      { name: "writer B", cpu: 2, comm: "stress_madvise_", ops: [{ op: "open-for-write" }] },
    ],
  },
  {
    name: "collapse-vs-truncate",
    summary: "khugepaged's collapse_file() rolls back while a writer's open truncates the page cache — race (b)",
    description: [
      "khugepaged collapses the file's small pages into a THP: every slot of the range ends up pointing at",
      "the locked, not yet uptodate new_page. A writer opens the file: get_write_access raises",
      "i_writecount, and if it reads nr_thps after collapse_file's filemap_nr_thps_inc it truncates the",
      "page cache. collapse_file then sees the file open for write (mm/khugepaged.c:1873, rc3) and rolls",
      "back, putting the old pages back in ascending order and dropping xa_lock between slots. A lookup",
      "can then meet new_page at a slot other than its head's: the find_lock_entries index check",
      "(mm/filemap.c:2096), or a tail page in pass 2 of the truncation (mm/truncate.c:213) once",
      "collapse_file unlocks new_page. Hugh Dickins described this rewind race on 30 Sep 2021.",
    ].join("\n"),
    sources: [
      THREAD,
      "Hugh Dickins, 30 Sep 2021: lookups can start part-way into a compound page during collapse_file()'s rewind",
    ],
    file: { kind: "regular", cache: "small" },
    threads: [
      { name: "khugepaged", cpu: 0, comm: "khugepaged", ops: [{ op: "collapse-file", start: 0 }] },
      { name: "writer", cpu: 1, comm: "stress_madvise_", ops: [{ op: "open-for-write" }] },
    ],
  },
  {
    name: "collapse-vs-writeback",
    summary: "khugepaged collapses a page still under writeback while the writeback completes — report (c)",
    description: [
      "One of the small pages is under writeback (an XFS file with blocksize >= PAGE_SIZE: no",
      "page->private, so try_to_release_page does not filter it). rc3's collapse_file checks only PageDirty,",
      "so it isolates the page and freezes its refcount to 0 (page_ref_freeze(page, 3)). When the bio",
      "completes, end_page_writeback's get_page on the frozen page trips",
      "VM_BUG_ON_PAGE(page_ref_zero_or_close_to_overflow(page)) (include/linux/mm.h:1213); or, if the",
      "collapse frees the old page first with PG_writeback still set, free_pages_prepare reports",
      'bad_page ("PAGE_FLAGS_CHECK_AT_FREE flag(s) set") from collapse_file → put_page → __put_page →',
      "free_unref_page. Both are quoted in 74c42e1baacf, which bails out of collapse_file on writeback.",
    ].join("\n"),
    sources: [THREAD, "74c42e1baacf mm, thp: bail out early in collapse_file for writeback page"],
    file: { kind: "regular", cache: "small", writeback: [1] },
    threads: [
      { name: "khugepaged", cpu: 0, comm: "khugepaged", ops: [{ op: "collapse-file", start: 0 }] },
      { name: "bio completion", cpu: 2, comm: "swapper/2", ops: [{ op: "end-page-writeback", index: 1 }] },
    ],
  },
  {
    name: "collapse-vs-two-truncates",
    summary: "khugepaged and two writers opening the file (the shape of Song Liu's reproducer runs)",
    description: [
      "khugepaged collapses the file while two writers open it for write, each possibly truncating the",
      "page cache. Song Liu could only reproduce the crash with more than one writer thread; this scenario",
      "lets the model decide which of races (a) and (b) are reachable together, and whether the fixes that",
      "landed close both.",
    ].join("\n"),
    sources: [THREAD, "Song Liu, 30 Sep 2021: the crash needs concurrent truncate_pagecache() calls"],
    file: { kind: "regular", cache: "small" },
    threads: [
      { name: "khugepaged", cpu: 0, comm: "khugepaged", ops: [{ op: "collapse-file", start: 0 }] },
      { name: "writer A", cpu: 1, comm: "stress_madvise_", ops: [{ op: "open-for-write" }] },
      { name: "writer B", cpu: 2, comm: "stress_madvise_", ops: [{ op: "open-for-write" }] },
    ],
  },
  {
    name: "shmem-collapse-vs-punch",
    summary: "khugepaged collapses a tmpfs file while a hole is punched in it: shmem_undo_range splits instead",
    description: [
      "The shmem variant: collapse_file on a tmpfs file races with fallocate(FALLOC_FL_PUNCH_HOLE) of its",
      "first two pages (shmem_fallocate → shmem_truncate_range → shmem_undo_range). shmem does not count",
      "nr_thps; its second pass re-checks page_mapping() after lock_page (mm/shmem.c:1029), and a THP only",
      "partly inside the hole is split first (shmem_punch_compound → split_huge_page). Hugh Dickins reworked",
      "that code after meeting this race on huge tmpfs; in 5.15 it is expected to be safe.",
    ].join("\n"),
    sources: [THREAD, "Hugh Dickins, 30 Sep 2021: shmem_punch_compound"],
    file: { kind: "shmem", cache: "small" },
    threads: [
      { name: "khugepaged", cpu: 0, comm: "khugepaged", ops: [{ op: "collapse-file", start: 0 }] },
      { name: "punch", cpu: 1, comm: "fallocate", ops: [{ op: "punch-hole", offset: 0, len: 8192 }] },
    ],
  },
  {
    name: "shmem-collapse-vs-truncate",
    summary: "khugepaged collapses a tmpfs file while truncate(2) empties it: shmem_setattr → shmem_undo_range",
    description: [
      "The tmpfs counterpart of race (b)'s truncation: collapse_file on a tmpfs file races with truncate(2)",
      "to size 0 (shmem_setattr: i_size_write, then shmem_truncate_range(inode, 0, -1) → shmem_undo_range).",
      "shmem has no open-for-write check, so the collapse runs to its end, and shmem_undo_range truncates",
      "whatever nr_thps says; its pass 1 is the same find_lock_entries as a regular file's, so it meets",
      "new_page part-way (mm/filemap.c:2096 in rc3).",
    ].join("\n"),
    sources: [THREAD, "Hugh Dickins, 30 Sep 2021: shmem_punch_compound"],
    file: { kind: "shmem", cache: "small" },
    threads: [
      { name: "khugepaged", cpu: 0, comm: "khugepaged", ops: [{ op: "collapse-file", start: 0 }] },
      { name: "truncate", cpu: 1, comm: "truncate", ops: [{ op: "truncate", size: 0 }] },
    ],
  },
  {
    name: "stress-madvise-dso",
    summary: "stress_madvise_dso.c: a reader maps the DSO, khugepaged collapses it, two writers open and close it",
    description: [
      "The reproducer posted in the thread (24 and 29 Sep 2021; the source was an attachment): a reader",
      "thread maps a DSO PROT_READ|PROT_EXEC, MAP_PRIVATE at a 2 MiB-aligned address, madvise(MADV_HUGEPAGE)",
      "and touches it, so khugepaged collapses its text into a read-only file THP; writer threads open it",
      "O_RDWR again and again, each open running truncate_pagecache(inode, 0) in do_dentry_open while",
      "nr_thps > 0 (fs/open.c:859–860). Here the reader faults every page in twice (before and after the",
      "collapse, mapping the THP's subpages by PTE), khugepaged runs collapse_file over the file, and two",
      "writers each open and close it three times. It contains races (a) and (b) as sub-interleavings, so",
      "rc3 with CONFIG_DEBUG_VM can end at mm/filemap.c:2096 or mm/truncate.c:213; the reader's faults and",
      "the unmaps of its PTEs add the fault path to the mix. A stress workload, 512 subpages by default:",
      "search it with random or PCT (`mmrace check stress-madvise-dso --strategy pct --depth 3`), not DFS.",
    ].join("\n"),
    sources: [
      THREAD,
      "Rongwei Wang, 24 and 29 Sep 2021: stress_madvise_dso.c (./stress_madvise_dso 10000 <libtest.so>)",
      "Song Liu, 30 Sep 2021: one reader and one writer thread do not reproduce it; several writers do",
    ],
    file: { kind: "regular", cache: "small" },
    hpageNr: 512,
    threads: [
      {
        name: "reader",
        cpu: 3,
        comm: "stress_madvise_",
        ops: [{ op: "repeat", times: 2, ops: [{ op: "map-read", start: 0, nr: 0 }] }],
      },
      { name: "khugepaged", cpu: 0, comm: "khugepaged", ops: [{ op: "collapse-file", start: 0 }] },
      {
        name: "writer A",
        cpu: 1,
        comm: "stress_madvise_",
        ops: [{ op: "repeat", times: 3, ops: [{ op: "open-for-write" }, { op: "close" }] }],
      },
      {
        name: "writer B",
        cpu: 2,
        comm: "stress_madvise_",
        ops: [{ op: "repeat", times: 3, ops: [{ op: "open-for-write" }, { op: "close" }] }],
      },
    ],
  },
];

/** The scenario `mmrace check` runs when none is named: the seed race. */
export const DEFAULT_SCENARIO = "collapse-vs-truncate";
