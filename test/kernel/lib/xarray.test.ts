/**
 * Unit tests of the XArray model (src/kernel/lib/xarray.ts) against what lib/xarray.c and
 * include/linux/xarray.h (v5.15-rc3 = 5.15.24 lines) do. Model functions run outside the engine: a fake
 * thread is put in `rt.current` and generators are driven by hand, one `.next()` per step, so a test can
 * stop a writer half-way and let a reader look.
 */
import { beforeEach, describe, expect, test } from "vitest";
import { runExecution } from "../../../src/engine/execution.js";
import { type Gen, rt, type ThreadState } from "../../../src/engine/runtime.js";
import type { Site } from "../../../src/engine/site.js";
import { DfsStrategy } from "../../../src/engine/strategy/dfs.js";
import { configure, makeConfig } from "../../../src/kernel/config.js";
import { Page } from "../../../src/kernel/include/linux/mm_types.js";
import {
  XA_RETRY_ENTRY,
  XA_STATE,
  XA_STATE_ORDER,
  XA_ZERO_ENTRY,
  XArray,
  XAS_BOUNDS,
  XAS_RESTART,
  type XaEntry,
  xa_check_tree,
  xa_describe_tree,
  xa_entry_at,
  xa_first_index,
  xa_is_internal,
  xa_is_node,
  xa_is_retry,
  xa_is_sibling,
  xa_is_value,
  xa_is_zero,
  xa_mk_sibling,
  xa_mk_value,
  xa_node,
  xa_node_freed,
  xa_snapshot,
  type xa_state,
  xa_to_value,
  xas_create_range,
  xas_find,
  xas_load,
  xas_lock_irq,
  xas_next,
  xas_next_entry,
  xas_pause,
  xas_reload,
  xas_reset,
  xas_retry,
  xas_set,
  xas_set_order,
  xas_store,
  xas_unlock_irq,
} from "../../../src/kernel/lib/xarray.js";

// ===== driver =====

function mkThread(id: number): ThreadState {
  return { id, name: `cpu${id}`, frames: [], local: {}, site: null, wait: null, done: false };
}

/** A generator run step by step on its own fake thread; records the site of every step and its footprint. */
class Stepper<T> {
  readonly sites: Site[] = [];
  /** Footprint of each step, as `R<obj>` / `W<obj>` / `L<obj>` strings. */
  readonly fps: string[][] = [];
  value: T | undefined;
  done = false;
  constructor(
    readonly thread: ThreadState,
    readonly gen: Gen<T>,
  ) {}

  /** Runs one step; returns false once the generator has returned. */
  step(): boolean {
    if (this.done) return false;
    rt.current = this.thread;
    rt.fpLen = 0;
    const r = this.gen.next();
    this.fps.push(rt.fp.slice(0, rt.fpLen).map((x) => `${"?RWL"[x & 3]}${x >> 2}`));
    if (r.done === true) {
      this.done = true;
      this.value = r.value;
      return false;
    }
    const y = r.value;
    if (y.op !== 0) throw new Error(`unexpected yield op ${y.op}`);
    this.sites.push(y);
    return true;
  }

  /** Runs `n` steps (or to the end). */
  steps(n: number): this {
    for (let i = 0; i < n && this.step(); i++);
    return this;
  }

  /** Runs to the end and returns the value. */
  finish(): T {
    while (this.step());
    return this.value as T;
  }

  /** `file:line` of each step's site. */
  where(): string[] {
    return this.sites.map((s) => `${s.file}:${s.line}`);
  }
}

let cpu0: ThreadState;
let cpu1: ThreadState;

/** Runs `g` to completion on cpu0; returns its value and the Stepper (for its sites). */
function run<T>(g: Gen<T>, th: ThreadState = cpu0): [T, Stepper<T>] {
  const s = new Stepper(th, g);
  const v = s.finish();
  expect(th.frames).toEqual([]); // every enter() was matched by a leave()
  return [v, s];
}

/** A writer: xa_lock, xas_store(entry) at index, unlock. */
function* storeAt(xa: XArray, index: number, entry: XaEntry): Gen<XaEntry> {
  const xas = XA_STATE(xa, index);
  yield* xas_lock_irq(xas);
  const old = yield* xas_store(xas, entry);
  xas_unlock_irq(xas);
  return old;
}

function store(xa: XArray, index: number, entry: XaEntry): XaEntry {
  return run(storeAt(xa, index, entry))[0];
}

function load(xa: XArray, index: number): XaEntry {
  return run(xas_load(XA_STATE(xa, index)))[0];
}

function page(name: string): Page {
  const p = new Page(0x1000 + rt.nextObject);
  p.name = name;
  return p;
}

/**
 * A THP stored the 5.15 page-cache way (collapse_file, mm/khugepaged.c:1671–1718; shmem_add_to_page_cache,
 * mm/shmem.c:729–743): xas_create_range over the order-N range, then xas_next + xas_store of the head at
 * every index. Returns the steps it took.
 */
function* storeThp(xa: XArray, head: Page, start: number, order: number): Gen<xa_state> {
  const xas = XA_STATE_ORDER(xa, start, order);
  yield* xas_lock_irq(xas);
  yield* xas_create_range(xas);
  xas_set(xas, start);
  for (let i = 0; i < 2 ** order; i++) {
    yield* xas_next(xas);
    yield* xas_store(xas, head);
  }
  xas_unlock_irq(xas);
  return xas;
}

