/**
 * The XArray (lib/xarray.c, include/linux/xarray.h, v5.15-rc3 = 5.15.24 line numbers) as the page cache
 * uses it: the lockless readers (xas_load, xas_reload, xas_find, xas_next, xas_next_entry) live here; the
 * writers (xas_store, xas_create_range and their helpers) in xarray_store.ts; the data types, entry
 * predicates and step-free cursor helpers in xarray_internal.ts; xa_snapshot and friends in
 * xarray_debug.ts. This file re-exports all of them: model code imports from here only.
 *
 * Steps. Lockless readers run under RCU beside a writer that holds xa_lock, so each read of xa_head or of
 * a slot by a reader ends a step (one `yield` per read), and so does each store of a slot by a writer:
 * every single store is visible to readers, never a group of them. Two kinds of access share a step:
 * - a reader's reads of node->parent while it climbs are folded into the step of the slot read that
 *   follows. ->parent changes only when the root grows (xas_expand: NULL → new root) or shrinks
 *   (xas_shrink: old root → NULL); a reader that saw NULL stops climbing, and one that saw the old root
 *   then reads a slot of it other than slot 0, which no store touches between the last store before the
 *   shrink (itself a step) and the shrink. So some instant always holds both values read, and folding
 *   can neither hide nor invent an outcome. A climb that finds NULL (the walk ends) gets its own step.
 * - a writer's reads under xa_lock (xas_load/xas_create inside xas_store, ->count, ->nr_values, a node
 *   being built before it is published) are folded into the neighbouring store's step: no other CPU can
 *   store while the lock is held, and readers only read, so the values cannot change in between.
 *
 * Lock ordering: xa_lock (spin_lock_irq) is the innermost lock of the page cache; it is never held across
 * a sleep. Writers must hold it; readers hold it or RCU.
 *
 * State. Every generator keeps what steers it across a yield in its frame's locals (`enter`), and the
 * cursor lives in the caller's xa_state, so a stopped thread's position is readable state.
 */
import { enter, type Gen, leave } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { model_invariant } from "../bug.js";
import { spin_lock_irq, spin_unlock_irq } from "../kernel/locking/spinlock.js";
import {
  get_offset,
  head_read,
  parent_read,
  set_bounds,
  slot_read,
  XAS_BOUNDS,
  XAS_RESTART,
  type XaEntry,
  xa_is_internal,
  xa_is_sibling,
  xa_node,
  type xa_state,
  xa_to_sibling,
  xas_advance,
  xas_frozen,
  xas_not_node,
  xas_set_offset,
  xas_valid,
} from "./xarray_internal.js";

export {
  xa_check_tree,
  xa_describe_tree,
  xa_entry_at,
  xa_entry_name,
  xa_first_index,
  xa_snapshot,
} from "./xarray_debug.js";
export {
  read_whole_array,
  XA_RCU_FREE,
  XA_RETRY_ENTRY,
  XA_STATE,
  XA_STATE_ORDER,
  XA_ZERO_ENTRY,
  XArray,
  XAS_BOUNDS,
  XAS_RESTART,
  type XaEntry,
  XaInternal,
  XasSpecial,
  XaValue,
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
  xa_state,
  xa_to_sibling,
  xa_to_value,
  xas_error,
  xas_frozen,
  xas_init_marks,
  xas_invalid,
  xas_is_node,
  xas_not_node,
  xas_pause,
  xas_reset,
  xas_retry,
  xas_set,
  xas_set_order,
  xas_top,
  xas_valid,
} from "./xarray_internal.js";
export { xas_create_range, xas_store } from "./xarray_store.js";

const C = "lib/xarray.c";
const H = "include/linux/xarray.h";

// ===== locking (include/linux/xarray.h:1376–1377, 534–535) =====

/** xas_lock_irq(xas) = spin_lock_irq(&xas->xa->xa_lock). */
export function* xas_lock_irq(xas: xa_state): Gen<void> {
  yield* spin_lock_irq(xas.xa.xa_lock);
}

/** xas_unlock_irq(xas) = spin_unlock_irq(&xas->xa->xa_lock); part of the caller's current step. */
export function xas_unlock_irq(xas: xa_state): void {
  spin_unlock_irq(xas.xa.xa_lock);
}

