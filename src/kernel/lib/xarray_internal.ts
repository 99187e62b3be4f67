/**
 * XArray data: entries, struct xa_node, struct xarray and struct xa_state (include/linux/xarray.h), the
 * entry predicates, and the cursor helpers that touch no shared memory. The operations that do
 * (xas_load, xas_find, xas_store, ...) are generators in xarray.ts, which re-exports everything here.
 *
 * Entries. C tells entries apart by the low bits of the pointer (xarray.h:21–41); the model uses distinct
 * objects instead, with the same predicates:
 * - a `Page` is a pointer entry (low bits 00);
 * - an `XaValue` is a value entry (xa_mk_value, low bit 1), interned so that equal values are `===`, as
 *   equal words are in C (xas_store's `first == entry` test relies on it);
 * - an `xa_node` is a node pointer (xa_mk_node is the identity: the node object itself is the entry);
 * - an `XaInternal` is any other internal entry: sibling entries 0..62, XA_RETRY_ENTRY (256) and
 *   XA_ZERO_ENTRY (257), interned per number so that they compare with `===`;
 * - null is the empty slot.
 *
 * Not modelled: marks (the modelled page-cache paths use XA_PRESENT only), errors (node allocation never
 * fails here, so xas_error() is always 0 and XA_ERROR states never occur), xa_flags (i_pages has neither
 * XA_FLAGS_TRACK_FREE nor XA_FLAGS_ZERO_BUSY), xa_update callbacks (workingset's shadow-node list), and
 * index wrap-around at ULONG_MAX (indices are non-negative safe integers; callers pass
 * Number.MAX_SAFE_INTEGER for ULONG_MAX as a `max`).
 */
import { newObject, read, rt, shared, write } from "../../engine/runtime.js";
import { model_invariant } from "../bug.js";
import { kconfig } from "../config.js";
import type { Page } from "../include/linux/mm_types.js";
import { spinlock_t } from "../kernel/locking/spinlock.js";

// ===== entries (include/linux/xarray.h) =====

/** A value entry: xa_mk_value(v) (xarray.h:52). Shadow entries and swap entries are these. */
export class XaValue {
  constructor(readonly value: number) {}
}

/** An internal entry that is not a node: a sibling (0..62), XA_RETRY_ENTRY (256) or XA_ZERO_ENTRY (257). */
export class XaInternal {
  constructor(readonly n: number) {}
}

/** What an XArray slot or xa_head can hold. */
export type XaEntry = Page | XaValue | XaInternal | xa_node | null;

const values = new Map<number, XaValue>();

/** xa_mk_value(v): a value entry (xarray.h:52). Interned: xa_mk_value(3) === xa_mk_value(3). */
export function xa_mk_value(v: number): XaValue {
  let e = values.get(v);
  if (e === undefined) {
    e = new XaValue(v);
    values.set(v, e);
  }
  return e;
}

/** xa_to_value(entry) (xarray.h:65). */
export function xa_to_value(entry: XaEntry): number {
  return (entry as XaValue).value;
}

/** xa_is_value(entry) (xarray.h:77): a value entry, not a pointer. */
export function xa_is_value(entry: XaEntry | undefined): entry is XaValue {
  return entry instanceof XaValue;
}

/** xa_is_internal(entry) (xarray.h:167): nodes, siblings, retry and zero entries. */
export function xa_is_internal(entry: XaEntry): entry is XaInternal | xa_node {
  return entry instanceof XaInternal || entry instanceof xa_node;
}

/** xa_is_node(entry) (xarray.h:1224): a pointer to the next level of the tree. */
export function xa_is_node(entry: XaEntry): entry is xa_node {
  return entry instanceof xa_node;
}

const internals: XaInternal[] = [];
function xa_mk_internal(n: number): XaInternal {
  let e = internals[n];
  if (e === undefined) {
    e = new XaInternal(n);
    internals[n] = e;
  }
  return e;
}