/** page_cache_delete's store (mm/filemap.c:135–142): xas_set_order(head->index, order), xas_store(NULL). */
function* deleteOrder(xa: XArray, start: number, order: number): Gen<XaEntry> {
  const xas = XA_STATE(xa, start);
  yield* xas_lock_irq(xas);
  xas_set_order(xas, start, order);
  const old = yield* xas_store(xas, null);
  xas_unlock_irq(xas);
  return old;
}

const STORE = "lib/xarray.c:816";
const RETRY = "lib/xarray.c:536";
const LOCK = "include/linux/spinlock.h:388";

beforeEach(() => {
  configure(makeConfig({ HPAGE_PMD_NR: 4 }), []);
  rt.nextObject = 1;
  rt.fpLen = 0;
  cpu0 = mkThread(0);
  cpu1 = mkThread(1);
  rt.current = cpu0;
});

// ===== entries and cursor helpers =====

describe("entries and predicates", () => {
  test("value, internal, sibling, retry and zero entries are told apart as xarray.h does", () => {
    // xa_mk_value/xa_to_value/xa_is_value (xarray.h:52–80); values are words: equal values are equal entries.
    const v = xa_mk_value(42);
    expect(xa_is_value(v)).toBe(true);
    expect(xa_to_value(v)).toBe(42);
    expect(xa_mk_value(42)).toBe(v);
    expect(xa_is_internal(v)).toBe(false);
    // XA_RETRY_ENTRY = internal 256, XA_ZERO_ENTRY = internal 257 (xarray.h:1253, 172): internal, not siblings.
    expect(xa_is_retry(XA_RETRY_ENTRY)).toBe(true);
    expect(xa_is_zero(XA_ZERO_ENTRY)).toBe(true);
    expect(xa_is_internal(XA_RETRY_ENTRY) && xa_is_internal(XA_ZERO_ENTRY)).toBe(true);
    expect(xa_is_sibling(XA_RETRY_ENTRY) || xa_is_sibling(XA_ZERO_ENTRY)).toBe(false);
    // sibling entries are internal 0..62 (xarray.h:1230–1251)
    expect(xa_is_sibling(xa_mk_sibling(0))).toBe(true);
    expect(xa_mk_sibling(3)).toBe(xa_mk_sibling(3));
    // a page is a plain pointer entry (low bits 00)
    const p = page("P");
    expect(xa_is_value(p) || xa_is_internal(p) || xa_is_node(p)).toBe(false);
    expect(xa_is_value(null) || xa_is_internal(null)).toBe(false);
  });

  test("the point lookups resolve a sibling entry to its canonical slot, as xa_snapshot does", () => {
    // No model path leaves sibling entries behind (THPs are stored slot by slot, and a multi-index store
    // of NULL clears its siblings), so this builds one by hand: a node whose slot 1 is sibling-of-0.
    const xa = new XArray("t");
    const node = new xa_node(xa, 0);
    const H = page("H");
    node.slots[0] = H;
    node.slots[1] = xa_mk_sibling(0);
    xa.xa_head = node;
    const snap = xa_snapshot(xa);
    expect(snap.slice(0, 2)).toEqual([H, H]);
    for (let i = 0; i < snap.length + 1; i++) expect(xa_entry_at(xa, i)).toBe(snap[i] ?? null);
    node.slots[0] = null;
    expect(xa_first_index(xa, (e) => e === H)).toBe(-1);
    expect(xa_first_index(xa, (e) => e === null)).toBe(0);
  });

  test("XA_STATE_ORDER and xas_set_order compute shift and sibs from XA_CHUNK_SHIFT", () => {
    // xarray.h:1364–1368 and 1589–1596: index rounded down, shift = order - order % XA_CHUNK_SHIFT,
    // sibs = 2^(order % XA_CHUNK_SHIFT) - 1, cursor XAS_RESTART.
    const xa = new XArray("t");
    expect(xa.chunkShift).toBe(1); // HPAGE_PMD_NR 4 → XA_CHUNK_SHIFT 1
    const xas = XA_STATE_ORDER(xa, 7, 2);
    expect([xas.xa_index, xas.xa_shift, xas.xa_sibs, xas.xa_node]).toEqual([4, 2, 0, XAS_RESTART]);
    configure(makeConfig({ HPAGE_PMD_NR: 512 }), []);
    const big = new XArray("big");
    expect(big.chunkShift).toBe(6);
    const x9 = XA_STATE(big, 0);
    xas_set_order(x9, 1000, 9); // order 9: xa_shift 6, xa_sibs 7 (8 slots of a shift-6 node)
    expect([x9.xa_index, x9.xa_shift, x9.xa_sibs]).toEqual([512, 6, 7]);
  });

  test("xas_retry resets on RETRY only; xas_reset and xas_set restart the walk", () => {
    // xas_retry (xarray.h:1486): a zero entry → true without reset; a retry entry → true and XAS_RESTART.
    const xa = new XArray("t");
    const P = page("P");
    store(xa, 0, P);
    store(xa, 1, page("Q"));
    const xas = XA_STATE(xa, 1);
    run(xas_load(xas));
    expect(xas.xa_node).toBeInstanceOf(xa_node);
    expect(xas_retry(xas, XA_ZERO_ENTRY)).toBe(true);
    expect(xas.xa_node).toBeInstanceOf(xa_node);
    expect(xas_retry(xas, P)).toBe(false);
    expect(xas_retry(xas, null)).toBe(false);
    expect(xas_retry(xas, XA_RETRY_ENTRY)).toBe(true);
    expect([xas.xa_node, xas.xa_index]).toEqual([XAS_RESTART, 1]);
    // xas_reset (xarray.h:1469) keeps the index; xas_set (1577) changes it
    run(xas_load(xas));
    xas_reset(xas);
    expect([xas.xa_node, xas.xa_index]).toEqual([XAS_RESTART, 1]);
    xas_set(xas, 0);
    expect([xas.xa_node, xas.xa_index]).toEqual([XAS_RESTART, 0]);
  });

  test("xas_pause moves past the current entry and restarts", () => {
    // xas_pause (lib/xarray.c:1115–1135): on a node, index += slots skipped << shift, XAS_RESTART;
    // at the root (xa_node NULL), index + 1.
    const xa = new XArray("t");
    for (const i of [0, 1, 2]) store(xa, i, page(`P${i}`));
    const xas = XA_STATE(xa, 1);
    run(xas_load(xas));
    xas_pause(xas);
    expect([xas.xa_index, xas.xa_node]).toEqual([2, XAS_RESTART]);
    const root = new XArray("r");
    store(root, 0, page("R0"));
    const x0 = XA_STATE(root, 0);
    run(xas_load(x0));
    expect(x0.xa_node).toBe(null);
    xas_pause(x0);
    expect([x0.xa_index, x0.xa_node]).toEqual([1, XAS_RESTART]);
  });
});

