/**
 * Page flags: include/linux/page-flags.h (v5.15). Bit numbers follow `enum pageflags` (page-flags.h:103).
 *
 * Testers honour the kernel's per-flag policy: PF_NO_TAIL tests (PageLocked, PageWriteback, PageUptodate)
 * read the head's bit, PF_HEAD (PageDirty, PageLRU...) the head's, PF_ANY (PageHead) the page's own.
 * Setters/clearers of PF_NO_TAIL flags trip VM_BUG_ON_PGFLAGS on a tail (page-flags.h:255); the model
 * asserts that as an invariant since CONFIG_DEBUG_VM_PGFLAGS is off in the reports we model.
 * Each tester records a read of the flag bit it reads (mm_types.ts, footprint fields); callers yield after
 * racy reads.
 */
import { VM_BUG_ON_PAGE } from "../../bug.js";
import { type Page, PF_COMPOUND_HEAD, read_field, write_field } from "./mm_types.js";

export const PG_locked = 0;
export const PG_referenced = 1;
export const PG_uptodate = 2;
export const PG_dirty = 3;
export const PG_lru = 4;
export const PG_active = 5;
export const PG_workingset = 6;
export const PG_waiters = 7;
export const PG_error = 8;
export const PG_slab = 9;
export const PG_owner_priv_1 = 10;
export const PG_arch_1 = 11;
export const PG_reserved = 12;
export const PG_private = 13;
export const PG_private_2 = 14;
export const PG_writeback = 15;
export const PG_head = 16;
export const PG_mappedtodisk = 17;
export const PG_reclaim = 18;
export const PG_swapbacked = 19;
export const PG_unevictable = 20;
export const PG_mlocked = 21;

/** Names as dump_page's %pGp prints them, by bit. */
export const PAGEFLAG_NAMES: readonly string[] = [
  "locked",
  "referenced",
  "uptodate",
  "dirty",
  "lru",
  "active",
  "workingset",
  "waiters",
  "error",
  "slab",
  "owner_priv_1",
  "arch_1",
  "reserved",
  "private",
  "private_2",
  "writeback",
  "head",
  "mappedtodisk",
  "reclaim",
  "swapbacked",
  "unevictable",
  "mlocked",
];

const bit = (b: number): number => 1 << b;

/** PAGE_FLAGS_CHECK_AT_FREE, include/linux/page-flags.h:820–825. */
export const PAGE_FLAGS_CHECK_AT_FREE =
  bit(PG_lru) |
  bit(PG_locked) |
  bit(PG_private) |
  bit(PG_private_2) |
  bit(PG_writeback) |
  bit(PG_reserved) |
  bit(PG_slab) |
  bit(PG_active) |
  bit(PG_unevictable) |
  bit(PG_mlocked);

/** Decoded flag words seen so far: a run's pages take only a few distinct values (stateKey decodes every page). */
const flagNamesCache = new Map<number, string>();

/** The flags decoded as dump_page prints them: `locked|uptodate|lru|head`. */
export function flagNames(flags: number): string {
  let s = flagNamesCache.get(flags);
  if (s === undefined) {
    const out: string[] = [];
    for (let b = 0; b < PAGEFLAG_NAMES.length; b++) if ((flags & bit(b)) !== 0) out.push(PAGEFLAG_NAMES[b] as string);
    s = out.join("|");
    flagNamesCache.set(flags, s);
  }
  return s;
}

/** Reads bit `b` of `page->flags`, recording the read. */
export function test_bit(b: number, page: Page): boolean {
  read_field(page, b);
  return (page.flags & (1 << b)) !== 0;
}

export function set_bit(b: number, page: Page): void {
  write_field(page, b);
  page.flags |= 1 << b;
}

export function clear_bit(b: number, page: Page): void {
  write_field(page, b);
  page.flags &= ~(1 << b);
}

/** test_and_set_bit: atomic RMW; returns the old value. */
export function test_and_set_bit(b: number, page: Page): boolean {
  write_field(page, b);
  const old = (page.flags & (1 << b)) !== 0;
  page.flags |= 1 << b;
  return old;
}

/** test_and_clear_bit: atomic RMW; returns the old value. */
export function test_and_clear_bit(b: number, page: Page): boolean {
  write_field(page, b);
  const old = (page.flags & (1 << b)) !== 0;
  page.flags &= ~(1 << b);
  return old;
}

