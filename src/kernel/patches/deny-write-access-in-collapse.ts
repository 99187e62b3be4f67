import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "deny-write-access-in-collapse",
  title: "block writes within khugepaged: deny_write_access() in collapse_file() (untitled inline diff)",
  commit: null,
  landed: false,
  source:
    'Song Liu, reply to "[PATCH v2 1/2] mm, thp: check page mapping when truncating page cache", 27 Sep 2021 ' +
    "(Message-ID <CAPhsuW4cP4qV2c_wXP89-2fa+mALv-uEe+Qdqr_MD3Ptw03Wng@mail.gmail.com>; read in the LKML " +
    "archive). Matthew Wilcox (28 Sep) and Rongwei Wang objected that writers would get ETXTBSY instead " +
    "of waiting; Song withdrew it on 29 Sep 2021 (PDT) after finding the crash comes from concurrent " +
    "truncate_pagecache() calls, not from collapse_file().",
  effect:
    "As in the posted diff: enum scan_result gains SCAN_BUSY_WRITE; collapse_file calls " +
    "deny_write_access(file) (include/linux/fs.h:3050, atomic_dec_unless_positive on i_writecount) " +
    "right before khugepaged_alloc_page (after rc3 mm/khugepaged.c:1654; site :1656 of the patched file) and " +
    "returns SCAN_BUSY_WRITE if the file is open for write; it deletes the smp_mb and the " +
    "inode_is_open_for_write check with its rollback (rc3 :1866–1878); it calls allow_write_access(file) " +
    "after out: (after rc3 :1978; site :1972 of the patched file). The diff does not touch fs/open.c, but " +
    "there get_write_access (fs.h:3046, atomic_inc_unless_negative) now fails while a collapse holds write " +
    "access denied: do_dentry_open returns -ETXTBSY from :788–790 (goto cleanup_file) and truncates " +
    "nothing. The model's do_dentry_open takes that failure branch only under this switch (src/kernel/fs/open.ts).",
};