// ===== loads and stores, tree growth =====

describe("store and load", () => {
  test("an entry at index 0 lives in xa_head; other indices are out of bounds", () => {
    // xas_create with allow_root stores index 0 in xa_head (lib/xarray.c:655–658, 782–784);
    // xas_start returns NULL and XAS_BOUNDS for a non-zero index when the head is not a node (:189–191).
    const xa = new XArray("t");
    const P = page("P0");
    const [old, s] = run(storeAt(xa, 0, P));
    expect(old).toBe(null);
    expect(s.where()).toEqual([LOCK, STORE]);
    expect(xa.xa_head).toBe(P);
    expect(load(xa, 0)).toBe(P);
    const xas = XA_STATE(xa, 1);
    expect(run(xas_load(xas))[0]).toBe(null);
    expect(xas.xa_node).toBe(XAS_BOUNDS);
  });

  test("storing at a large index grows the tree top-down, one published node per step", () => {
    // xas_expand (lib/xarray.c:558–623) adds roots above the old head (old root's ->parent, then xa_head:
    // two stores); xas_create (638–692) publishes each missing node in its parent slot.
    const xa = new XArray("t");
    const P5 = page("P5");
    let [, s] = run(storeAt(xa, 5, P5));
    // empty array: xas_expand only computes the shift (3); xas_create publishes the shift-2 root, a
    // shift-1 node and a leaf, then the slot store.
    expect(s.where()).toEqual([LOCK, "lib/xarray.c:681", "lib/xarray.c:681", "lib/xarray.c:681", STORE]);
    expect(xa_describe_tree(xa)).toBe("n2[-,n1[n0[-,P5],-]]");
    const P0 = page("P0");
    store(xa, 0, P0);
    expect(xa_describe_tree(xa)).toBe("n2[n1[n0[P0,-],-],n1[n0[-,P5],-]]");
    const P1000 = page("P1000");
    [, s] = run(storeAt(xa, 1000, P1000));
    const w = s.where();
    // roots of shift 3..9 are added (7 × ->parent + xa_head), then nodes of shift 8..0 are published
    expect(w.filter((x) => x === "lib/xarray.c:612").length).toBe(7);
    expect(w.filter((x) => x === "lib/xarray.c:615").length).toBe(7);
    expect(w.filter((x) => x === "lib/xarray.c:681").length).toBe(9);
    expect(w.filter((x) => x === STORE).length).toBe(1);
    expect(xa_check_tree(xa)).toEqual([]);
    const snap = xa_snapshot(xa);
    expect(snap.length).toBe(1024);
    expect(snap.flatMap((e, i) => (e === null ? [] : [i]))).toEqual([0, 5, 1000]);
    expect([load(xa, 0), load(xa, 5), load(xa, 1000), load(xa, 999), load(xa, 4096)]).toEqual([
      P0,
      P5,
      P1000,
      null,
      null,
    ]);
  });

  test("xas_store over an existing leaf slot is a single step and returns the old entry", () => {
    // xas_store (lib/xarray.c:772–843): the path exists, one rcu_assign_pointer at :816; storing the same
    // entry again stores nothing (:794).
    const xa = new XArray("t");
    const A = page("A");
    const B = page("B");
    store(xa, 2, A);
    const [old, s] = run(storeAt(xa, 2, B));
    expect(old).toBe(A);
    expect(s.where()).toEqual([LOCK, STORE]);
    const [same, s2] = run(storeAt(xa, 2, B));
    expect(same).toBe(B);
    expect(s2.where()).toEqual([LOCK]);
  });

  test("each step records its footprint: the reader's slot reads and the writer's slot store", () => {
    // Every xa_head / slot access is a footprint entry; xas_load takes one step per read (lib/xarray.c:188, 204).
    const xa = new XArray("t");
    store(xa, 2, page("P2"));
    expect(xa_describe_tree(xa)).toBe("n1[-,n0[P2,-]]");
    const root = xa.xa_head as xa_node;
    const leaf = root.slots[1] as xa_node;
    const r = new Stepper(cpu1, xas_load(XA_STATE(xa, 2)));
    r.finish();
    expect(r.where()).toEqual(["lib/xarray.c:188", "lib/xarray.c:204", "lib/xarray.c:204"]);
    expect(r.fps.slice(0, 3)).toEqual([[`R${xa.id}`], [`R${root.slotIds[1]}`], [`R${leaf.slotIds[0]}`]]);
    const w = new Stepper(cpu0, storeAt(xa, 2, null));
    w.steps(1); // lock
    rt.recording = true;
    rt.notes = [];
    w.steps(1); // the slot store, noted for traces
    rt.recording = false;
    expect(w.fps[1]).toContain(`W${leaf.slotIds[0]}`);
    expect(rt.notes).toEqual([`xas_store: t N${leaf.id}[0]: P2 → NULL`]);
  });
});

