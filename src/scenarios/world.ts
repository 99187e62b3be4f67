/**
 * Builds a scenario's initial kernel state: one file (inode + address_space) whose page cache holds the
 * pages the scenario declares, set up as the kernel would have left them (a collapsed read-only THP:
 * head in every slot, one page-cache reference per slot, nr_thps = 1; or small uptodate pages on the LRU,
 * one reference each). Setup runs outside any execution step, as the state the race starts from.
 */

import type { Gen } from "../engine/runtime.js";
import { rt } from "../engine/runtime.js";
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER } from "../kernel/config.js";
import { address_space, inode } from "../kernel/include/linux/fs.js";
import { allPages, type Page, resetPages } from "../kernel/include/linux/mm_types.js";
import { PG_lru, PG_swapbacked, PG_uptodate, PG_writeback } from "../kernel/include/linux/page-flags.js";
import { SHMEM_I } from "../kernel/include/linux/shmem_fs.js";
import { XA_STATE, xas_create_range, xas_next, xas_set, xas_store } from "../kernel/lib/xarray.js";
import { alloc_pages, freeChecks, pcpPending } from "../kernel/mm/page_alloc.js";
import { resetLog } from "../kernel/printk.js";
import type { FileSpec } from "./types.js";

export interface World {
  readonly inode: inode;
  readonly mapping: address_space;
  /** The pages the file started with, by index (for small pages) or the THP head. */
  readonly initial: readonly Page[];
}

/** Drives a model generator to completion outside the engine (setup only: it must not block). */
export function drive<T>(g: Gen<T>): T {
  for (;;) {
    const r = g.next();
    if (r.done === true) return r.value;
    if (r.value.op === 1 && !r.value.cond()) throw new Error("setup step would block");
    if (r.value.op === 2) throw new Error("setup cannot use explicit-stack calls");
  }
}

/** Makes the file of `spec` with its initial page cache. */
export function buildWorld(spec: FileSpec): World {
  resetPages();
  resetLog();
  pcpPending.length = 0;
  freeChecks.length = 0;
  // Setup runs as a pseudo-thread so that frames and footprints have somewhere to go.
  rt.current = { id: -1, name: "setup", frames: [], local: {}, site: null, wait: null, done: false };
  const ino = new inode(spec.kind === "shmem" ? "shmem-file" : "libtest.so");
  const mapping = new address_space(ino, { shmem: spec.kind === "shmem" });
  ino.i_writecount = spec.openForWrite ?? 0;
  const nr = HPAGE_PMD_NR();
  ino.i_size = nr * 4096; // the file is exactly the range the THP covers
  const initial: Page[] = [];
  const xas = XA_STATE(mapping.i_pages, 0);
  drive(xas_create_range(xas));
  if (spec.cache === "thp") {
    const head = alloc_pages(HPAGE_PMD_ORDER());
    head.name = "H";
    head.subpages?.forEach((p, i) => {
      if (i > 0) p.name = `H+${i}`;
    });
    head.flags |= (1 << PG_uptodate) | (1 << PG_lru);
    if (spec.kind === "shmem") head.flags |= 1 << PG_swapbacked;
    head.mapping = mapping;
    head.index = 0;
    head._refcount = nr; // one page-cache reference per slot (khugepaged.c:1929 in 5.15.24)
    xas_set(xas, 0);
    for (let i = 0; i < nr; i++) {
      drive(xas_next(xas));
      drive(xas_store(xas, head));
    }
    mapping.nrpages = nr;
    if (spec.kind === "regular") mapping.nr_thps = 1;
    initial.push(head);
  } else {
    xas_set(xas, 0);
    for (let i = 0; i < nr; i++) {
      const p = alloc_pages(0);
      p.name = `P${i}`;
      p.flags |= (1 << PG_uptodate) | (1 << PG_lru);
      if (spec.kind === "shmem") p.flags |= 1 << PG_swapbacked;
      if (spec.writeback?.includes(i) === true) p.flags |= 1 << PG_writeback;
      p.mapping = mapping;
      p.index = i;
      p._refcount = 1; // the page cache's reference
      drive(xas_next(xas));
      drive(xas_store(xas, p));
      initial.push(p);
    }
    mapping.nrpages = nr;
  }
  // A tmpfs file's pages were charged to it as shmem_getpage added them (shmem_inode_acct_block and
  // info->alloced += compound_nr(page) in shmem_getpage_gfp, mm/shmem.c:1948): shmem_setattr truncates only when some are (:1121).
  if (spec.kind === "shmem") SHMEM_I(ino).alloced = nr;
  return { inode: ino, mapping, initial };
}

export { allPages };
