/**
 * mm/filemap.c, the page-fault side: the lockless lookup of one index (mapping_get_entry,
 * pagecache_get_page) and filemap_fault, generic_file_vm_ops' ->fault.
 *
 * Line numbers are v5.15-rc3's: 5.15.24's below :2096 (mapping_get_entry, pagecache_get_page,
 * __lock_page_killable) and one more after, for the VM_BUG_ON_PAGE in find_lock_entries that
 * d417b49fff3e removed (lock_page_maybe_drop_mmap, filemap_fault); docs/model.md, "Line numbers".
 *
 * Lock ordering, the fault's part (mm/rmap.c:21): mmap_lock (read; not modelled) → invalidate_lock
 * (shared, only when the page is missing or not uptodate) → page lock → ptl (in finish_fault).
 *
 * The model's files are fully cached when a scenario starts, and nothing here reads a page in: where the
 * C would allocate and read one (do_sync_mmap_readahead, pagecache_get_page with FGP_CREAT,
 * filemap_read_page), filemap_fault gives up with VM_FAULT_SIGBUS ("no page"). Only a truncation can
 * leave a hole, so only faults racing or following a truncation end that way.
 */
import { enter, type Gen, leave, note, read, waitUntil } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { VM_BUG_ON_PAGE } from "../bug.js";
import type { address_space } from "../include/linux/fs.js";
import { put_page } from "../include/linux/mm.js";
import { type Page, PF_MAPPING, read_field } from "../include/linux/mm_types.js";
import { compound_head, PageUptodate, PG_locked, test_and_set_bit } from "../include/linux/page-flags.js";
import {
  find_subpage,
  lock_page,
  page_cache_get_speculative,
  page_to_index,
  thp_contains,
  trylock_page,
  unlock_page,
} from "../include/linux/pagemap.js";
import { down_read, up_read } from "../kernel/locking/rwsem.js";
import { rcu_read_lock, rcu_read_unlock } from "../kernel/rcu.js";
import { XA_STATE, type XaEntry, xa_is_value, xas_load, xas_reload, xas_reset, xas_retry } from "../lib/xarray.js";
import { wait_frozen_page } from "./filemap.js";
import {
  FAULT_FLAG_KILLABLE,
  FAULT_FLAG_RETRY_NOWAIT,
  fault_flag_allow_retry_first,
  VM_FAULT_LOCKED,
  VM_FAULT_MAJOR,
  VM_FAULT_RETRY,
  VM_FAULT_SIGBUS,
  type vm_fault,
  type vm_operations_struct,
} from "./memory.js";

const F = "mm/filemap.c";
const at = (line: number) => ({ file: F, line });

// ===== pagecache_get_page flags (include/linux/pagemap.h:325) =====

export const FGP_ACCESSED = 0x00000001;
export const FGP_LOCK = 0x00000002;
export const FGP_CREAT = 0x00000004;
export const FGP_WRITE = 0x00000008;
export const FGP_NOFS = 0x00000010;
export const FGP_NOWAIT = 0x00000020;
export const FGP_FOR_MMAP = 0x00000040;
export const FGP_HEAD = 0x00000080;
export const FGP_ENTRY = 0x00000100;

// ===== lookup of one index =====

const FN_mapping_get_entry = fn("mapping_get_entry", F, 1817);
const S_mge_get = site(F, 1836, "mapping_get_entry", "page_cache_get_speculative(page)");
const S_mge_frozen = site(F, 1837, "mapping_get_entry", "goto repeat: the page is frozen (refcount 0)");
const S_mge_put = site(F, 1845, "mapping_get_entry", "put_page(page): slot changed under us");

/**
 * mapping_get_entry - get a page cache entry (mm/filemap.c:1817)
 * @mapping: the address_space to search; @index: the page cache index
 *
 * Loads the slot at @index under RCU. A page gets a speculative reference on the head
 * (page_cache_get_speculative), and the slot is reloaded: if it no longer holds that page (moved,
 * split, deleted, collapsed) the reference is dropped and the lookup starts again. A frozen page
 * (refcount 0, e.g. one collapse_file has frozen at :1838 rc3) fails the get and the lookup starts again.
 *
 * Context: takes and drops the RCU read lock; never sleeps.
 * Return: the head page with a reference, a value entry, or null.
 * C: mm/filemap.c:1817–1852.
 * Model: xas_load's steps, one step for the refcount RMW, the reload's step, one for the put. As in
 * find_get_entry, the retry after a failed get waits until the page is unfrozen or the slot changes
 * (docs/model.md, "Spin loops").
 */