// ===== lookups =====

describe("xas_find, xas_next_entry, xas_next", () => {
  test("xas_find skips NULLs, returns the entry with xa_index set to its index, and honours max", () => {
    // xas_find (lib/xarray.c:1232–1277): from XAS_RESTART it loads xa_index; a NULL there continues the
    // scan from the node the load stopped in, skipping NULL slots (a NULL at level k skips 2^k indices).
    const xa = new XArray("t");
    const P0 = page("P0");
    const P5 = page("P5");
    const P9 = page("P9");
    for (const [i, p] of [
      [0, P0],
      [5, P5],
      [9, P9],
    ] as const)
      store(xa, i, p);
    const xas = XA_STATE(xa, 1);
    expect(run(xas_find(xas, Number.MAX_SAFE_INTEGER))[0]).toBe(P5);
    expect(xas.xa_index).toBe(5);
    // xas_for_each's step: xas_next_entry (xarray.h:1627) → leaf end → xas_find climbs and descends
    expect(run(xas_next_entry(xas, Number.MAX_SAFE_INTEGER))[0]).toBe(P9);
    expect(xas.xa_index).toBe(9);
    expect(run(xas_next_entry(xas, Number.MAX_SAFE_INTEGER))[0]).toBe(null);
    expect(xas.xa_node).toBe(XAS_BOUNDS);
    // max: nothing in 6..8; the cursor ends past max (:1255) and a further call returns NULL at once (:1236)
    const x2 = XA_STATE(xa, 6);
    expect(run(xas_find(x2, 8))[0]).toBe(null);
    expect(run(xas_find(x2, 8))[0]).toBe(null);
    // an unwalked cursor already past max: XAS_BOUNDS (:1238–1239)
    const x3 = XA_STATE(xa, 7);
    expect(run(xas_find(x3, 6))[0]).toBe(null);
    expect(x3.xa_node).toBe(XAS_BOUNDS);
    // an entry at xa_index itself is returned without moving (:1244–1247)
    const x4 = XA_STATE(xa, 0);
    expect(run(xas_find(x4, 3))[0]).toBe(P0);
    expect(x4.xa_index).toBe(0);
  });

  test("xas_find on a single entry in xa_head: found at 0, then out of bounds at index 1", () => {
    // xas_find with xa_node NULL (the root): xa_index = 1 and XAS_BOUNDS (lib/xarray.c:1241–1243).
    const xa = new XArray("t");
    const P = page("P");
    store(xa, 0, P);
    const xas = XA_STATE(xa, 0);
    expect(run(xas_find(xas, 10))[0]).toBe(P);
    expect(xas.xa_node).toBe(null);
    expect(run(xas_next_entry(xas, 10))[0]).toBe(null);
    expect([xas.xa_index, xas.xa_node]).toEqual([1, XAS_BOUNDS]);
  });

  test("xas_next returns holes, does not increment from XAS_RESTART, and runs off the end", () => {
    // __xas_next (lib/xarray.c:1184–1213): from XAS_RESTART (xas_frozen) the index is not incremented
    // (:1188) and xa_index itself is loaded; holes come back as NULL; past the root's end → XAS_BOUNDS.
    const xa = new XArray("t");
    const P0 = page("P0");
    const P3 = page("P3");
    store(xa, 0, P0);
    store(xa, 3, P3);
    expect(xa_describe_tree(xa)).toBe("n1[n0[P0,-],n0[-,P3]]");
    const xas = XA_STATE(xa, 0);
    const got: [XaEntry, number][] = [];
    for (let i = 0; i < 5; i++) got.push([run(xas_next(xas))[0], xas.xa_index]);
    expect(got).toEqual([
      [P0, 0],
      [null, 1],
      [null, 2],
      [P3, 3],
      [null, 4],
    ]);
    expect(xas.xa_node).toBe(XAS_BOUNDS);
    // the fast path inside a leaf is one slot read (xarray.h:1820–1822)
    const x2 = XA_STATE(xa, 2);
    run(xas_load(x2));
    const [, s] = run(xas_next(x2));
    expect(s.where()).toEqual(["include/linux/xarray.h:1822"]);
  });
});