// ===== xas_load, xas_reload =====

const FN_xas_load = fn("xas_load", C, 231);
const S_start = site(C, 188, "xas_start", "read xa_head");
const S_descend = site(C, 204, "xas_descend", "read slot");
const S_descend_sib = site(C, 209, "xas_descend", "read the slot a sibling names");

/**
 * xas_load - load the entry at xas->xa_index (lib/xarray.c:231)
 * @xas: cursor; walked to the slot it read (or null for xa_head, XAS_BOUNDS past the tree)
 *
 * xas_start (lib/xarray.c:179): a valid cursor reloads its slot (xas_reload); otherwise read xa_head and
 * go to XAS_BOUNDS if the index lies beyond what the root covers. Then descend while the entry is a node
 * whose shift is at least xa_shift, following one sibling per level (xas_descend, :201), stopping after a
 * shift-0 node. Never grows the tree. The result may be an internal entry (a node pointer for a
 * multi-order cursor, XA_RETRY_ENTRY in a node being freed).
 *
 * Context: RCU or xa_lock.
 * Return: the entry found.
 * C: lib/xarray.c:179–245.
 * Model: one step per xa_head or slot read; locals hold the entry and the node being descended.
 */
export function* xas_load(xas: xa_state): Gen<XaEntry> {
  const l = enter(FN_xas_load, { xas, entry: null as XaEntry, node: null as xa_node | null });
  const xa = xas.xa;
  if (xas_valid(xas)) {
    l.entry = yield* xas_reload(xas);
  } else {
    l.entry = head_read(xa);
    if (!(l.entry instanceof xa_node)) {
      if (xas.xa_index !== 0) set_bounds(xas);
      else xas.xa_node = null;
    } else if (Math.floor(xas.xa_index / 2 ** l.entry.shift) > xa.chunkMask) {
      set_bounds(xas);
    } else {
      xas.xa_node = null;
    }
    if (xas.xa_node === XAS_BOUNDS) l.entry = null;
    yield S_start;
  }
  while (l.entry instanceof xa_node) {
    l.node = l.entry;
    if (xas.xa_shift > l.node.shift) break;
    // xas_descend (lib/xarray.c:201)
    xas.xa_node = l.node;
    xas.xa_offset = get_offset(xa, xas.xa_index, l.node);
    l.entry = slot_read(l.node, xas.xa_offset);
    yield S_descend;
    if (xa_is_sibling(l.entry)) {
      xas.xa_offset = xa_to_sibling(l.entry);
      l.entry = slot_read(l.node, xas.xa_offset);
      yield S_descend_sib;
    }
    if (l.node.shift === 0) break;
  }
  return leave(l.entry);
}

const FN_xas_reload = fn("xas_reload", H, 1548);
const S_reload_head = site(H, 1555, "xas_reload", "re-read xa_head");
const S_reload = site(H, 1558, "xas_reload", "re-read the cursor's slot");
const S_reload_sib = site(H, 1565, "xas_reload", "read the slot a sibling names");

/**
 * xas_reload - re-read the slot the cursor is on (include/linux/xarray.h:1548)
 * @xas: a walked cursor (xa_node a node or null); XAS_RESTART/XAS_BOUNDS here is a caller bug
 *
 * Does not walk from the root: it reads slot (xa_index >> node->shift) & mask of xa_node, following one
 * sibling, or xa_head when xa_node is null. If the node was unlinked meanwhile, the slot holds
 * XA_RETRY_ENTRY (xas_free_nodes, xas_shrink), NULL (emptied slot by slot), or — in the window before
 * xas_free_nodes reaches it — still the old entry. The cursor is not changed.
 *
 * Return: the entry now in that slot.
 * C: include/linux/xarray.h:1548–1566 (CONFIG_XARRAY_MULTI branch).
 * Model: one step per read. The kernel would dereference a bogus node for an unwalked cursor: a model
 * invariant says so instead.
 */
