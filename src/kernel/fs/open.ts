/**
 * fs/open.c: the part of do_dentry_open that opening a file for write runs on a file with read-only THPs
 * in its page cache (added by eb6ecbed0aa2, v5.14-rc1).
 *
 * rc3 (fs/open.c:851–860): get_write_access has already raised i_writecount (:788); then, after a full
 * barrier (:858, paired with the smp_mb in collapse_file), if filemap_nr_thps(mapping) the whole page
 * cache is dropped with truncate_pagecache(inode, 0) (:860). No inode lock is held: i_rwsem and
 * mapping->invalidate_lock are not taken, so any number of openers truncate at once (race (a)).
 * Patch `lock-filemap-when-truncating` (55fc0d917467) takes filemap_invalidate_lock around it (:862/:871
 * in 5.15.24). Patch `deny-write-access-in-collapse` (Song Liu's proposal) makes get_write_access able
 * to fail while collapse_file denies write access: the open then fails with -ETXTBSY and truncates
 * nothing. The model runs under sequential consistency, where smp_mb orders nothing further.
 */
import { enter, type Gen, leave, note, read, write } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { patched } from "../config.js";
import { i_writecount_inc, type inode } from "../include/linux/fs.js";
import { filemap_nr_thps } from "../include/linux/pagemap.js";
import { down_write, up_write } from "../kernel/locking/rwsem.js";
import { unmap_mapping_range } from "../mm/memory.js";
import { truncate_inode_pages, truncate_pagecache } from "../mm/truncate.js";

const F = "fs/open.c";
export const FMODE_WRITE = 0x2;
/** ETXTBSY (include/uapi/asm-generic/errno-base.h): text file busy. */
export const ETXTBSY = 26;

/** The file being opened: the inode and the mode (the rest of struct file is not modelled). */
export interface file {
  readonly f_inode: inode;
  readonly f_mode: number;
}

const FN_do_dentry_open = fn("do_dentry_open", F, 768);
const S_get_write_access = site(F, 788, "do_dentry_open", "get_write_access(inode): i_writecount++");
const S_nr_thps = site(F, 859, "do_dentry_open", "filemap_nr_thps(inode->i_mapping)");
// filemap_invalidate_unlock: line 862 with 55fc0d917467 alone on rc3 (lock :860, truncate_pagecache :861);
// line 871 once 8468e937df1f replaced truncate_pagecache by an unmap and truncate_inode_pages (5.15.24).
const S_invalidate_unlock = site(F, 862, "do_dentry_open", "filemap_invalidate_unlock(mapping)");
const S_invalidate_unlock_8468 = site(F, 871, "do_dentry_open", "filemap_invalidate_unlock(mapping)");

// ===== write access on i_writecount (include/linux/fs.h:3046–3063), for patch deny-write-access-in-collapse =====
// They belong to include/linux/fs.h; they live here because only the patch uses them (src/kernel/patches/).

/**
 * get_write_access (include/linux/fs.h:3046): atomic_inc_unless_negative(&inode->i_writecount) ? 0 :
 * -ETXTBSY. Fails only while someone holds write access denied (i_writecount < 0). One atomic RMW: the
 * caller yields after it.
 */
export function get_write_access(ino: inode): number {
  read(ino.id);
  if (ino.i_writecount < 0) return -ETXTBSY;
  write(ino.id);
  ino.i_writecount++;
  return 0;
}

/**
 * deny_write_access (include/linux/fs.h:3050): atomic_dec_unless_positive(&file_inode(file)->i_writecount)
 * ? 0 : -ETXTBSY. Fails while the file is open for write (i_writecount > 0). One atomic RMW.
 */
export function deny_write_access(file: file): number {
  const ino = file.f_inode;
  read(ino.id);
  if (ino.i_writecount > 0) return -ETXTBSY;
  write(ino.id);
  ino.i_writecount--;
  return 0;
}

/** allow_write_access (include/linux/fs.h:3059): atomic_inc(&file_inode(file)->i_writecount). One atomic RMW. */
export function allow_write_access(file: file): void {
  write(file.f_inode.id);
  file.f_inode.i_writecount++;
}

/**
 * do_dentry_open - the write-open path of opening @f (fs/open.c:768)
 * Model: one step for get_write_access's i_writecount increment, one for the nr_thps read, then the
 * truncation's own steps. The parts of open that touch nothing the races involve are left out.
 * Return: 0; or, with patch `deny-write-access-in-collapse`, -ETXTBSY when get_write_access fails.
 */
export function* do_dentry_open(f: file): Gen<number> {
  // thps: the model's filemap_nr_thps(inode->i_mapping) read, tested after its step.
  const L = enter(FN_do_dentry_open, { f, inode: f.f_inode, error: 0, thps: 0 });
  if ((L.f.f_mode & FMODE_WRITE) !== 0) {
    if (patched("deny-write-access-in-collapse")) {
      // get_write_access can fail only while write access is denied, which in the model only the
      // patched collapse_file does: then the open fails (:789–790, goto cleanup_file) and returns
      // -ETXTBSY with nothing truncated. Without the patch the rc3 path below is the same function's
      // success branch.
      L.error = get_write_access(L.inode);
      note(() =>
        L.error === 0 ? "get_write_access: i_writecount++" : "get_write_access: write access denied: -ETXTBSY",
      );
      yield S_get_write_access;
      if (L.error !== 0) return leave(L.error);
    } else {
      i_writecount_inc(L.inode);
      yield S_get_write_access;
    }
  }
  // ... f_op->open and the rest of do_dentry_open (:800–846): nothing the modelled paths share.
  if ((L.f.f_mode & FMODE_WRITE) !== 0) {
    // smp_mb() (:858)
    L.thps = filemap_nr_thps(L.inode.i_mapping);
    note(() => (L.thps !== 0 ? `nr_thps = ${L.thps}: truncate_pagecache(inode, 0)` : "nr_thps = 0: no truncation"));
    yield S_nr_thps;
    if (L.thps !== 0) {
      L.thps = 0; // dead from here
      if (patched("lock-filemap-when-truncating")) yield* down_write(L.inode.i_mapping.invalidate_lock);
      if (patched("unmap-once-in-dentry-open")) {
        // 8468e937df1f (5.15.24 fs/open.c:869–870): one unmap that spares private COW copies (even_cows 0;
        // the model has no COW copies, so this is the first unmap of truncate_pagecache without the second).
        yield* unmap_mapping_range(L.inode.i_mapping, 0, 0, 0);
        yield* truncate_inode_pages(L.inode.i_mapping, 0);
      } else {
        yield* truncate_pagecache(L.inode, 0);
      }
      if (patched("lock-filemap-when-truncating")) {
        up_write(L.inode.i_mapping.invalidate_lock);
        yield patched("unmap-once-in-dentry-open") ? S_invalidate_unlock_8468 : S_invalidate_unlock;
      }
    }
  }
  leave(0);
  return 0;
}