// ===== THPs =====

describe("THP in the page cache", () => {
  test("xas_create_range then one xas_store per index: the head in every slot, no siblings", () => {
    // xas_create_range (lib/xarray.c:703–741) creates every leaf of the range, back to front, and leaves
    // xa_shift = xa_sibs = 0 (:712–713), so the head is stored index by index (mm/khugepaged.c:1695–1718).
    const xa = new XArray("t");
    const small = [0, 1, 2, 3].map((i) => page(`P${i}`));
    for (const [i, p] of small.entries()) store(xa, i, p);
    const H = page("H");
    const [xas, s] = run(storeThp(xa, H, 4, 2));
    expect([xas.xa_shift, xas.xa_sibs]).toEqual([0, 0]);
    // growth: old root's ->parent and xa_head, then three nodes; then 4 stores (the xas_next loads are steps too)
    const w = s.where();
    expect(w.filter((x) => x === "lib/xarray.c:612" || x === "lib/xarray.c:615").length).toBe(2);
    expect(w.filter((x) => x === "lib/xarray.c:681").length).toBe(3);
    expect(w.filter((x) => x === STORE).length).toBe(4);
    expect(xa_describe_tree(xa)).toBe("n2[n1[n0[P0,P1],n0[P2,P3]],n1[n0[H,H],n0[H,H]]]");
    expect(xa_check_tree(xa)).toEqual([]);
    // a lookup inside the THP returns the head with xa_index = the inner index (kernel-spec §3.5)
    const x6 = XA_STATE(xa, 6);
    expect(run(xas_find(x6, 100))[0]).toBe(H);
    expect(x6.xa_index).toBe(6);
  });

  test("order-2 NULL store: parent slot first, then RETRY into each detached leaf slot, one step each", () => {
    // xas_store (lib/xarray.c:816–818) clears the parent slot, then xas_free_nodes (522–552) writes
    // XA_RETRY_ENTRY into every slot of the detached subtree (:536); update_node/xas_delete_node
    // (744–757, 480–511) and xas_shrink (436–471) then lower the root (head = child, child ->parent = NULL).
    const xa = new XArray("t");
    for (const i of [0, 1, 2, 3]) store(xa, i, page(`P${i}`));
    const H = page("H");
    run(storeThp(xa, H, 4, 2));
    const root = xa.xa_head as xa_node;
    const thpNode = root.slots[1] as xa_node;
    const leafA = thpNode.slots[0] as xa_node;
    const leafB = thpNode.slots[1] as xa_node;

    const [old, s] = run(deleteOrder(xa, 4, 2));
    expect(old).toBe(thpNode); // the multi-order "old entry" is the node pointer (lib/xarray.c:760–770)
    expect(s.where()).toEqual([LOCK, STORE, RETRY, RETRY, RETRY, RETRY, "lib/xarray.c:456", "lib/xarray.c:469"]);
    expect(xa_describe_tree(xa)).toBe("n1[n0[P0,P1],n0[P2,P3]]");
    expect(xa_check_tree(xa)).toEqual([]);
    expect(leafA.slots).toEqual([XA_RETRY_ENTRY, XA_RETRY_ENTRY]);
    expect(leafB.slots).toEqual([XA_RETRY_ENTRY, XA_RETRY_ENTRY]);
    // interior slots pointing to children are left as they are (:530–533); all three nodes are freed
    expect(thpNode.slots).toEqual([leafA, leafB]);
    expect([thpNode, leafA, leafB, root].map(xa_node_freed)).toEqual([true, true, true, true]);
    expect(load(xa, 5)).toBe(null);
  });

  test("a reader parked in a detached leaf reloads the old page until its slot gets RETRY", () => {
    // xas_reload (xarray.h:1548) re-reads the cursor's slot only. Between the parent-slot store (:816) and
    // the RETRY store into its slot (:536) it still finds H: the window of kernel-spec §3.3 / §3.5.
    const xa = new XArray("t");
    for (const i of [0, 1, 2, 3]) store(xa, i, page(`P${i}`));
    const H = page("H");
    run(storeThp(xa, H, 4, 2));
    const rxas = XA_STATE(xa, 6); // in leaf B, slot 0
    expect(run(xas_load(rxas), cpu1)[0]).toBe(H);

    const w = new Stepper(cpu0, deleteOrder(xa, 4, 2));
    const reload = () => run(xas_reload(rxas), cpu1)[0];
    w.steps(2); // lock; parent slot NULL
    expect(w.where()).toEqual([LOCK, STORE]);
    expect(reload()).toBe(H); // detached, not yet overwritten
    // a fresh walk from the root no longer finds the THP at all (one parent slot covers it)
    expect(run(xas_load(XA_STATE(xa, 6)), cpu1)[0]).toBe(null);
    w.steps(2); // leaf A's two slots
    expect(reload()).toBe(H);
    w.steps(1); // leaf B slot 0
    const e = reload();
    expect(e).toBe(XA_RETRY_ENTRY);
    expect(xas_retry(rxas, e)).toBe(true);
    expect(rxas.xa_node).toBe(XAS_RESTART);
    w.finish();
    // after the shrink the root covers 0..3 only: index 6 is out of bounds
    expect(run(xas_load(rxas), cpu1)[0]).toBe(null);
    expect(rxas.xa_node).toBe(XAS_BOUNDS);
  });

  test("xas_next_entry meets RETRY in a half-freed leaf and hands it back through xas_find", () => {
    // xas_next_entry (xarray.h:1641–1643) falls back to xas_find on an internal entry; xas_find returns a
    // RETRY entry like any other (lib/xarray.c:1268–1269); the caller's xas_retry restarts at that index.
    const xa = new XArray("t");
    for (const i of [0, 1, 2, 3]) store(xa, i, page(`P${i}`));
    const H = page("H");
    run(storeThp(xa, H, 4, 2));
    const rxas = XA_STATE(xa, 4);
    expect(run(xas_find(rxas, 7), cpu1)[0]).toBe(H);
    const w = new Stepper(cpu0, deleteOrder(xa, 4, 2));
    w.steps(4); // lock, parent slot, leaf A slots 0 and 1 → RETRY
    const e = run(xas_next_entry(rxas, 7), cpu1)[0];
    expect([e, rxas.xa_index]).toEqual([XA_RETRY_ENTRY, 5]);
    expect(xas_retry(rxas, e)).toBe(true);
    // from the root at index 5: the parent slot is NULL → the scan goes past max
    expect(run(xas_find(rxas, 7), cpu1)[0]).toBe(null);
    w.finish();
  });

  test("with XA_CHUNK_SHIFT 2 and order 3, the leaves are detached one parent slot at a time", () => {
    // Order 3 with XA_CHUNK_SHIFT 2: xa_shift 2, xa_sibs 1 — two slots of the shift-2 node, the analog of
    // order 9 (8 slots of a shift-6 node). xas_store clears slot j, RETRY-fills leaf j, then slot j + 1
    // (lib/xarray.c:808–839): a walker from the root meets H first at a non-head index (kernel-spec §3.5).
    configure(makeConfig({ HPAGE_PMD_NR: 8 }), []);
    const xa = new XArray("t");
    expect(xa.chunkShift).toBe(2);
    const H = page("H");
    run(storeThp(xa, H, 0, 3));
    expect(xa_describe_tree(xa)).toBe("n2[n0[H,H,H,H],n0[H,H,H,H],-,-]");
    const w = new Stepper(cpu0, deleteOrder(xa, 0, 3));
    w.steps(2); // lock; slot 0 of the root NULL
    const rxas = XA_STATE(xa, 0);
    expect(run(xas_find(rxas, 7), cpu1)[0]).toBe(H);
    expect(rxas.xa_index).toBe(4);
    w.finish();
    // slot 0, 4 RETRY, slot 1, 4 RETRY, then the emptied root is unlinked: xa_head = NULL (:497)
    expect(w.where()).toEqual([
      LOCK,
      STORE,
      RETRY,
      RETRY,
      RETRY,
      RETRY,
      STORE,
      RETRY,
      RETRY,
      RETRY,
      RETRY,
      "lib/xarray.c:497",
    ]);
    expect(xa.xa_head).toBe(null);
  });
});