/**
 * xa_is_sibling(entry) (xarray.h:1247). C: internal and below xa_mk_sibling(XA_CHUNK_SIZE - 1); the model
 * uses the largest chunk size (64) for the bound, which accepts exactly the siblings xa_mk_sibling can
 * make for any XA_CHUNK_SHIFT ≤ 6 (a sibling names a slot other than the last one of its node).
 */
export function xa_is_sibling(entry: XaEntry): entry is XaInternal {
  return entry instanceof XaInternal && entry.n < 63;
}

/** xa_mk_sibling(offset) (xarray.h:1230). */
export function xa_mk_sibling(offset: number): XaInternal {
  return xa_mk_internal(offset);
}

/** xa_to_sibling(entry) (xarray.h:1236). */
export function xa_to_sibling(entry: XaInternal): number {
  return entry.n;
}

/** XA_RETRY_ENTRY (xarray.h:1253): written into the slots of nodes being freed; readers restart. */
export const XA_RETRY_ENTRY: XaInternal = xa_mk_internal(256);
/** XA_ZERO_ENTRY (xarray.h:172): a reserved slot that reads as NULL through the normal API. */
export const XA_ZERO_ENTRY: XaInternal = xa_mk_internal(257);

/** xa_is_retry(entry) (xarray.h:1261). */
export function xa_is_retry(entry: XaEntry): boolean {
  return entry === XA_RETRY_ENTRY;
}

/** xa_is_zero(entry) (xarray.h:183). */
export function xa_is_zero(entry: XaEntry): boolean {
  return entry === XA_ZERO_ENTRY;
}

// ===== struct xarray, struct xa_node =====

/** Powers of two as doubles, so index arithmetic stays exact beyond 32 bits (JS `>>` is 32-bit). */
const POW2: readonly number[] = Array.from({ length: 64 }, (_, k) => 2 ** k);
export function pow2(k: number): number {
  return POW2[k] as number;
}

/**
 * struct xarray (include/linux/xarray.h:294). `id` is the shared-object id of xa_head. The chunk shift is
 * read from the configuration when the array is made, so one run uses one geometry.
 */
export class XArray {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "name"];
  /** Shared-object id of xa_head. */
  readonly id: number;
  readonly xa_lock: spinlock_t;
  /** The root entry: null, a single entry (index 0 only) or the top xa_node. */
  xa_head: XaEntry = null;
  /** XA_CHUNK_SHIFT for this array (6 in the kernel; kconfig XA_CHUNK_SHIFT). */
  readonly chunkShift: number;
  /** XA_CHUNK_SIZE = 1 << XA_CHUNK_SHIFT. */
  readonly chunkSize: number;
  /** XA_CHUNK_MASK = XA_CHUNK_SIZE - 1. */
  readonly chunkMask: number;

  constructor(readonly name: string) {
    this.id = newObject();
    this.xa_lock = new spinlock_t(`${name}.xa_lock`);
    this.chunkShift = kconfig.current.XA_CHUNK_SHIFT;
    this.chunkSize = 1 << this.chunkShift;
    this.chunkMask = this.chunkSize - 1;
    // biome-ignore lint/correctness/noConstructorReturn: the footprint audit's hook (runtime.ts shared)
    return shared(this);
  }
}

/** XA_RCU_FREE (lib/xarray.c:252): what xa_node_free leaves in node->array. */
export const XA_RCU_FREE = { xa_rcu_free: true } as const;

/**
 * struct xa_node (include/linux/xarray.h:1124). Every slot has its own shared-object id (`slotIds[i]`);
 * `id` stands for the node's ->parent and ->offset, which lockless readers read when they climb.
 * ->count and ->nr_values are touched only under xa_lock and get no footprint (the lock orders them).
 * A freed node (->array == XA_RCU_FREE) is never reused: lockless readers may still hold it, as RCU lets
 * them in the kernel.
 */
