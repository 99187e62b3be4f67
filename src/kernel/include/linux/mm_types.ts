/**
 * struct page (include/linux/mm_types.h), as far as the modelled paths use it, and the model's page
 * allocator bookkeeping.
 *
 * C keeps a tail's head in `compound_head` as (head | 1) and a compound page's order and compound_mapcount
 * in the first tail; the model keeps `compound_head` as the head (null when not a tail) and the order on
 * the head. Readers use the page-flags.ts helpers, which record the footprint of every field read.
 * Freed pages stay in `allPages` with `freed` set (the model's poison): struct pages are never unmapped
 * in the kernel either, so a lockless reader may still look at them.
 */
import { newObject } from "../../../engine/runtime.js";
import type { address_space } from "./fs.js";

/** TAIL_MAPPING poison (include/linux/poison.h: 0x400 + POISON_POINTER_DELTA): ->mapping of a tail. */
export const TAIL_MAPPING = { tail_mapping: true } as const;
export type TailMapping = typeof TAIL_MAPPING;

/** The mapping ->mapping holds, or null for NULL and for the TAIL_MAPPING poison. */
export function as_mapping(m: address_space | TailMapping | null): address_space | null {
  return m === null || "tail_mapping" in m ? null : m;
}

export class Page {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "pfn", "name"];
  /** Shared-object id for footprints. */
  readonly id: number;
  /** Page frame number, for dumps and reports. */
  readonly pfn: number;
  flags = 0;
  _refcount = 0;
  _mapcount = -1;
  mapping: address_space | TailMapping | null = null;
  index = 0;
  /** For a tail page, its head (C: compound_head = head | 1); null otherwise. */
  compound_head: Page | null = null;
  /** On a head: compound_order (C: first tail's compound_order). */
  compound_order = 0;
  /** On a head: compound_mapcount (C: first tail's). */
  compound_mapcount = -1;
  /** On a head: its subpages, head first (the pointer arithmetic `head + i` of C). */
  subpages: Page[] | null = null;
  /** Returned to the allocator: the model's poison; any later write is damage. */
  freed = false;
  /** Model name for reports: `P3` for a small page, `H8` / `H8+2` for a THP head and its tails. */
  name: string;

  constructor(pfn: number) {
    this.id = newObject();
    this.pfn = pfn;
    this.name = `P${pfn}`;
  }
}

/** Pages of the current execution by pfn (reset by `resetPages`). */
export const allPages: Page[] = [];

/** Starts a new execution's page pool. PFNs start at a base that looks like a real dump. */
export function resetPages(): void {
  allPages.length = 0;
}

export const PFN_BASE = 0x84ef00;

/** Allocates fresh struct pages (the model never reuses a freed page: see docs/model.md). */
export function newPages(n: number): Page[] {
  const out: Page[] = [];
  for (let i = 0; i < n; i++) {
    const p = new Page(PFN_BASE + allPages.length);
    allPages.push(p);
    out.push(p);
  }
  return out;
}

/** The subpage `i` of a compound page (C: `head + i`). */
export function nth_page(head: Page, i: number): Page {
  if (i === 0) return head;
  const sp = head.subpages;
  if (sp === null || i >= sp.length) {
    throw new Error(`nth_page: ${head.name} has no subpage ${i}`);
  }
  return sp[i] as Page;
}