// ===== single-slot deletion, node deletion, shrinking =====

describe("single-slot NULL stores", () => {
  test("clearing the last entry of a leaf unlinks it: parent slot NULL, no RETRY entries", () => {
    // update_node → xas_delete_node (lib/xarray.c:744–757, 480–511): count 0 → parent slot = NULL (:502),
    // node freed; its slots are all NULL already, so a reader parked there reloads NULL.
    const xa = new XArray("t");
    const ps = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => page(`P${i}`));
    for (const [i, p] of ps.entries()) store(xa, i, p);
    const root = xa.xa_head as xa_node;
    const leaf45 = (root.slots[1] as xa_node).slots[0] as xa_node;
    const rxas = XA_STATE(xa, 5);
    expect(run(xas_load(rxas), cpu1)[0]).toBe(ps[5]);
    let [, s] = run(storeAt(xa, 4, null));
    expect(s.where()).toEqual([LOCK, STORE]);
    [, s] = run(storeAt(xa, 5, null));
    expect(s.where()).toEqual([LOCK, STORE, "lib/xarray.c:502"]);
    expect(leaf45.slots).toEqual([null, null]);
    expect(xa_node_freed(leaf45)).toBe(true);
    expect(run(xas_reload(rxas), cpu1)[0]).toBe(null);
    expect(xa_describe_tree(xa)).toBe("n2[n1[n0[P0,P1],n0[P2,P3]],n1[-,n0[P6,P7]]]");
    expect(xa_check_tree(xa)).toEqual([]);
  });

  test("page_cache_delete_batch style: clearing every slot one by one empties the array", () => {
    // xas_for_each + xas_store(NULL) under xa_lock (mm/filemap.c:287–333): one step per slot, then the
    // emptied nodes are unlinked and the root shrinks (lib/xarray.c:480–511, 436–471).
    const xa = new XArray("t");
    const H = page("H");
    run(storeThp(xa, H, 0, 2));
    expect(xa_describe_tree(xa)).toBe("n1[n0[H,H],n0[H,H]]");
    function* batch(): Gen<number> {
      const xas = XA_STATE(xa, 0);
      yield* xas_lock_irq(xas);
      let n = 0;
      for (let e = yield* xas_find(xas, 3); e !== null; e = yield* xas_next_entry(xas, 3)) {
        yield* xas_store(xas, null);
        n++;
      }
      xas_unlock_irq(xas);
      return n;
    }
    const [n, s] = run(batch());
    expect(n).toBe(4);
    expect(s.where().filter((x) => x === STORE).length).toBe(4);
    expect(xa.xa_head).toBe(null);
  });

  test("xas_shrink: a root with one child is replaced by it; a leaf root by its entry, slot 0 = RETRY", () => {
    // xas_shrink (lib/xarray.c:436–471): head = slot 0 (:456); a node child gets ->parent = NULL (:469); a
    // non-node entry leaves XA_RETRY_ENTRY in the old root's slot 0 (:463).
    const xa = new XArray("t");
    const [P0, P1, P2] = [page("P0"), page("P1"), page("P2")];
    store(xa, 0, P0);
    store(xa, 1, P1);
    store(xa, 2, P2);
    expect(xa_describe_tree(xa)).toBe("n1[n0[P0,P1],n0[P2,-]]");
    const oldRoot = xa.xa_head as xa_node;
    const leaf = oldRoot.slots[0] as xa_node;
    let [, s] = run(storeAt(xa, 2, null));
    expect(s.where()).toEqual([LOCK, STORE, "lib/xarray.c:502", "lib/xarray.c:456", "lib/xarray.c:469"]);
    expect(xa.xa_head).toBe(leaf);
    expect(leaf.parent).toBe(null);
    expect(oldRoot.slots[0]).toBe(leaf); // a node child is not replaced by RETRY
    expect(xa_node_freed(oldRoot)).toBe(true);
    // a reader parked in the leaf
    const rxas = XA_STATE(xa, 0);
    expect(run(xas_load(rxas), cpu1)[0]).toBe(P0);
    [, s] = run(storeAt(xa, 1, null));
    expect(s.where()).toEqual([LOCK, STORE, "lib/xarray.c:456", "lib/xarray.c:463"]);
    expect(xa.xa_head).toBe(P0);
    expect(leaf.slots).toEqual([XA_RETRY_ENTRY, null]);
    expect(run(xas_reload(rxas), cpu1)[0]).toBe(XA_RETRY_ENTRY);
    // the last entry, at xa_head: one store, no node (lib/xarray.c:800, 819–820)
    [, s] = run(storeAt(xa, 0, null));
    expect(s.where()).toEqual([LOCK, STORE]);
    expect(xa.xa_head).toBe(null);
    expect(xa_snapshot(xa)).toEqual([]);
  });

  test("a reader between the shrink's xa_head store and the RETRY store still reloads the entry", () => {
    // xas_shrink stores xa_head (:456) and the old root's slot 0 (:463) as two steps: in between, a reader
    // parked in the old root sees the entry, and a walker from the root sees it at xa_head.
    const xa = new XArray("t");
    const [P0, P1] = [page("P0"), page("P1")];
    store(xa, 0, P0);
    store(xa, 1, P1);
    const rxas = XA_STATE(xa, 0);
    run(xas_load(rxas), cpu1);
    const w = new Stepper(cpu0, storeAt(xa, 1, null));
    w.steps(3); // lock, slot 1 = NULL, xa_head = P0
    expect(w.where()[2]).toBe("lib/xarray.c:456");
    expect(run(xas_reload(rxas), cpu1)[0]).toBe(P0);
    expect(run(xas_load(XA_STATE(xa, 0)), cpu1)[0]).toBe(P0);
    w.finish();
    expect(run(xas_reload(rxas), cpu1)[0]).toBe(XA_RETRY_ENTRY);
  });
});