export class xa_node {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "slotIds"];
  /** Shared-object id of ->parent / ->offset. */
  readonly id: number;
  /** Shared-object id of each slot. */
  readonly slotIds: number[];
  shift: number;
  offset = 0;
  count = 0;
  nr_values = 0;
  parent: xa_node | null = null;
  array: XArray | typeof XA_RCU_FREE;
  readonly slots: XaEntry[];

  constructor(xa: XArray, shift: number) {
    this.id = newObject();
    this.shift = shift;
    this.array = xa;
    const n = xa.chunkSize;
    this.slotIds = new Array<number>(n);
    this.slots = new Array<XaEntry>(n);
    for (let i = 0; i < n; i++) {
      this.slotIds[i] = newObject();
      this.slots[i] = null;
    }
    // biome-ignore lint/correctness/noConstructorReturn: the footprint audit's hook (runtime.ts shared)
    return shared(this);
  }
}

/** Whether xa_node_free has run on `node` (its ->array is XA_RCU_FREE). */
export function xa_node_freed(node: xa_node): boolean {
  return node.array === XA_RCU_FREE;
}

// ===== struct xa_state =====

/** The special values of xas->xa_node (xarray.h:1327–1328). */
export class XasSpecial {
  constructor(readonly name: string) {}
}
/** XAS_BOUNDS: the walk ran off the end of the tree. */
export const XAS_BOUNDS = new XasSpecial("XAS_BOUNDS");
/** XAS_RESTART: not walked; the next operation starts at xa_head. */
export const XAS_RESTART = new XasSpecial("XAS_RESTART");

/**
 * struct xa_state (include/linux/xarray.h:1310): the cursor. xa_node is the node holding the slot at
 * xa_offset, null when the entry is xa_head itself, or XAS_RESTART / XAS_BOUNDS. Callers keep it in their
 * frame's locals, so a thread's position in the array is visible state.
 */
export class xa_state {
  xa: XArray;
  xa_index: number;
  xa_shift: number;
  xa_sibs: number;
  xa_offset = 0;
  xa_node: xa_node | XasSpecial | null = XAS_RESTART;
  /** Preallocated node (xas_nomem); never used, since allocation never fails in the model. */
  xa_alloc: xa_node | null = null;

  constructor(xa: XArray, index: number, shift: number, sibs: number) {
    this.xa = xa;
    this.xa_index = index;
    this.xa_shift = shift;
    this.xa_sibs = sibs;
  }
}

/** XA_STATE(name, xa, index) (xarray.h:1350): a cursor for one index. */
export function XA_STATE(xa: XArray, index: number): xa_state {
  return new xa_state(xa, index, 0, 0);
}

/** XA_STATE_ORDER(name, xa, index, order) (xarray.h:1364): a cursor for a 2^order-aligned range. */
export function XA_STATE_ORDER(xa: XArray, index: number, order: number): xa_state {
  const r = order % xa.chunkShift;
  return new xa_state(xa, index - (index % pow2(order)), order - r, (1 << r) - 1);
}

/** xas_error(xas) (xarray.h:1389): always 0, since allocation failure is not modelled. */
export function xas_error(_xas: xa_state): number {
  return 0;
}

/** xas_invalid(xas) (xarray.h:1414): in a restart (or bounds) state. */
export function xas_invalid(xas: xa_state): boolean {
  return xas.xa_node instanceof XasSpecial;
}

/** xas_valid(xas) (xarray.h:1425). */
export function xas_valid(xas: xa_state): boolean {
  return !(xas.xa_node instanceof XasSpecial);
}

/** xas_is_node(xas) (xarray.h:1436): walked to a node. */
export function xas_is_node(xas: xa_state): boolean {
  return xas.xa_node instanceof xa_node;
}

/** xas_not_node(node) (xarray.h:1442): null, XAS_RESTART or XAS_BOUNDS. */
export function xas_not_node(node: xa_node | XasSpecial | null): node is XasSpecial | null {
  return !(node instanceof xa_node);
}

/** xas_frozen(node) (xarray.h:1448): XAS_RESTART (or an error, never modelled). */
export function xas_frozen(node: xa_node | XasSpecial | null): boolean {
  return node === XAS_RESTART;
}

/** xas_top(node) (xarray.h:1454): null, XAS_BOUNDS or XAS_RESTART. */
export function xas_top(node: xa_node | XasSpecial | null): node is XasSpecial | null {
  return !(node instanceof xa_node);
}