export function* xas_reload(xas: xa_state): Gen<XaEntry> {
  const l = enter(FN_xas_reload, { xas, entry: null as XaEntry, offset: 0 });
  const node = xas.xa_node;
  if (node === null) {
    l.entry = head_read(xas.xa);
    yield S_reload_head;
    return leave(l.entry);
  }
  model_invariant(node instanceof xa_node, { file: H, line: 1557 }, "xas_reload on a cursor that is not walked");
  l.offset = get_offset(xas.xa, xas.xa_index, node as xa_node);
  l.entry = slot_read(node as xa_node, l.offset);
  yield S_reload;
  if (!xa_is_sibling(l.entry)) return leave(l.entry);
  l.offset = xa_to_sibling(l.entry);
  l.entry = slot_read(xas.xa_node as xa_node, l.offset);
  yield S_reload_sib;
  return leave(l.entry);
}

// ===== xas_find, xas_next_entry =====

const FN_xas_find = fn("xas_find", C, 1232);
const S_find_slot = site(C, 1262, "xas_find", "read slot");
const S_find_top = site(C, 1258, "xas_find", "read node->parent: above the root");

/**
 * xas_find - find the next present entry (lib/xarray.c:1232)
 * @xas: cursor; an unwalked one (XAS_RESTART) looks at xa_index itself, a walked one moves past it
 * @max: highest index to return
 *
 * From XAS_RESTART it loads xa_index and returns whatever non-NULL entry is there (XA_RETRY_ENTRY too)
 * with the index unchanged; a NULL there ends the search if the cursor is at the root or out of bounds.
 * Then it scans forward slot by slot: climbing to the parent past a node's end, descending into nodes,
 * skipping NULLs and siblings (a NULL slot at level k skips 64^k indices), updating xa_index to each slot
 * scanned. It returns the first entry that is neither NULL nor a sibling (RETRY included: the caller's
 * xas_retry restarts at the current index), or NULL with XAS_BOUNDS past @max or the end of the tree.
 *
 * Context: RCU or xa_lock.
 * Return: the entry, or null.
 * C: lib/xarray.c:1232–1277.
 * Model: one step per slot read; parent reads while climbing share the next slot read's step (see the
 * file header), a climb above the root is a step of its own.
 */
export function* xas_find(xas: xa_state, max: number): Gen<XaEntry> {
  const l = enter(FN_xas_find, { xas, max, entry: null as XaEntry });
  const xa = xas.xa;
  if (xas.xa_node === XAS_BOUNDS) return leave(null);
  if (xas.xa_index > max) return leave(set_bounds(xas));
  const node = xas.xa_node;
  if (node === null) {
    xas.xa_index = 1;
    return leave(set_bounds(xas));
  }
  if (node === XAS_RESTART) {
    l.entry = yield* xas_load(xas);
    if (l.entry !== null || xas_not_node(xas.xa_node)) return leave(l.entry);
  } else if ((node as xa_node).shift === 0 && xas.xa_offset !== xas.xa_index % xa.chunkSize) {
    // the caller moved xa_index inside a leaf: restart from the slot after it
    xas.xa_offset = ((xas.xa_index + xa.chunkMask) % xa.chunkSize) + 1;
  }
  xas_advance(xas);
  while (xas.xa_node !== null && xas.xa_index <= l.max) {
    const cur = xas.xa_node as xa_node;
    if (xas.xa_offset === xa.chunkSize) {
      xas.xa_offset = cur.offset + 1;
      xas.xa_node = parent_read(cur);
      if (xas.xa_node === null) yield S_find_top;
      continue;
    }
    l.entry = slot_read(cur, xas.xa_offset);
    yield S_find_slot;
    if (l.entry instanceof xa_node) {
      xas.xa_node = l.entry;
      xas.xa_offset = 0;
      continue;
    }
    if (l.entry !== null && !xa_is_sibling(l.entry)) return leave(l.entry);
    xas_advance(xas);
  }
  if (xas.xa_node === null) xas.xa_node = XAS_BOUNDS;
  return leave(null);
}

const FN_xas_next_entry = fn("xas_next_entry", H, 1627);
const S_next_entry = site(H, 1641, "xas_next_entry", "read the next slot of the leaf");

/**
 * xas_next_entry - advance to the next present entry (include/linux/xarray.h:1627), xas_for_each's step
 * @xas: cursor walked by xas_find or a previous xas_next_entry
 * @max: highest index to return
 *
 * Fast path inside a leaf: read the following slots, stepping xa_offset and xa_index, until a non-NULL
 * one. Anything else — cursor not in a leaf or not on its own index, the end of the leaf, @max reached,
 * an internal entry read — falls back to xas_find, which reads that slot again itself.
 *
 * Return: the next present entry, or null.
 * C: include/linux/xarray.h:1627–1649.
 * Model: one step per slot read (the discarded internal entry's read included, as in C).
 */