export function* mapping_get_entry(mapping: address_space, index: number): Gen<XaEntry> {
  const L = enter(FN_mapping_get_entry, {
    mapping,
    index,
    xas: XA_STATE(mapping.i_pages, index),
    page: null as XaEntry,
    got: false,
  });
  rcu_read_lock();
  for (;;) {
    // repeat: (:1824)
    L.got = false;
    xas_reset(L.xas);
    L.page = yield* xas_load(L.xas);
    if (xas_retry(L.xas, L.page)) continue;
    if (L.page === null || xa_is_value(L.page)) break;
    // Alias of L.page, which does not change before the next xas_load.
    const page = L.page as Page;
    L.got = page_cache_get_speculative(page);
    yield S_mge_get;
    if (!L.got) {
      yield wait_frozen_page(S_mge_frozen, L.mapping.i_pages, L.index, page);
      continue;
    }
    const again = yield* xas_reload(L.xas);
    if (again === page) break;
    put_page(page);
    yield S_mge_put;
  }
  rcu_read_unlock();
  return leave(L.page);
}

const FN_pagecache_get_page = fn("pagecache_get_page", F, 1888);
const S_pgp_trylock = site(F, 1905, "pagecache_get_page", "FGP_NOWAIT: trylock_page(page)");
const S_pgp_put_nowait = site(F, 1906, "pagecache_get_page", "FGP_NOWAIT: put_page(page)");
const S_pgp_unlock = site(F, 1915, "pagecache_get_page", "page->mapping != mapping: unlock_page(page)");
const S_pgp_put = site(F, 1916, "pagecache_get_page", "page->mapping != mapping: put_page(page)");

/**
 * pagecache_get_page - find and get a reference to a page (mm/filemap.c:1888)
 * @mapping: the address_space to search; @index: the page index
 * @fgp_flags: FGP_LOCK (return it locked, re-checking ->mapping and retrying if it was truncated),
 *   FGP_NOWAIT (only trylock), FGP_HEAD (return a THP's head, not the subpage for @index), FGP_ENTRY
 *   (return a value entry), FGP_CREAT (allocate and add a page if none: not modelled, see below)
 *
 * With FGP_LOCK the page comes back locked, still in @mapping, and VM_BUG_ON_PAGE(!thp_contains(page,
 * index)) (:1919) checks that a THP found at @index covers it. find_get_page is fgp_flags 0: a reference,
 * no lock. FGP_ACCESSED (mark_page_accessed) and FGP_WRITE (idle tracking) change nothing the model keeps.
 * FGP_CREAT: the model never allocates here; a miss returns null, where the C would add a new page
 * (:1933–1965). Callers say what that means for them.
 *
 * Context: may sleep with FGP_LOCK.
 * Return: the page (the subpage for @index unless FGP_HEAD), a value entry with FGP_ENTRY, or null.
 * C: mm/filemap.c:1888–1968. Model: mapping_get_entry's steps, lock_page's, one step each for the
 * unlock and put of a truncated page. The ->mapping read is under the page lock and folds.
 */
