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
import { newFieldIds, newObject, read, rt, shared, write } from "../../../engine/runtime.js";
import type { address_space } from "./fs.js";

/** TAIL_MAPPING poison (include/linux/poison.h: 0x400 + POISON_POINTER_DELTA): ->mapping of a tail. */
export const TAIL_MAPPING = { tail_mapping: true } as const;
export type TailMapping = typeof TAIL_MAPPING;

/** The mapping ->mapping holds, or null for NULL and for the TAIL_MAPPING poison. */
export function as_mapping(m: address_space | TailMapping | null): address_space | null {
  return m === null || "tail_mapping" in m ? null : m;
}

// Footprint fields of a struct page, for partial-order reduction: two steps that touch different fields
// of one page are independent (they commute and neither enables nor disables the other), so the search
// need not try both orders. Fields 0–21 are the flag bits (enum pageflags, page-flags.ts): set_bit and
// test_bit are atomic on one bit, and a test of PG_dirty commutes with a set of PG_lru. The words follow.

/** Flag bits in `flags` (enum pageflags up to PG_mlocked, page-flags.ts). */
export const PG_BITS = 22;
export const PF_REFCOUNT = 22;
export const PF_MAPCOUNT = 23;
export const PF_MAPPING = 24;
export const PF_INDEX = 25;
/** compound_head: the tail bit and head pointer (C: one word). */
export const PF_COMPOUND_HEAD = 26;
/** compound_order and the subpage array (C: the first tail's order and `head + i`). */
export const PF_COMPOUND = 27;
export const PF_COMPOUND_MAPCOUNT = 28;
/** The model's poison: set by the free path, read by every write that checks for use after free. */
export const PF_FREED = 29;
const PAGE_FIELDS = 30;

export class Page {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "fid", "pfn", "name"];
  /** Shared-object id: what reports and narratives name the page by. */
  readonly id: number;
  /** First of the page's field ids (PF_*): what footprints record. */
  readonly fid: number;
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
    this.fid = newFieldIds(PAGE_FIELDS);
    this.pfn = pfn;
    this.name = `P${pfn}`;
    // biome-ignore lint/correctness/noConstructorReturn: the footprint audit's hook (runtime.ts shared)
    return shared(this);
  }
}

/** Records that the current step read field `f` (PF_* or a flag bit) of `page`. */
export function read_field(page: Page, f: number): void {
  read(page.fid + f);
}

/** Records that the current step wrote field `f` (PF_* or a flag bit) of `page`. */
export function write_field(page: Page, f: number): void {
  write(page.fid + f);
}

/** page->index, recording the read. */
export function page_index_read(page: Page): number {
  read_field(page, PF_INDEX);
  return page.index;
}

/** atomic_read(&page->_mapcount), recording the read. */
export function page_mapcount_read(page: Page): number {
  read_field(page, PF_MAPCOUNT);
  return page._mapcount;
}

/** Records a read of every flag bit of `page` (a copy of the whole flags word). */
export function read_all_flags(page: Page): void {
  for (let b = 0; b < PG_BITS; b++) read(page.fid + b);
}

/** Records a write of every flag bit of `page` (a store of the whole flags word). */
export function write_all_flags(page: Page): void {
  for (let b = 0; b < PG_BITS; b++) write(page.fid + b);
}

/** Records a write of every field of `page` (the free path, which resets the whole struct page). */
export function write_all_fields(page: Page): void {
  if (!rt.stepping) return; // building the initial state: no step to order
  for (let f = 0; f < PAGE_FIELDS; f++) write(page.fid + f);
}

/**
 * The footprint id of a struct page field by name, for the footprint audit (test/kernel/footprints.test.ts):
 * for `flags`, the ids of the given bits. Labels (id, fid, pfn, name) have none: they are fixed at
 * allocation and not state.
 */
export function pageFieldIds(page: Page, key: string, bits: number): number[] {
  if (key === "flags") {
    const out: number[] = [];
    for (let b = 0; b < PG_BITS; b++) if ((bits & (1 << b)) !== 0) out.push(page.fid + b);
    return out;
  }
  const f = FIELD_OF[key];
  return f === undefined ? [] : [page.fid + f];
}

/** The footprint field of each struct page word (not the flags, audited per bit). */
const FIELD_OF: Readonly<Record<string, number>> = {
  _refcount: PF_REFCOUNT,
  _mapcount: PF_MAPCOUNT,
  mapping: PF_MAPPING,
  index: PF_INDEX,
  compound_head: PF_COMPOUND_HEAD,
  compound_order: PF_COMPOUND,
  subpages: PF_COMPOUND,
  compound_mapcount: PF_COMPOUND_MAPCOUNT,
  freed: PF_FREED,
};

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

/**
 * The subpage `i` of a compound page (C: `head + i`, no memory read; the model reads its subpage array,
 * which a split clears, so the read is in the footprint: it can only add dependence).
 */
export function nth_page(head: Page, i: number): Page {
  if (i === 0) return head;
  read_field(head, PF_COMPOUND);
  const sp = head.subpages;
  if (sp === null || i >= sp.length) {
    throw new Error(`nth_page: ${head.name} has no subpage ${i}`);
  }
  return sp[i] as Page;
}
