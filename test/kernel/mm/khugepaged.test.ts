/**
 * collapse_file alone, on a four-page file (HPAGE_PMD_NR = 4), run as a one-thread Program: no other CPU
 * races it, so each test checks what the C leaves behind on one path. Line numbers are rc3
 * (mm/khugepaged.c: 5.15.24 − 8 from :1810 on), as the model cites them; mm/shmem.c and
 * mm/huge_memory.c lines are 5.15.24's. The tmpfs tests fill a hole, then run shmem_undo_range on the
 * collapsed THP: whole (pass 1) and a one-page hole punch (pass 2 → shmem_punch_compound → split).
 */
import { beforeEach, describe, expect, test } from "vitest";
import { runExecution } from "../../../src/engine/execution.js";
import type { Program } from "../../../src/engine/program.js";
import type { ExecutionResult } from "../../../src/engine/result.js";
import { type Gen, rt } from "../../../src/engine/runtime.js";
import { RandomStrategy } from "../../../src/engine/strategy/random.js";
import { configure, makeConfig } from "../../../src/kernel/config.js";
import { address_space, inode } from "../../../src/kernel/include/linux/fs.js";
import { type Page, resetPages } from "../../../src/kernel/include/linux/mm_types.js";
import {
  PG_dirty,
  PG_head,
  PG_locked,
  PG_lru,
  PG_swapbacked,
  PG_uptodate,
} from "../../../src/kernel/include/linux/page-flags.js";
import { SHMEM_I } from "../../../src/kernel/include/linux/shmem_fs.js";
import { XA_STATE, type XaEntry, xa_snapshot, xas_store } from "../../../src/kernel/lib/xarray.js";
import { collapse_file, type HPage, SCAN_FAIL, SCAN_SUCCEED } from "../../../src/kernel/mm/khugepaged.js";
import { alloc_pages } from "../../../src/kernel/mm/page_alloc.js";
import { shmem_fallocate_punch_hole, shmem_setattr_size, shmem_undo_range } from "../../../src/kernel/mm/shmem.js";

const NR = 4;
const bit = (b: number) => 1 << b;

/** Runs a setup-time generator to its end (nothing else runs, so nothing may block). */
function drive<T>(g: Gen<T>): T {
  for (;;) {
    const r = g.next();
    if (r.done === true) return r.value;
    if (r.value.op === 1 && !r.value.cond()) throw new Error("setup step would block");
  }
}

interface World {
  ino: inode;
  mapping: address_space;
  pages: Page[];
  hpage: HPage;
  result: number;
}

/**
 * A file of NR small, uptodate, clean pages on the LRU, each with the page cache's one reference, at
 * indices 0..NR-1 except `holes`; then `body` runs as the only thread.
 */
function program(
  opts: { shmem?: boolean; writers?: number; holes?: number[] },
  body: (w: World) => Gen<void>,
): { program: Program; world: () => World } {
  let w: World | null = null;
  return {
    world: () => w as World,
    program: {
      id: "khugepaged-unit",
      setup() {
        resetPages();
        rt.current = { id: -1, name: "setup", frames: [], local: {}, site: null, wait: null, done: false };
        const ino = new inode(opts.shmem === true ? "shmem-file" : "libtest.so");
        const mapping = new address_space(ino, { shmem: opts.shmem === true });
        ino.i_writecount = opts.writers ?? 0;
        ino.i_size = NR * 4096;
        const pages: Page[] = [];
        for (let i = 0; i < NR; i++) {
          if (opts.holes?.includes(i) === true) continue;
          const p = alloc_pages(0);
          p.name = `P${i}`;
          p.flags |= bit(PG_uptodate) | bit(PG_lru) | (opts.shmem === true ? bit(PG_swapbacked) : 0);
          p.mapping = mapping;
          p.index = i;
          p._refcount = 1;
          drive(xas_store(XA_STATE(mapping.i_pages, i), p));
          pages.push(p);
        }
        mapping.nrpages = pages.length;
        // shmem_getpage charged each page to the file (info->alloced, mm/shmem.c:1948).
        if (opts.shmem === true) SHMEM_I(ino).alloced = pages.length;
        const world: World = { ino, mapping, pages, hpage: { page: null }, result: -1 };
        w = world;
        return [{ name: "khugepaged", run: () => body(world) }];
      },
    },
  };
}

/** collapse_file(mm, file, 0, &hpage) as the only thread. */
function* collapse(w: World): Gen<void> {
  w.result = yield* collapse_file(null, { f_inode: w.ino, f_mode: 0 }, 0, w.hpage);
}

function run(p: Program): ExecutionResult {
  const r = runExecution(p, new RandomStrategy(1));
  if (r.verdict !== "completed") throw new Error(`${r.verdict}: ${r.bug?.message ?? r.error ?? ""}`);
  return r;
}

const slots = (w: World): XaEntry[] => xa_snapshot(w.mapping.i_pages).slice(0, NR);

beforeEach(() => configure(makeConfig({ HPAGE_PMD_NR: NR }), []));