export function* pagecache_get_page(mapping: address_space, index: number, fgp_flags: number): Gen<XaEntry> {
  const L = enter(FN_pagecache_get_page, { mapping, index, fgp_flags, page: null as XaEntry, ok: false });
  for (;;) {
    // repeat: (:1893)
    L.page = yield* mapping_get_entry(L.mapping, L.index);
    if (xa_is_value(L.page)) {
      if ((L.fgp_flags & FGP_ENTRY) !== 0) return leave(L.page);
      L.page = null;
    }
    if (L.page === null) break;
    // Alias of L.page, which does not change before the next mapping_get_entry.
    const page = L.page as Page;
    if ((L.fgp_flags & FGP_LOCK) !== 0) {
      if ((L.fgp_flags & FGP_NOWAIT) !== 0) {
        L.ok = trylock_page(page);
        yield S_pgp_trylock;
        if (!L.ok) {
          put_page(page);
          yield S_pgp_put_nowait;
          return leave(null);
        }
        L.ok = false;
      } else {
        yield* lock_page(page);
      }
      read_field(page, PF_MAPPING);
      if (page.mapping !== L.mapping) {
        // Has the page been truncated? (:1914)
        unlock_page(page);
        yield S_pgp_unlock;
        put_page(page);
        yield S_pgp_put;
        continue;
      }
      VM_BUG_ON_PAGE(() => !thp_contains(page, L.index), page, at(1919), "!thp_contains(page, index)");
    }
    if ((L.fgp_flags & FGP_HEAD) === 0) L.page = find_subpage(page, L.index);
    return leave(L.page);
  }
  // no_page: (:1932)
  if ((L.fgp_flags & FGP_CREAT) !== 0) {
    note(() => `no page at index ${L.index}: the model reads no page in (FGP_CREAT not modelled)`);
  }
  return leave(null);
}

// ===== filemap_fault =====

const FN___lock_page_killable = fn("__lock_page_killable", F, 1653);
const S_lpk_wait = site(F, 1657, "__lock_page_killable", "sleep until the page is unlocked");
const S_lpk_got = site(F, 1657, "__lock_page_killable", "take PG_locked after waking");

/**
 * __lock_page_killable (mm/filemap.c:1653): sleep on the head's PG_locked until it can take it. No
 * modelled thread gets a fatal signal, so it always returns 0 with the lock held. Model: as __lock_page.
 */
function* __lock_page_killable(page: Page): Gen<number> {
  const L = enter(FN___lock_page_killable, { head: null as Page | null });
  const head = compound_head(page);
  L.head = head; // head: alias of L.head, which never changes
  for (;;) {
    yield waitUntil(S_lpk_wait, () => (head.flags & (1 << PG_locked)) === 0, `page lock of ${head.name}`);
    if (!test_and_set_bit(PG_locked, head)) break;
  }
  yield S_lpk_got;
  return leave(0);
}

/** filemap_fault's locals: what steers it across a yield. */
interface FaultLocals {
  readonly vmf: vm_fault;
  /** vmf->vma->vm_file->f_mapping (the model's file->f_inode->i_mapping). */
  readonly mapping: address_space;
  readonly offset: number;
  page: Page | null;
  /** The file pinned when mmap_lock was dropped to sleep (maybe_unlock_mmap_for_io): a retry is due. */
  fpin: boolean;
  /** invalidate_lock held shared. */
  mapping_locked: boolean;
  ret: number;
  /** Model: the PageUptodate read of the found page, tested after its step. */
  uptodate: boolean;
  /** Model: false only on the first pass, which goes to the lock with the page find_get_page found. */
  retry_find: boolean;
}

const FN_lock_page_maybe_drop_mmap = fn("lock_page_maybe_drop_mmap", F, 2900);
const S_lpmdm_trylock = site(F, 2903, "lock_page_maybe_drop_mmap", "trylock_page(page)");

/**
 * lock_page_maybe_drop_mmap - lock the page for a fault, dropping mmap_lock if it must sleep
 * (mm/filemap.c:2900)
 *
 * trylock; else, with FAULT_FLAG_RETRY_NOWAIT, give up; else on the first attempt of a retryable fault
 * pin the file and drop mmap_lock (maybe_unlock_mmap_for_io, mm/internal.h:432: sets @L.fpin, after
 * which the fault must return VM_FAULT_RETRY) and sleep for the lock.
 * Return: 1 with the page locked, 0 without. Model: one step for the trylock, the sleep's steps.
 */
function* lock_page_maybe_drop_mmap(vmf: vm_fault, page: Page, fpin: FaultLocals): Gen<number> {
  // fpin: the caller's frame locals, where the model keeps *fpin (C: struct file **fpin).
  const L = enter(FN_lock_page_maybe_drop_mmap, { vmf, page, fpin, ok: false });
  L.ok = trylock_page(page);
  yield S_lpmdm_trylock;
  if (L.ok) return leave(1);
  if ((L.vmf.flags & FAULT_FLAG_RETRY_NOWAIT) !== 0) return leave(0);
  if (!L.fpin.fpin && fault_flag_allow_retry_first(L.vmf.flags)) {
    L.fpin.fpin = true; // get_file + mmap_read_unlock (not modelled)
    note(() => `trylock_page(${L.page.name}) fails: drop mmap_lock and sleep, then retry the fault`);
  }
  if ((L.vmf.flags & FAULT_FLAG_KILLABLE) === 0) {
    throw new Error("lock_page_maybe_drop_mmap: only killable (user) faults are modelled");
  }
  yield* __lock_page_killable(L.page);
  return leave(1);
}