/** xas_reset(xas) (xarray.h:1469): walk again from the root next time; the index is kept. */
export function xas_reset(xas: xa_state): void {
  xas.xa_node = XAS_RESTART;
}

/**
 * xas_retry(xas, entry) (xarray.h:1486): true if `entry` must not be used. A zero entry just says so; a
 * retry entry also resets the cursor so the next operation walks from xa_head at the same index.
 */
export function xas_retry(xas: xa_state, entry: XaEntry): boolean {
  if (xa_is_zero(entry)) return true;
  if (!xa_is_retry(entry)) return false;
  xas_reset(xas);
  return true;
}

/** xas_set(xas, index) (xarray.h:1577). */
export function xas_set(xas: xa_state, index: number): void {
  xas.xa_index = index;
  xas.xa_node = XAS_RESTART;
}

/**
 * xas_set_order(xas, index, order) (xarray.h:1589; CONFIG_XARRAY_MULTI, which THP selects): index rounded
 * down to the order, xa_shift = order - order % XA_CHUNK_SHIFT, xa_sibs = 2^(order % XA_CHUNK_SHIFT) - 1.
 */
export function xas_set_order(xas: xa_state, index: number, order: number): void {
  const cs = xas.xa.chunkShift;
  xas.xa_index = order < 64 ? index - (index % pow2(order)) : 0;
  xas.xa_shift = order - (order % cs);
  xas.xa_sibs = (1 << (order % cs)) - 1;
  xas.xa_node = XAS_RESTART;
}

/**
 * xas_pause(xas) (lib/xarray.c:1115): move to the index after the current entry (and its siblings) and
 * set XAS_RESTART, so the caller may drop the lock or RCU.
 * Model: a plain function. It reads the slots after the cursor only to skip sibling entries; the modelled
 * page cache never stores siblings (xas_create_range leaves xa_sibs = 0; multi-order stores store NULL), so
 * no interleaving can change its result. The reads are still recorded in the caller's step.
 */
export function xas_pause(xas: xa_state): void {
  const node = xas.xa_node;
  if (xas_invalid(xas)) return;
  xas.xa_node = XAS_RESTART;
  if (node instanceof xa_node) {
    let offset = xas.xa_offset;
    while (++offset < xas.xa.chunkSize) {
      read(node.slotIds[offset] as number);
      if (!xa_is_sibling(node.slots[offset] as XaEntry)) break;
    }
    xas.xa_index += (offset - xas.xa_offset) * pow2(node.shift);
    if (xas.xa_index === 0) xas.xa_node = XAS_BOUNDS;
  } else {
    xas.xa_index++;
  }
}

/** xas_init_marks(xas) (lib/xarray.c:936): clears the marks of the range; marks are not modelled (no-op). */
export function xas_init_marks(_xas: xa_state): void {}

// ===== index arithmetic (lib/xarray.c:142–170), exact for indices below 2^53 =====

/** get_offset(index, node) (lib/xarray.c:142): (index >> node->shift) & XA_CHUNK_MASK. */
export function get_offset(xa: XArray, index: number, node: xa_node): number {
  return Math.floor(index / pow2(node.shift)) % xa.chunkSize;
}

/** xas_set_offset(xas) (lib/xarray.c:147). */
export function xas_set_offset(xas: xa_state): void {
  xas.xa_offset = get_offset(xas.xa, xas.xa_index, xas.xa_node as xa_node);
}

/**
 * xas_move_index(xas, offset) (lib/xarray.c:153): clear the index's bits below this node's level
 * (index &= ~XA_CHUNK_MASK << shift) and add offset << shift; offset may be XA_CHUNK_SIZE (carry).
 */
export function xas_move_index(xas: xa_state, offset: number): void {
  const node = xas.xa_node as xa_node;
  const p = pow2(node.shift);
  const index = xas.xa_index;
  xas.xa_index = index - (index % (p * xas.xa.chunkSize)) + offset * p;
}

/** xas_advance(xas) (lib/xarray.c:160). */
export function xas_advance(xas: xa_state): void {
  xas.xa_offset++;
  xas_move_index(xas, xas.xa_offset);
}