describe("collapse_file on a regular file (CONFIG_READ_ONLY_THP_FOR_FS)", () => {
  test("success: every slot holds new_page, old pages freed, nr_thps 1 (khugepaged.c:1852, 1865, 1907–1912, 1920–1930)", () => {
    const t = program({}, collapse);
    run(t.program);
    const w = t.world();
    expect(w.result).toBe(SCAN_SUCCEED);
    const head = slots(w)[0] as Page;
    expect(head.name).toBe("N");
    // :1852 stores the head at every index; no multi-index entry.
    expect(slots(w)).toEqual([head, head, head, head]);
    // :1921 page_ref_add(new_page, HPAGE_PMD_NR - 1): the *hpage reference becomes the cache's (:1930).
    expect(head._refcount).toBe(NR);
    expect(w.hpage.page).toBeNull();
    // :1920 SetPageUptodate, :1924 lru_cache_add, :1974 unlock_page(new_page); mapping and index kept.
    expect(head.flags & (bit(PG_uptodate) | bit(PG_lru) | bit(PG_head) | bit(PG_locked))).toBe(
      bit(PG_uptodate) | bit(PG_lru) | bit(PG_head),
    );
    expect(head.mapping).toBe(w.mapping);
    expect(head.index).toBe(0);
    // :1907 mapping = NULL, :1908 unfreeze to 1, :1911 unlock, :1912 put_page → freed, no bad_page.
    for (const p of w.pages) {
      expect(p.freed).toBe(true);
      expect(p.mapping).toBeNull();
      expect(p._refcount).toBe(0);
    }
    // :1865 filemap_nr_thps_inc, not undone since no writer (:1873).
    expect(w.mapping.nr_thps).toBe(1);
    expect(w.mapping.nrpages).toBe(NR);
  });

  test("open for write: rollback restores the old pages, new_page unlocked with mapping NULL (khugepaged.c:1873–1876, 1937–1974)", () => {
    const t = program({ writers: 1 }, collapse);
    run(t.program);
    const w = t.world();
    // :1873 inode_is_open_for_write → SCAN_FAIL; :1876 filemap_nr_thps_dec.
    expect(w.result).toBe(SCAN_FAIL);
    expect(w.mapping.nr_thps).toBe(0);
    // :1961 xas_store(&xas, page) for each index, ascending.
    expect(slots(w)).toEqual(w.pages);
    for (const p of w.pages) {
      // :1960 unfreeze to 2, :1965 putback_lru_page drops the isolation ref: the cache's 1 is left.
      expect(p._refcount).toBe(1);
      expect(p.freed).toBe(false);
      expect(p.mapping).toBe(w.mapping);
      // :1964 unlock_page, back on the LRU.
      expect(p.flags & (bit(PG_locked) | bit(PG_lru))).toBe(bit(PG_lru));
    }
    // :1971 new_page->mapping = NULL, :1974 unlock_page(new_page); *hpage keeps it (refcount 1).
    const n = w.hpage.page as Page;
    expect(n).not.toBeNull();
    expect(n.mapping).toBeNull();
    expect(n._refcount).toBe(1);
    expect(n.flags & (bit(PG_locked) | bit(PG_uptodate))).toBe(0);
    expect(w.mapping.nrpages).toBe(NR);
  });

  test("a dirty page gives up at once, before any slot changes (khugepaged.c:1748–1764)", () => {
    const t = program({}, function* (w) {
      const p1 = w.pages[1] as Page;
      p1.flags |= bit(PG_dirty);
      yield* collapse(w);
    });
    run(t.program);
    const w = t.world();
    expect(w.result).toBe(SCAN_FAIL);
    expect(slots(w)).toEqual(w.pages);
    for (const p of w.pages) expect(p._refcount).toBe(1);
    expect((w.hpage.page as Page).mapping).toBeNull();
  });
});

/**
 * Collapses a tmpfs file (all pages present), then runs `after` on it: the world, new_page, and new_page's
 * subpages as they were before `after` (a split gives the head up its subpage array).
 */
function collapseThen(after: (w: World) => Gen<void>): { w: World; head: Page; subs: Page[] } {
  let head: Page | null = null;
  let subs: Page[] = [];
  const t = program({ shmem: true }, function* (w) {
    yield* collapse(w);
    head = slots(w)[0] as Page;
    subs = (head.subpages ?? []).slice();
    yield* after(w);
  });
  run(t.program);
  return { w: t.world(), head: head as unknown as Page, subs };
}