const FN_filemap_fault = fn("filemap_fault", F, 3037);
const S_ff_uptodate = site(F, 3065, "filemap_fault", "PageUptodate(page)");
const S_ff_unlock_truncated = site(F, 3100, "filemap_fault", "truncated: unlock_page(page)");
const S_ff_put_truncated = site(F, 3101, "filemap_fault", "truncated: put_page(page)");
const S_ff_unlock_not_uptodate = site(F, 3118, "filemap_fault", "!PageUptodate: unlock_page(page)");
const S_ff_put_not_uptodate = site(F, 3119, "filemap_fault", "!PageUptodate: put_page(page)");
const S_ff_unlock_fpin = site(F, 3131, "filemap_fault", "fpin: unlock_page(page)");
const S_ff_retry_put = site(F, 3177, "filemap_fault", "out_retry: put_page(page)");
const S_ff_nopage = site(F, 3087, "filemap_fault", "no page: the model reads none in");

/**
 * filemap_fault - read in file data for page fault handling (mm/filemap.c:3037)
 * @vmf: the fault: vma, pgoff, flags; receives the locked page in vmf->page
 *
 * find_get_page (a reference, no lock; the subpage for a THP). If there is none, or if it is not
 * uptodate, filemap_invalidate_lock_shared is taken (:3066, :3081) so that no truncation can run under
 * the read. The page is then locked (lock_page_maybe_drop_mmap); if ->mapping changed meanwhile it was
 * truncated: drop it and look again under invalidate_lock (retry_find, :3075). VM_BUG_ON_PAGE(
 * page_to_pgoff(page) != offset) (:3104) checks that the locked page is the one for @offset. If the fault
 * had to drop mmap_lock to sleep, it returns VM_FAULT_RETRY after all that and the caller faults again.
 *
 * Not modelled, each leaving a path the C takes when its call fails or finds nothing to do: readahead
 * (do_async/do_sync_mmap_readahead: no PG_readahead pages, no I/O); reading a missing page in (FGP_CREAT;
 * the model returns VM_FAULT_SIGBUS there, say "no page", where the C would map a freshly read page);
 * re-reading a page that is !Uptodate under its lock (filemap_read_page; unreachable in the model: a
 * page is only ever !Uptodate while collapse_file holds its lock, and collapse_file makes it uptodate or
 * clears its ->mapping before unlocking: reaching it is a model error). i_size is read twice (:3050,
 * :3141); no modelled thread changes it, so those reads fold.
 *
 * Context: mmap_lock held for read (not modelled); may sleep.
 * Return: VM_FAULT_LOCKED (| VM_FAULT_MAJOR) with vmf->page locked and referenced; VM_FAULT_RETRY;
 * VM_FAULT_SIGBUS beyond EOF or, in the model, when there is no page.
 * Model: the lookup's steps, one for the PageUptodate read, the rwsem's and the lock's steps; then the
 * checks under the page lock fold, and each unlock and put is its own step.
 */