/** set_bounds(xas) (lib/xarray.c:166). */
export function set_bounds(xas: xa_state): null {
  xas.xa_node = XAS_BOUNDS;
  return null;
}

/** `x | (p - 1)` for p a power of two. */
export function or_low(x: number, p: number): number {
  return x - (x % p) + p - 1;
}

/** max_index(entry) (lib/xarray.c:429): the largest index the array holds without growing. */
export function max_index(xa: XArray, entry: XaEntry): number {
  if (!(entry instanceof xa_node)) return 0;
  return xa.chunkSize * pow2(entry.shift) - 1;
}

/** xas_max(xas) (lib/xarray.c:412): the largest index the store of this cursor's range needs. */
export function xas_max(xas: xa_state): number {
  let max = xas.xa_index;
  if (xas.xa_shift !== 0 || xas.xa_sibs !== 0) {
    const size = (xas.xa_sibs + 1) * pow2(xas.xa_shift);
    const mask = size - 1;
    max = or_low(max, size);
    if (mask === max) max++;
  }
  return max;
}

// ===== shared-memory accessors: every xa_head and slot access goes through these =====

/** Reads xa_head (xa_head / xa_head_locked, xarray.h:1164–1175) and records it. */
export function head_read(xa: XArray): XaEntry {
  read(xa.id);
  return xa.xa_head;
}

/** Reads node->slots[offset] (xa_entry / xa_entry_locked, xarray.h:1178–1193) and records it. */
export function slot_read(node: xa_node, offset: number): XaEntry {
  read(node.slotIds[offset] as number);
  return node.slots[offset] as XaEntry;
}

/**
 * Records reads of xa_head and of every slot of every node reachable from it: for a model check that
 * looks at the whole array within a step (the free-time check that a freed page is in no slot), so that
 * partial-order reduction orders that step against every store the check could see.
 */
export function read_whole_array(xa: XArray): void {
  read(xa.id);
  const visit = (e: XaEntry): void => {
    if (!(e instanceof xa_node)) return;
    for (let i = 0; i < e.slots.length; i++) {
      read(e.slotIds[i] as number);
      if (e.shift !== 0) visit(e.slots[i] as XaEntry);
    }
  };
  visit(xa.xa_head);
}

/** Reads node->parent (xa_parent / xa_parent_locked, xarray.h:1196–1209) and records it. */
export function parent_read(node: xa_node): xa_node | null {
  read(node.id);
  return node.parent;
}

const AT_STORE = { file: "lib/xarray.c", line: 816 };

/**
 * Stores into a slot (node null: into xa_head) and records it: rcu_assign_pointer / RCU_INIT_POINTER.
 * A store into a node that xa_node_free already released would corrupt freed memory: a model invariant.
 */
export function slot_store(xa: XArray, node: xa_node | null, offset: number, entry: XaEntry): void {
  if (node === null) {
    write(xa.id);
    if (rt.recording) rt.notes.push(`xas_store: ${xa.name} xa_head: ${entryName(xa.xa_head)} → ${entryName(entry)}`);
    xa.xa_head = entry;
    return;
  }
  model_invariant(node.array !== XA_RCU_FREE, AT_STORE, `XArray store into freed node N${node.id}`);
  write(node.slotIds[offset] as number);
  if (rt.recording) {
    rt.notes.push(
      `xas_store: ${xa.name} N${node.id}[${offset}]: ${entryName(node.slots[offset] as XaEntry)} → ${entryName(entry)}`,
    );
  }
  node.slots[offset] = entry;
}

/** Short entry names for trace notes (xarray_debug.ts's xa_entry_name has the same rules). */
function entryName(e: XaEntry): string {
  if (e === null) return "NULL";
  if (e instanceof XaValue) return `value ${e.value}`;
  if (e === XA_RETRY_ENTRY) return "XA_RETRY_ENTRY";
  if (e === XA_ZERO_ENTRY) return "XA_ZERO_ENTRY";
  if (e instanceof XaInternal) return `sibling ${e.n}`;
  if (e instanceof xa_node) return `node N${e.id}`;
  return e.name;
}
