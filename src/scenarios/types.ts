/**
 * Scenarios are data: the initial page-cache state of one file and what each thread does, in the
 * vocabulary below. src/scenarios/program.ts turns a Scenario into an engine Program over the kernel model.
 */

/** The file whose page cache the threads race on. */
export interface FileSpec {
  /** `regular`: an ext4/xfs-like file (CONFIG_READ_ONLY_THP_FOR_FS); `shmem`: a tmpfs file. */
  readonly kind: "regular" | "shmem";
  /**
   * What its page cache holds at the start, over indices 0..HPAGE_PMD_NR-1:
   * `thp`: one read-only THP, already collapsed (nr_thps = 1 for a regular file);
   * `small`: HPAGE_PMD_NR small, uptodate, clean pages (what khugepaged collapses).
   */
  readonly cache: "thp" | "small";
  /** Indices of small pages that are under writeback (PG_writeback set, clean). */
  readonly writeback?: readonly number[];
  /** Open for write already at the start (i_writecount), e.g. a writer that opened it earlier. */
  readonly openForWrite?: number;
}

/** One thing a thread does, with the kernel entry point it models. */
export type ThreadOp =
  /** open(2) with O_RDWR: do_dentry_open with FMODE_WRITE (fs/open.c:768), then the file stays open. */
  | { readonly op: "open-for-write" }
  /** khugepaged: collapse_file(mm, file, start, &hpage) (mm/khugepaged.c:1638), then put the hpage. */
  | { readonly op: "collapse-file"; readonly start: number }
  /** bio completion in softirq: end_page_writeback(page at index) (mm/filemap.c:1582). */
  | { readonly op: "end-page-writeback"; readonly index: number }
  /** truncate(2) of a tmpfs file to `size` bytes: shmem_setattr's size change (mm/shmem.c:1088). */
  | { readonly op: "truncate"; readonly size: number }
  /**
   * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) on a tmpfs file: the whole pages of
   * [offset, offset + len) are unmapped and dropped (shmem_fallocate, mm/shmem.c:2658).
   */
  | { readonly op: "punch-hole"; readonly offset: number; readonly len: number }
  /**
   * Map the file and read pages [start, start + nr) through the mapping (nr 0: to the end of the file).
   * The first map-read of a thread mmaps the whole file PROT_READ|PROT_EXEC, MAP_PRIVATE with
   * madvise(MADV_HUGEPAGE) (mmap_region, mm/mmap.c:1716); each page is then touched by a user read:
   * a fault (do_user_addr_fault → handle_mm_fault → filemap_fault, do_set_pte) unless its PTE is present.
   * A fault that finds no page gives up on that page (VM_FAULT_SIGBUS in the model; see filemap_fault).
   */
  | { readonly op: "map-read"; readonly start: number; readonly nr: number }
  /** munmap(2) of the thread's mapping: __do_munmap (mm/mmap.c:2796) zaps its PTEs and unlinks it. */
  | { readonly op: "munmap" }
  /**
   * close(2) of the file this thread opened for write last: the final fput's __fput (fs/file_table.c)
   * does put_write_access (include/linux/fs.h:3055), i_writecount--. After an open that failed it does
   * nothing (close of a bad fd: EBADF).
   */
  | { readonly op: "close" }
  /** A loop: `ops` run `times` times in a row. */
  | { readonly op: "repeat"; readonly times: number; readonly ops: readonly ThreadOp[] };

export interface ThreadSpecData {
  /** Shown in reports, e.g. `writer A`. */
  readonly name: string;
  /** The CPU it runs on (oops lines say `CPU: n`). */
  readonly cpu: number;
  /** The process name the oops prints (`comm`). */
  readonly comm: string;
  readonly ops: readonly ThreadOp[];
}

export interface Scenario {
  readonly name: string;
  /** One line for `mmrace list`. */
  readonly summary: string;
  /** What it models, for a kernel developer: the thread, the messages, what to expect. */
  readonly description: string;
  /** Where the race was reported or discussed. */
  readonly sources: readonly string[];
  readonly file: FileSpec;
  readonly threads: readonly ThreadSpecData[];
  /** For a user scenario: the file it was loaded from (what `mmrace replay` must be given). */
  readonly path?: string;
  /** Default HPAGE_PMD_NR for this scenario (4 unless it is a stress workload). */
  readonly hpageNr?: number;
}