export function* filemap_fault(vmf: vm_fault): Gen<number> {
  const mapping = vmf.vma.vm_file.f_inode.i_mapping;
  const inode = mapping.host;
  const L = enter<FaultLocals>(FN_filemap_fault, {
    vmf,
    mapping,
    offset: vmf.pgoff,
    page: null,
    fpin: false,
    mapping_locked: false,
    ret: 0,
    uptodate: false,
    retry_find: false,
  });
  read(inode.id);
  const max_off = Math.ceil(inode.i_size / 4096); // i_size_read (:3050)
  if (L.offset >= max_off) return leave(VM_FAULT_SIGBUS);

  L.page = (yield* pagecache_get_page(L.mapping, L.offset, 0)) as Page | null; // find_get_page (:3057)
  if (L.page !== null) {
    // do_async_mmap_readahead (:3064): no PG_readahead page exists in the model.
    L.uptodate = PageUptodate(L.page);
    yield S_ff_uptodate;
    if (!L.uptodate) {
      yield* down_read(L.mapping.invalidate_lock); // :3066
      L.mapping_locked = true;
    }
    L.uptodate = false;
  } else {
    L.ret = VM_FAULT_MAJOR; // :3073; do_sync_mmap_readahead (:3074) reads nothing in the model
    L.retry_find = true;
  }

  for (;;) {
    if (L.retry_find) {
      // retry_find: (:3075)
      if (!L.mapping_locked) {
        yield* down_read(L.mapping.invalidate_lock); // :3081
        L.mapping_locked = true;
      }
      L.page = (yield* pagecache_get_page(L.mapping, L.offset, FGP_CREAT | FGP_FOR_MMAP)) as Page | null;
      if (L.page === null) {
        // The C would have added and read a new page here; the model gives up on the access.
        up_read(L.mapping.invalidate_lock);
        L.mapping_locked = false;
        note(() => `no page at index ${L.offset}: VM_FAULT_SIGBUS (the model reads no page in)`);
        yield S_ff_nopage;
        return leave(VM_FAULT_SIGBUS);
      }
    }
    L.retry_find = true;
    // Alias of L.page, which does not change until it is set to null before a `continue`.
    const page = L.page as Page;
    if ((yield* lock_page_maybe_drop_mmap(L.vmf, page, L)) === 0) return yield* out_retry(L);

    // Did it get truncated? (:3099) ->mapping, ->index and PG_uptodate are stable under the page lock.
    const head = compound_head(page);
    read_field(head, PF_MAPPING);
    if (head.mapping !== L.mapping) {
      note(() => `${head.name}->mapping changed: truncated, look again`);
      unlock_page(page);
      yield S_ff_unlock_truncated;
      put_page(page);
      yield S_ff_put_truncated;
      L.page = null;
      continue;
    }
    VM_BUG_ON_PAGE(() => page_to_index(page) !== L.offset, page, at(3104), "page_to_pgoff(page) != offset");
    if (!PageUptodate(page)) {
      if (!L.mapping_locked) {
        unlock_page(page);
        yield S_ff_unlock_not_uptodate;
        put_page(page);
        yield S_ff_put_not_uptodate;
        L.page = null;
        continue;
      }
      // page_not_uptodate (:3151): filemap_read_page.
      throw new Error(`filemap_fault: ${page.name} is !Uptodate under its lock; filemap_read_page is not modelled`);
    }
    if (L.fpin) {
      unlock_page(page);
      yield S_ff_unlock_fpin;
      return yield* out_retry(L);
    }
    if (L.mapping_locked) {
      up_read(L.mapping.invalidate_lock); // :3135
      L.mapping_locked = false;
    }
    // i_size re-check under the page lock (:3141): only truncate(2) of a tmpfs file changes i_size in the
    // model, and tmpfs faults (shmem_fault) are not modelled, so it reads what :3050 read.
    L.vmf.page = page;
    return leave(L.ret | VM_FAULT_LOCKED);
  }
}

/**
 * filemap_fault's out_retry: label (:3170): drop the page and invalidate_lock, return VM_FAULT_RETRY.
 * No frame of its own (it is part of filemap_fault): its only variable, L, is filemap_fault's frame locals.
 */
function* out_retry(L: FaultLocals): Gen<number> {
  if (L.page !== null) {
    put_page(L.page);
    L.page = null;
    if (L.mapping_locked) up_read(L.mapping.invalidate_lock);
    L.mapping_locked = false;
    yield S_ff_retry_put;
  } else if (L.mapping_locked) {
    up_read(L.mapping.invalidate_lock);
    L.mapping_locked = false;
  }
  // fput(fpin) (:3181): struct file references are not modelled.
  return leave(L.ret | VM_FAULT_RETRY);
}

/**
 * generic_file_vm_ops (mm/filemap.c:3372): the vm_ops generic_file_mmap gives a file VMA. ->map_pages
 * (filemap_map_pages) and ->page_mkwrite are not modelled: fault-around is off (memory.ts) and the
 * modelled faults are reads.
 */
export const generic_file_vm_ops: vm_operations_struct = { fault: filemap_fault };
