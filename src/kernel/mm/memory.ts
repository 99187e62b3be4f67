/**
 * mm/memory.c: unmapping a file's pages from user page tables.
 *
 * The model keeps no page tables: a page's "mapped" state is its _mapcount, and the PTE mappers of a
 * mapping are the pages listed in `mapping_ptes` (set up by a scenario whose reader maps the file).
 * What matters for the races is kept: the i_mmap_rwsem these functions take for write (they sleep on it),
 * the VM_BUG_ONs of unmap_mapping_page, and that a zapped PTE drops its page reference and mapcount.
 */
import { enterFn, type Gen, leave, write } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { VM_BUG_ON_LAZY } from "../bug.js";
import type { address_space } from "../include/linux/fs.js";
import { put_page } from "../include/linux/mm.js";
import type { Page } from "../include/linux/mm_types.js";
import { compound_head, PageLocked, PageTail } from "../include/linux/page-flags.js";
import { down_write, up_write } from "../kernel/locking/rwsem.js";

const F = "mm/memory.c";

/** Pages mapped by user PTEs, per mapping (the model's stand-in for the i_mmap interval tree). */
export const mapping_ptes = new WeakMap<address_space, Page[]>();

const S_zap = site(F, 3374, "unmap_mapping_range_tree", "zap_page_range_single: PTE cleared");

/** Zaps the PTEs of pages of @mapping with index in [first, last], dropping their refs and mapcounts. */
function* zap(mapping: address_space, first: number, last: number): Gen<void> {
  const ptes = mapping_ptes.get(mapping);
  if (ptes === undefined) return;
  for (let i = 0; i < ptes.length; ) {
    const p = ptes[i] as Page;
    const head = compound_head(p);
    const idx = head.index + (head.subpages === null ? 0 : head.subpages.indexOf(p));
    if (idx < first || idx > last) {
      i++;
      continue;
    }
    ptes.splice(i, 1);
    write(p.id);
    p._mapcount--;
    put_page(p);
    yield S_zap;
  }
}

const FN_unmap_mapping_page = fn("unmap_mapping_page", F, 3359);

/** unmap_mapping_page (memory.c:3359): VM_BUG_ON(!PageLocked) :3364, VM_BUG_ON(PageTail) :3365. */
export function* unmap_mapping_page(page: Page): Gen<void> {
  enterFn(FN_unmap_mapping_page);
  VM_BUG_ON_LAZY(() => !PageLocked(page), { file: F, line: 3364 }, "!PageLocked(page)");
  VM_BUG_ON_LAZY(() => PageTail(page), { file: F, line: 3365 }, "PageTail(page)");
  const mapping = page.mapping as address_space;
  const nr = page.subpages === null ? 1 : page.subpages.length;
  yield* down_write(mapping.i_mmap_rwsem);
  yield* zap(mapping, page.index, page.index + nr - 1);
  up_write(mapping.i_mmap_rwsem);
  leave(undefined);
}

const FN_unmap_mapping_pages = fn("unmap_mapping_pages", F, 3390);
const S_umr_unlock = site(F, 3405, "unmap_mapping_pages", "i_mmap_unlock_write(mapping)");

/**
 * unmap_mapping_pages - unmap pages of @mapping from every process (memory.c:3390–3405)
 * @mapping: the file's mapping; @start: first index; @nr: how many (0: to the end of the file)
 * @_even_cows: also private COWed pages; the model keeps none
 *
 * i_mmap_lock_write, zap the PTEs of indices [start, start + nr − 1] in every VMA, unlock. collapse_file
 * calls it for one index (mm/khugepaged.c:1824, rc3). Model: the rwsem's step, one step per PTE zapped,
 * one for the unlock (S_umr_unlock, the same line).
 */
export function* unmap_mapping_pages(
  mapping: address_space,
  start: number,
  nr: number,
  _even_cows: boolean,
): Gen<void> {
  enterFn(FN_unmap_mapping_pages);
  const last = nr === 0 ? Number.MAX_SAFE_INTEGER : start + nr - 1;
  yield* down_write(mapping.i_mmap_rwsem);
  yield* zap(mapping, start, last);
  up_write(mapping.i_mmap_rwsem);
  yield S_umr_unlock;
  leave(undefined);
}

const FN_unmap_mapping_range = fn("unmap_mapping_range", F, 3425);

/**
 * unmap_mapping_range (memory.c:3425) → unmap_mapping_pages (:3390): i_mmap_lock_write, zap the range in
 * every VMA, unlock. `even_cows` only matters for private COW pages, which the model does not keep.
 */
export function* unmap_mapping_range(
  mapping: address_space,
  holebegin: number,
  holelen: number,
  _even_cows: number,
): Gen<void> {
  enterFn(FN_unmap_mapping_range);
  const first = Math.floor(holebegin / 4096);
  const last = holelen === 0 ? Number.MAX_SAFE_INTEGER : first + Math.ceil(holelen / 4096) - 1;
  yield* down_write(mapping.i_mmap_rwsem);
  yield* zap(mapping, first, last);
  up_write(mapping.i_mmap_rwsem);
  yield S_umr_unlock;
  leave(undefined);
}