// ===== differential check against a plain map =====

describe("single-threaded behaviour matches a map of index → entry", () => {
  /*
   * Random single-index stores and erases, page-cache-style THP inserts (xas_create_range + per-index
   * stores) and order-N erases (xas_set_order + xas_store(NULL)), for XA_CHUNK_SHIFT 1, 2 and 6. After each
   * operation: the tree invariants hold (counts, parents, offsets: lib/xarray.c:350–396, 744–757), xas_load
   * of every index agrees with the map, and xas_for_each (xas_find + xas_next_entry, lib/xarray.c:1232,
   * xarray.h:1627) and an xas_next walk (xarray.h:1812) from random starts give exactly the map's entries
   * with the right xa_index.
   */
  for (const hpage of [4, 8, 512]) {
    test(`HPAGE_PMD_NR ${hpage}`, () => {
      configure(makeConfig({ HPAGE_PMD_NR: hpage }), []);
      const xa = new XArray("t");
      const cs = xa.chunkShift;
      const limit = hpage === 512 ? 1100 : 40;
      let seed = 12345 + hpage;
      const rnd = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % n;
      };
      const ref = new Map<number, XaEntry>();
      const pages = Array.from({ length: 64 }, (_, i) => page(`P${i}`));
      const ops = hpage === 512 ? 80 : 400;
      for (let op = 0; op < ops; op++) {
        const kind = rnd(10);
        if (kind < 5) {
          const i = rnd(limit);
          const e = rnd(4) === 0 ? xa_mk_value(rnd(5)) : (pages[rnd(64)] as Page);
          expect(store(xa, i, e)).toBe(ref.get(i) ?? null);
          ref.set(i, e);
        } else if (kind < 8) {
          const keys = [...ref.keys()];
          const i = keys.length > 0 && rnd(4) !== 0 ? (keys[rnd(keys.length)] as number) : rnd(limit);
          expect(store(xa, i, null)).toBe(ref.get(i) ?? null);
          ref.delete(i);
        } else if (kind < 9) {
          const order = Math.log2(hpage) - (hpage === 512 ? 0 : rnd(2));
          const n = 2 ** order;
          const start = rnd(Math.ceil(limit / n)) * n;
          const H = page(`H${op}`);
          run(storeThp(xa, H, start, order));
          for (let i = start; i < start + n; i++) ref.set(i, H);
        } else {
          const order = 1 + rnd(Math.log2(hpage));
          const n = 2 ** order;
          const start = rnd(Math.ceil(limit / n)) * n;
          run(deleteOrder(xa, start, order));
          // the store covers the aligned block of 2^(xa_shift) * (xa_sibs + 1) = 2^order indices
          for (let i = start; i < start + n; i++) ref.delete(i);
        }
        expect(xa_check_tree(xa)).toEqual([]);
        const snap = xa_snapshot(xa);
        for (let i = 0; i < Math.max(limit, snap.length); i++) {
          expect(snap[i] ?? null).toBe(ref.get(i) ?? null);
        }
        // The point lookups the model's own checks use agree with the snapshot, index by index and for
        // the first index holding each entry (or none).
        for (let i = 0; i < Math.max(limit, snap.length) + 2; i++) expect(xa_entry_at(xa, i)).toBe(snap[i] ?? null);
        for (const e of [...new Set(ref.values()), page("absent")]) {
          expect(xa_first_index(xa, (x) => x === e)).toBe(snap.indexOf(e));
        }
        if (op % 7 === 0) for (let i = 0; i < limit; i += 1 + rnd(3)) expect(load(xa, i)).toBe(ref.get(i) ?? null);
        // xas_for_each from a random start to a random max
        const start = rnd(limit);
        const max = rnd(3) === 0 ? Number.MAX_SAFE_INTEGER : start + rnd(limit);
        const want = [...ref.entries()].filter(([i]) => i >= start && i <= max).sort((a, b) => a[0] - b[0]);
        const got: [number, XaEntry][] = [];
        const xas = XA_STATE(xa, start);
        for (let e = run(xas_find(xas, max))[0]; e !== null; e = run(xas_next_entry(xas, max))[0]) {
          got.push([xas.xa_index, e]);
        }
        expect(got).toEqual(want);
        // xas_next walk
        const xn = XA_STATE(xa, start);
        for (let k = 0; k < 2 ** (cs + 1) + 3; k++) {
          const e = run(xas_next(xn))[0];
          expect([xn.xa_index, e]).toEqual([start + k, ref.get(start + k) ?? null]);
        }
      }
    });
  }
});