// ===== compound pages (page-flags.h:185–204) =====

/** PageTail: one read of page->compound_head, bit 0 (page-flags.h:196). */
export function PageTail(page: Page): boolean {
  read_field(page, PF_COMPOUND_HEAD);
  return page.compound_head !== null;
}

/** compound_head(page): READ_ONCE of page->compound_head (page-flags.h:194). */
export function compound_head(page: Page): Page {
  read_field(page, PF_COMPOUND_HEAD);
  return page.compound_head ?? page;
}

/** PageHead: PF_ANY, the page's own PG_head. */
export function PageHead(page: Page): boolean {
  return test_bit(PG_head, page);
}

/** PageCompound: PageHead || PageTail (page-flags.h:201). */
export function PageCompound(page: Page): boolean {
  return PageHead(page) || PageTail(page);
}

// ===== PF_NO_TAIL / PF_HEAD testers: read the head's flags =====

export function PageLocked(page: Page): boolean {
  return test_bit(PG_locked, compound_head(page));
}
export function PageWriteback(page: Page): boolean {
  return test_bit(PG_writeback, compound_head(page));
}
export function PageUptodate(page: Page): boolean {
  return test_bit(PG_uptodate, compound_head(page));
}
export function PageDirty(page: Page): boolean {
  return test_bit(PG_dirty, compound_head(page));
}
export function PageLRU(page: Page): boolean {
  return test_bit(PG_lru, compound_head(page));
}
export function PageSwapBacked(page: Page): boolean {
  return test_bit(PG_swapbacked, compound_head(page));
}
export function PagePrivate(page: Page): boolean {
  return test_bit(PG_private, page);
}
export function PageActive(page: Page): boolean {
  return test_bit(PG_active, compound_head(page));
}

/** Setters/clearers used by the modelled paths (PF_NO_TAIL/PF_HEAD: applied to the head). */
export function SetPageUptodate(page: Page): void {
  set_bit(PG_uptodate, compound_head(page));
}
export function SetPageDirty(page: Page): void {
  set_bit(PG_dirty, compound_head(page));
}
export function ClearPageDirty(page: Page): void {
  clear_bit(PG_dirty, compound_head(page));
}
export function TestClearPageDirty(page: Page): boolean {
  return test_and_clear_bit(PG_dirty, compound_head(page));
}
export function SetPageWriteback(page: Page): void {
  set_bit(PG_writeback, compound_head(page));
}
export function TestClearPageWriteback(page: Page): boolean {
  return test_and_clear_bit(PG_writeback, compound_head(page));
}
export function SetPageLRU(page: Page): void {
  set_bit(PG_lru, compound_head(page));
}
export function ClearPageLRU(page: Page): void {
  clear_bit(PG_lru, compound_head(page));
}
export function TestClearPageLRU(page: Page): boolean {
  return test_and_clear_bit(PG_lru, compound_head(page));
}
export function ClearPageActive(page: Page): void {
  clear_bit(PG_active, compound_head(page));
}
export function ClearPageUnevictable(page: Page): void {
  clear_bit(PG_unevictable, compound_head(page));
}
export function ClearPageMappedToDisk(page: Page): void {
  clear_bit(PG_mappedtodisk, compound_head(page));
}
/** __SetPageLocked: non-atomic, for a page no one else can see yet (khugepaged.c:1680). */
export function __SetPageLocked(page: Page): void {
  set_bit(PG_locked, page);
}
export function __SetPageSwapBacked(page: Page): void {
  set_bit(PG_swapbacked, page);
}

const AT_623 = { file: "include/linux/page-flags.h", line: 623 };

/**
 * PageTransHuge: true for the head of a THP; a tail here is a kernel bug
 * (VM_BUG_ON_PAGE(PageTail(page)), include/linux/page-flags.h:623).
 */
export function PageTransHuge(page: Page): boolean {
  VM_BUG_ON_PAGE(() => PageTail(page), page, AT_623, "PageTail(page)");
  return PageHead(page);
}

/** PageTransCompound: PageCompound (page-flags.h:632). */
export function PageTransCompound(page: Page): boolean {
  return PageCompound(page);
}

/** PageTransTail: PageTail (page-flags.h:642). */
export function PageTransTail(page: Page): boolean {
  return PageTail(page);
}
