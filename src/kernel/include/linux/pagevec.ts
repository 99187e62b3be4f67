/**
 * struct pagevec (include/linux/pagevec.h): a thread-local batch of up to PAGEVEC_SIZE entries.
 * It lives in the frame of the function that declares it, so it is part of the thread's visible state.
 */
import { enter, type Gen, leave } from "../../../engine/runtime.js";
import { fn, site } from "../../../engine/site.js";
import { type XaEntry, xa_is_value } from "../../lib/xarray.js";
import { free_unref_page } from "../../mm/page_alloc.js";
import { __page_cache_release, __put_compound_page } from "../../mm/swap.js";
import { put_page_testzero } from "./mm.js";
import type { Page } from "./mm_types.js";
import { compound_head, PageCompound } from "./page-flags.js";

/** PAGEVEC_SIZE (pagevec.h:15). */
export const PAGEVEC_SIZE = 15;

/** A pagevec slot: a page, or a value entry (shadow/swap) from find_*_entries. */
export type PvecEntry = Page | XaEntry;

export class pagevec {
  nr = 0;
  percpu_pvec_drained = false;
  readonly pages: PvecEntry[] = [];
}

/** pagevec_init (pagevec.h:48). */
export function pagevec_init(pvec: pagevec): void {
  pvec.nr = 0;
  pvec.percpu_pvec_drained = false;
  pvec.pages.length = 0;
}

/** pagevec_reinit (pagevec.h:54). */
export function pagevec_reinit(pvec: pagevec): void {
  pvec.nr = 0;
  pvec.pages.length = 0;
}

/** pagevec_count (pagevec.h:59). */
export function pagevec_count(pvec: pagevec): number {
  return pvec.nr;
}

/** pagevec_add (pagevec.h:72): returns the space left (0 = now full). */
export function pagevec_add(pvec: pagevec, page: PvecEntry): number {
  pvec.pages[pvec.nr++] = page;
  return PAGEVEC_SIZE - pvec.nr;
}

/** pagevec_remove_exceptionals (mm/swap.c:1069): drop value entries, keeping pages in order. */
export function pagevec_remove_exceptionals(pvec: pagevec): void {
  let j = 0;
  for (let i = 0; i < pvec.nr; i++) {
    const e = pvec.pages[i] as PvecEntry;
    if (!xa_is_value(e as XaEntry)) pvec.pages[j++] = e;
  }
  pvec.nr = j;
  pvec.pages.length = j;
}

const FN_pagevec_release = fn("__pagevec_release", "mm/swap.c", 977);
const FN_release_pages = fn("release_pages", "mm/swap.c", 886);
const S_release_put = site("mm/swap.c", 931, "release_pages", "put_page_testzero(page)");

/**
 * pagevec_release (pagevec.h:78) → __pagevec_release (swap.c:977) → release_pages (:886).
 * lru_add_drain is a no-op in the model (no per-cpu LRU pagevecs, see docs/model.md).
 * Model: one step per page put, since each put races with a freeze or a speculative get elsewhere.
 */
export function* pagevec_release(pvec: pagevec): Gen<void> {
  if (pagevec_count(pvec) === 0) return;
  const L = enter(FN_pagevec_release, { pvec });
  pvec.percpu_pvec_drained = true;
  yield* release_pages(pvec.pages.slice(0, pvec.nr) as Page[]);
  pagevec_reinit(L.pvec);
  leave(undefined);
}

/** release_pages (swap.c:886), one yield per reference dropped. */
export function* release_pages(pages: readonly Page[]): Gen<void> {
  const L = enter(FN_release_pages, { pages, i: 0 });
  for (L.i = 0; L.i < L.pages.length; L.i++) {
    const page = compound_head(L.pages[L.i] as Page);
    const last = put_page_testzero(page);
    if (last) {
      if (PageCompound(page)) __put_compound_page(page);
      else {
        __page_cache_release(page);
        free_unref_page(page, 0);
      }
    }
    yield S_release_put;
  }
  leave(undefined);
}