// ===== under the engine =====

describe("under the engine", () => {
  test("every interleaving of an order-3 erase with a lockless find + reload, explored by DFS", () => {
    /*
     * page_cache_delete's xas_store (lib/xarray.c:808–839, XA_CHUNK_SHIFT 2, order 3: two parent slots)
     * against a find_get_entry-style reader (xas_find from 0, xas_retry, xas_reload, mm/filemap.c:1971ff).
     * What the reader can end with: H confirmed at index 0 (before the erase, or by a reload inside the
     * already detached leaf 0 whose slot has no RETRY yet: the window of kernel-spec §3.3), H at index 4
     * (leaf 0 detached, leaf 1 still linked: kernel-spec §3.5), or nothing. Every execution completes: the
     * generators compose under the engine's scheduler.
     */
    configure(makeConfig({ HPAGE_PMD_NR: 8 }), []);
    const outcomes = new Set<string>();
    let result = "";
    const program = {
      id: "xa-erase-vs-find",
      setup() {
        rt.current = mkThread(9);
        const xa = new XArray("t");
        const H = page("H");
        const drive = new Stepper(rt.current, storeThp(xa, H, 0, 3));
        drive.finish();
        result = "";
        return [
          { name: "eraser", run: () => deleteOrder(xa, 0, 3) },
          {
            name: "finder",
            run: function* (): Gen<void> {
              const xas = XA_STATE(xa, 0);
              for (;;) {
                const e = yield* xas_find(xas, 7);
                if (xas_retry(xas, e)) continue;
                if (e === null) {
                  result = "none";
                  return;
                }
                const again = yield* xas_reload(xas);
                if (again !== e) {
                  xas_reset(xas);
                  continue;
                }
                result = `${xa_describe_entry(e)}@${xas.xa_index}`;
                return;
              }
            },
          },
        ];
      },
      finish() {
        outcomes.add(result);
        return null;
      },
    };
    const dfs = new DfsStrategy(2);
    let n = 0;
    while (dfs.newExecution()) {
      const r = runExecution(program, dfs);
      dfs.endExecution(r);
      expect(r.verdict).toBe("completed");
      n++;
    }
    expect(n).toBeGreaterThan(10);
    expect([...outcomes].sort()).toEqual(["H@0", "H@4", "none"]);
  });
});

function xa_describe_entry(e: XaEntry): string {
  return e instanceof Page ? e.name : String(e);
}