export function* xas_next_entry(xas: xa_state, max: number): Gen<XaEntry> {
  const l = enter(FN_xas_next_entry, { xas, max, entry: null as XaEntry });
  const xa = xas.xa;
  const node = xas.xa_node;
  if (!(node instanceof xa_node) || node.shift !== 0 || xas.xa_offset !== xas.xa_index % xa.chunkSize) {
    l.entry = yield* xas_find(xas, max);
    return leave(l.entry);
  }
  do {
    if (xas.xa_index >= l.max || xas.xa_offset === xa.chunkMask) {
      l.entry = yield* xas_find(xas, l.max);
      return leave(l.entry);
    }
    l.entry = slot_read(xas.xa_node as xa_node, xas.xa_offset + 1);
    yield S_next_entry;
    if (xa_is_internal(l.entry)) {
      l.entry = yield* xas_find(xas, l.max);
      return leave(l.entry);
    }
    xas.xa_offset++;
    xas.xa_index++;
  } while (l.entry === null);
  return leave(l.entry);
}

// ===== xas_next, __xas_next =====

const FN_xas_next = fn("xas_next", H, 1812);
const S_next = site(H, 1822, "xas_next", "read the next slot of the leaf");
const FN___xas_next = fn("__xas_next", C, 1184);
const S___next_slot = site(C, 1206, "__xas_next", "read slot");
const S___next_top = site(C, 1200, "__xas_next", "read node->parent: above the root");

/**
 * xas_next - move to the next index and load it (include/linux/xarray.h:1812)
 * @xas: cursor
 *
 * Unlike xas_next_entry, returns holes (NULL) and internal entries too. Fast path: the next slot of the
 * same leaf. Otherwise __xas_next (lib/xarray.c:1184): an unwalked cursor (XAS_RESTART) is loaded at
 * xa_index without incrementing it; XAS_BOUNDS increments and loads; a cursor at the root goes out of
 * bounds; else climb past the ends of nodes and descend to the new index.
 *
 * Return: the entry at the new index (may be NULL or internal).
 * C: include/linux/xarray.h:1812–1823, lib/xarray.c:1184–1213.
 * Model: one step per slot read; parent reads share the next slot read's step; a climb above the root
 * is a step of its own.
 */
export function* xas_next(xas: xa_state): Gen<XaEntry> {
  const l = enter(FN_xas_next, { xas, entry: null as XaEntry });
  const node = xas.xa_node;
  if (!(node instanceof xa_node) || node.shift !== 0 || xas.xa_offset === xas.xa.chunkMask) {
    l.entry = yield* __xas_next(xas);
    return leave(l.entry);
  }
  xas.xa_index++;
  xas.xa_offset++;
  l.entry = slot_read(node, xas.xa_offset);
  yield S_next;
  return leave(l.entry);
}

function* __xas_next(xas: xa_state): Gen<XaEntry> {
  const l = enter(FN___xas_next, { xas, entry: null as XaEntry });
  const xa = xas.xa;
  if (!xas_frozen(xas.xa_node)) xas.xa_index++;
  if (xas.xa_node === null) return leave(set_bounds(xas));
  if (xas_not_node(xas.xa_node)) {
    l.entry = yield* xas_load(xas);
    return leave(l.entry);
  }
  if (xas.xa_offset !== get_offset(xa, xas.xa_index, xas.xa_node as xa_node)) xas.xa_offset++;
  while (xas.xa_offset === xa.chunkSize) {
    const cur = xas.xa_node as xa_node;
    xas.xa_offset = cur.offset + 1;
    xas.xa_node = parent_read(cur);
    if (xas.xa_node === null) {
      set_bounds(xas);
      yield S___next_top;
      return leave(null);
    }
  }
  for (;;) {
    l.entry = slot_read(xas.xa_node as xa_node, xas.xa_offset);
    yield S___next_slot;
    if (!(l.entry instanceof xa_node)) return leave(l.entry);
    xas.xa_node = l.entry;
    xas_set_offset(xas);
  }
}