describe("collapse_file on a tmpfs file", () => {
  test("a hole is filled with new_page and charged (khugepaged.c:1711–1716); nr_thps is not counted", () => {
    const t = program({ shmem: true, holes: [2] }, collapse);
    run(t.program);
    const w = t.world();
    expect(w.result).toBe(SCAN_SUCCEED);
    const head = slots(w)[0] as Page;
    expect(slots(w)).toEqual([head, head, head, head]);
    expect(head._refcount).toBe(NR);
    // :1923 set_page_dirty(new_page) for shmem; PG_swapbacked from :1682.
    expect(head.flags & (bit(PG_dirty) | bit(PG_swapbacked))).toBe(bit(PG_dirty) | bit(PG_swapbacked));
    expect(w.mapping.nrpages).toBe(NR); // shmem_charge's nrpages++ for the hole
    expect(w.mapping.nr_thps).toBe(0);
    for (const p of w.pages) expect(p.freed).toBe(true);
  });

  test("shmem_undo_range(0, -1) drops the collapsed THP whole in pass 1 (shmem.c:943–966)", () => {
    let head: Page | null = null;
    const t = program({ shmem: true }, function* (w) {
      yield* collapse(w);
      head = slots(w)[0] as Page;
      yield* shmem_undo_range(w.ino, 0, -1, false);
    });
    run(t.program);
    const w = t.world();
    expect(w.result).toBe(SCAN_SUCCEED);
    expect(xa_snapshot(w.mapping.i_pages).filter((e) => e !== null)).toEqual([]);
    // find_lock_entries' reference was the last: freed as one compound page.
    expect((head as unknown as Page).freed).toBe(true);
    expect(w.mapping.nrpages).toBe(0);
  });

  test("punching index 1 splits the THP via shmem_punch_compound (shmem.c:1026–1037, huge_memory.c:2612–2737)", () => {
    const { w, head: h, subs } = collapseThen((w) => shmem_undo_range(w.ino, 4096, 2 * 4096 - 1, false));
    const s = slots(w);
    // Pass 1 skips the THP (it reaches outside [1, 1]); pass 2 meets tail N+1 at slot 1, splits, and
    // truncates the now ordinary page.
    expect(s[1]).toBeNull();
    expect(s[0]).toBe(h);
    expect((s[2] as Page).name).toBe("N+2");
    expect((s[3] as Page).name).toBe("N+3");
    expect(h.flags & bit(PG_head)).toBe(0);
    for (const i of [0, 2, 3]) {
      const p = s[i] as Page;
      expect(p.compound_head).toBeNull();
      expect(p.index).toBe(i);
      expect(p.mapping).toBe(w.mapping);
      expect(p._refcount).toBe(1);
      expect(p.flags & bit(PG_locked)).toBe(0);
    }
    expect(w.mapping.nrpages).toBe(NR - 1);
    // The punched subpage went through truncate_inode_page as an order-0 page and was freed; the head
    // gave up its subpage array at ClearPageCompound (:2449).
    const punched = subs[1] as Page;
    expect(punched.freed).toBe(true);
    expect(punched.mapping).toBeNull();
    expect(h.subpages).toBeNull();
  });

  test("truncate(2) to two pages: i_size first, so the split drops the tails beyond it (shmem.c:1113–1123, huge_memory.c:2434–2439)", () => {
    const { w, head: h, subs } = collapseThen((w) => shmem_setattr_size(w.ino, 2 * 4096));
    const s = slots(w);
    expect(w.ino.i_size).toBe(2 * 4096);
    // Pass 1 (start 2) skips the THP, whose head index 0 is below start. Pass 2's find_get_entries hands
    // back the tail N+2 (find_subpage at index 2); shmem_punch_compound splits, and the split, reading the
    // new i_size (end 2), deletes N+2 and N+3 from the cache itself. Pages 0 and 1 stay, as order-0 pages.
    expect(s[0]).toBe(h);
    expect((s[1] as Page).name).toBe("N+1");
    // Slots 2 and 3 are empty (their leaf node is gone: the snapshot ends at index 1).
    expect(s[2] ?? null).toBeNull();
    expect(s[3] ?? null).toBeNull();
    for (const i of [2, 3]) {
      const p = subs[i] as Page;
      expect(p.freed).toBe(true);
      expect(p.mapping).toBeNull();
    }
    for (const i of [0, 1]) {
      const p = s[i] as Page;
      expect(p.compound_head).toBeNull();
      expect(p._refcount).toBe(1);
      expect(p.flags & bit(PG_locked)).toBe(0);
    }
    expect(w.mapping.nrpages).toBe(2);
    // The blocks of the two dropped tails were uncharged (shmem_uncharge, :2437–2438).
    expect(SHMEM_I(w.ino).alloced).toBe(2);
  });

  test("a hole punch of pages 1–2 splits the THP and leaves pages 0 and 3 (shmem.c:2658–2680)", () => {
    const t = program({ shmem: true }, function* (w) {
      yield* collapse(w);
      yield* shmem_fallocate_punch_hole(w.ino, 4096, 2 * 4096);
    });
    run(t.program);
    const w = t.world();
    const s = slots(w);
    expect(s[1]).toBeNull();
    expect(s[2]).toBeNull();
    expect((s[0] as Page).name).toBe("N");
    expect((s[3] as Page).name).toBe("N+3");
    expect(w.ino.i_size).toBe(NR * 4096);
    expect(w.mapping.nrpages).toBe(2);
  });
});
