/**
 * XArray writers (lib/xarray.c, v5.15-rc3 = 5.15.24 lines): xas_store and xas_create_range with the
 * helpers they call — xas_create, xas_expand, xas_alloc, xas_free_nodes, xas_delete_node, xas_shrink,
 * update_node — and the locked form of xas_load that xas_store starts with. Re-exported by xarray.ts.
 *
 * Context: the caller holds xa_lock (spin_lock_irq(&xa->xa_lock)); lockless RCU readers run alongside.
 * Steps: one per visible store — a slot (rcu_assign_pointer / RCU_INIT_POINTER), xa_head, or a node's
 * ->parent. Reads under the lock, ->count / ->nr_values updates and the building of a node not yet
 * published share the step of the next store (see xarray.ts's header for why that is sound). A call that
 * stores nothing takes no step of its own: its locked reads fall into the caller's step.
 * Not modelled: marks (xas_squash_marks, xas_init_marks, mark propagation in xas_expand), allocation
 * failure (xas_alloc always succeeds; xas->xa_alloc stays NULL), XA_FLAGS_ZERO_BUSY/TRACK_FREE (unset for
 * i_pages), xa_update callbacks.
 */
import { enter, type Gen, leave, read, write } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import { model_invariant } from "../bug.js";
import {
  get_offset,
  head_read,
  max_index,
  or_low,
  pow2,
  set_bounds,
  slot_read,
  slot_store,
  XA_RCU_FREE,
  XA_RETRY_ENTRY,
  XAS_BOUNDS,
  type XaEntry,
  xa_is_sibling,
  xa_is_value,
  xa_is_zero,
  xa_mk_sibling,
  xa_node,
  type xa_state,
  xa_to_sibling,
  xas_invalid,
  xas_is_node,
  xas_max,
  xas_set_offset,
  xas_top,
  xas_valid,
} from "./xarray_internal.js";

const C = "lib/xarray.c";
const at = (line: number) => ({ file: C, line });

// ===== locked loads (lib/xarray.c:179–245 under xa_lock) =====

/**
 * xas_load as xas_store calls it, under xa_lock: the same walk as xarray.ts's xas_load (xas_start,
 * xas_descend, xas_reload), with every read recorded but no step of its own, since under the lock no
 * other CPU can change what it reads.
 */
function xas_load_locked(xas: xa_state): XaEntry {
  const xa = xas.xa;
  let entry: XaEntry;
  const cur = xas.xa_node;
  if (cur === null) {
    entry = head_read(xa);
  } else if (cur instanceof xa_node) {
    // xas_reload
    let offset = get_offset(xa, xas.xa_index, cur);
    entry = slot_read(cur, offset);
    if (xa_is_sibling(entry)) {
      offset = xa_to_sibling(entry);
      entry = slot_read(cur, offset);
    }
  } else {
    entry = head_read(xa);
    if (!(entry instanceof xa_node)) {
      if (xas.xa_index !== 0) return set_bounds(xas);
    } else if (Math.floor(xas.xa_index / pow2(entry.shift)) > xa.chunkMask) {
      return set_bounds(xas);
    }
    xas.xa_node = null;
  }
  while (entry instanceof xa_node) {
    const node: xa_node = entry;
    if (xas.xa_shift > node.shift) break;
    entry = xas_descend_locked(xas, node);
    if (node.shift === 0) break;
  }
  return entry;
}

/** xas_descend (lib/xarray.c:201) under xa_lock: reads recorded, no step. */
function xas_descend_locked(xas: xa_state, node: xa_node): XaEntry {
  let offset = get_offset(xas.xa, xas.xa_index, node);
  let entry = slot_read(node, offset);
  xas.xa_node = node;
  if (xa_is_sibling(entry)) {
    offset = xa_to_sibling(entry);
    entry = slot_read(node, offset);
  }
  xas.xa_offset = offset;
  return entry;
}

// ===== node allocation and freeing =====

/**
 * xas_alloc (lib/xarray.c:358): a new node below xas->xa_node (at xas->xa_offset), or a new root if
 * xa_node is null. Always succeeds in the model. The node is private until a later store publishes it.
 */
function xas_alloc(xas: xa_state, shift: number): xa_node {
  model_invariant(xas_valid(xas), at(363), "xas_alloc on an invalid cursor");
  const parent = xas.xa_node as xa_node | null;
  const node = new xa_node(xas.xa, shift);
  if (parent !== null) {
    node.offset = xas.xa_offset;
    parent.count++;
    model_invariant(parent.count <= xas.xa.chunkSize, at(384), "parent->count > XA_CHUNK_SIZE");
  }
  node.count = 0;
  node.nr_values = 0;
  node.parent = parent;
  return node;
}

/** xa_node_free (lib/xarray.c:254): ->array = XA_RCU_FREE; the node is never reused (RCU-deferred free). */
function xa_node_free(node: xa_node): void {
  node.array = XA_RCU_FREE;
}

const FN_xas_free_nodes = fn("xas_free_nodes", C, 522);
const S_free_retry = site(C, 536, "xas_free_nodes", "store XA_RETRY_ENTRY in a slot of a detached node");

/**
 * xas_free_nodes - free a detached subtree (lib/xarray.c:522)
 * @xas: the storing cursor
 * @top: root of a subtree whose parent slot was just cleared
 *
 * RCU readers may still be inside, so every non-NULL slot that is not a node pointer of an interior node
 * is overwritten with XA_RETRY_ENTRY, depth first, slots in ascending order; each node is then given
 * count 0 and freed. Interior slots that point to child nodes are left as they are (readers follow them
 * into RETRY-filled children).
 *
 * Context: xa_lock held.
 * C: lib/xarray.c:522–552.
 * Model: one step per RETRY store; ->count/->nr_values resets and the freeing share the next step.
 */
function* xas_free_nodes(xas: xa_state, top: xa_node): Gen<void> {
  const l = enter(FN_xas_free_nodes, { xas, top, node: top, offset: 0 });
  const size = xas.xa.chunkSize;
  for (;;) {
    const entry = slot_read(l.node, l.offset);
    if (l.node.shift !== 0 && entry instanceof xa_node) {
      l.node = entry;
      l.offset = 0;
      continue;
    }
    if (entry !== null) {
      slot_store(xas.xa, l.node, l.offset, XA_RETRY_ENTRY);
      yield S_free_retry;
    }
    l.offset++;
    while (l.offset === size) {
      const node = l.node;
      read(node.id);
      const parent = node.parent;
      l.offset = node.offset + 1;
      node.count = 0;
      node.nr_values = 0;
      xa_node_free(node);
      if (node === l.top) return leave(undefined);
      l.node = parent as xa_node;
    }
  }
}

const FN_xas_shrink = fn("xas_shrink", C, 436);
const S_shrink_head = site(C, 456, "xas_shrink", "move the root's only child to xa_head");
const S_shrink_retry = site(C, 463, "xas_shrink", "store XA_RETRY_ENTRY in the old root's slot 0");
const S_shrink_parent = site(C, 469, "xas_shrink", "clear the new root's ->parent");

/**
 * xas_shrink - lower the tree while the root holds one entry, in slot 0 (lib/xarray.c:436)
 * @xas: cursor on the root node; left at XAS_BOUNDS if the root changed
 *
 * xa_head takes the root's slot 0 (a child node, or any entry if the root is a leaf); the old root gets
 * count 0, XA_RETRY_ENTRY in slot 0 if that entry was not a node, and is freed; a new root node gets
 * ->parent = NULL. Repeats on the new root.
 *
 * Context: xa_lock held.
 * C: lib/xarray.c:436–471.
 * Model: one step per store: xa_head, slot 0, ->parent.
 */
function* xas_shrink(xas: xa_state): Gen<void> {
  const l = enter(FN_xas_shrink, { xas, node: xas.xa_node as xa_node, entry: null as XaEntry });
  const xa = xas.xa;
  for (;;) {
    model_invariant(l.node.count <= xa.chunkSize, at(444), "node->count > XA_CHUNK_SIZE");
    if (l.node.count !== 1) break;
    l.entry = slot_read(l.node, 0);
    if (l.entry === null) break;
    if (!(l.entry instanceof xa_node) && l.node.shift !== 0) break;
    xas.xa_node = XAS_BOUNDS;
    slot_store(xa, null, 0, l.entry);
    yield S_shrink_head;
    l.node.count = 0;
    l.node.nr_values = 0;
    if (!(l.entry instanceof xa_node)) {
      slot_store(xa, l.node, 0, XA_RETRY_ENTRY);
      yield S_shrink_retry;
    }
    xa_node_free(l.node);
    if (!(l.entry instanceof xa_node)) break;
    l.node = l.entry;
    write(l.node.id);
    l.node.parent = null;
    yield S_shrink_parent;
  }
  return leave(undefined);
}

const FN_xas_delete_node = fn("xas_delete_node", C, 480);
const S_delete_head = site(C, 497, "xas_delete_node", "clear xa_head");
const S_delete_slot = site(C, 502, "xas_delete_node", "clear the emptied node's parent slot");

/**
 * xas_delete_node - unlink xas->xa_node and its ancestors while they are empty (lib/xarray.c:480)
 * @xas: cursor on a node whose count just dropped; left on the first non-empty ancestor (or XAS_BOUNDS)
 *
 * An empty node's parent slot is set to NULL (no RETRY entries: its slots are all NULL already) and the
 * node is freed; the parent's count drops and it is tried in turn. An empty root empties xa_head. If the
 * walk stopped at the root, the tree may shrink (xas_shrink).
 *
 * Context: xa_lock held.
 * C: lib/xarray.c:480–511.
 * Model: one step per store (parent slot or xa_head); then xas_shrink's steps.
 */
function* xas_delete_node(xas: xa_state): Gen<void> {
  const l = enter(FN_xas_delete_node, { xas, node: xas.xa_node as xa_node });
  const xa = xas.xa;
  for (;;) {
    model_invariant(l.node.count <= xa.chunkSize, at(487), "node->count > XA_CHUNK_SIZE");
    if (l.node.count !== 0) break;
    read(l.node.id);
    const parent = l.node.parent;
    xas.xa_node = parent;
    xas.xa_offset = l.node.offset;
    xa_node_free(l.node);
    if (parent === null) {
      slot_store(xa, null, 0, null);
      xas.xa_node = XAS_BOUNDS;
      yield S_delete_head;
      return leave(undefined);
    }
    slot_store(xa, parent, xas.xa_offset, null);
    l.node = parent;
    yield S_delete_slot;
    l.node.count--;
    model_invariant(l.node.count >= 0, at(504), "parent->count underflow");
  }
  read(l.node.id);
  if (l.node.parent === null) yield* xas_shrink(xas);
  return leave(undefined);
}

// ===== xas_expand, xas_create =====

const FN_xas_expand = fn("xas_expand", C, 558);
const S_expand_parent = site(C, 612, "xas_expand", "set the old root's ->parent to the new root");
const S_expand_head = site(C, 615, "xas_expand", "publish the new root in xa_head");

/**
 * xas_expand - add levels above the root until it covers xas_max(xas) (lib/xarray.c:558)
 * @xas: cursor; left on the new top node (or null)
 * @head: the current xa_head
 *
 * An empty array only computes the shift its root will need (xas_create then builds top-down). Otherwise
 * each new root is built with the old head in slot 0, the old root node's ->parent is pointed at it, and
 * it is published in xa_head.
 *
 * Context: xa_lock held.
 * Return: the shift of the slot level xas_create continues from.
 * C: lib/xarray.c:558–623 (mark propagation omitted).
 * Model: one step for the ->parent store (if the old head is a node) and one for the xa_head store.
 */
function* xas_expand(xas: xa_state, head: XaEntry): Gen<number> {
  const l = enter(FN_xas_expand, { xas, head, node: null as xa_node | null, shift: 0, max: xas_max(xas) });
  const xa = xas.xa;
  if (head === null) {
    if (l.max === 0) return leave(0);
    let shift = 0;
    while (Math.floor(l.max / pow2(shift)) >= xa.chunkSize) shift += xa.chunkShift;
    return leave(shift + xa.chunkShift);
  }
  if (head instanceof xa_node) {
    l.node = head;
    l.shift = head.shift + xa.chunkShift;
  }
  xas.xa_node = null;
  while (l.max > max_index(xa, l.head)) {
    const node = xas_alloc(xas, l.shift);
    node.count = 1;
    if (xa_is_value(l.head)) node.nr_values = 1;
    write(node.slotIds[0] as number);
    node.slots[0] = l.head;
    l.node = node;
    if (l.head instanceof xa_node) {
      write(l.head.id);
      l.head.offset = 0;
      l.head.parent = node;
      yield S_expand_parent;
    }
    l.head = l.node;
    slot_store(xa, null, 0, l.node);
    yield S_expand_head;
    l.shift += xa.chunkShift;
  }
  xas.xa_node = l.node;
  return leave(l.shift);
}

const FN_xas_create = fn("xas_create", C, 638);
const S_create_publish = site(C, 681, "xas_create", "publish a new node in its parent slot");

/**
 * xas_create - make the slot for xas's index at level xas->xa_shift exist (lib/xarray.c:638)
 * @xas: cursor; left on the node holding the slot (null if it is xa_head)
 * @allow_root: the entry may live in xa_head itself (index 0, not a node or zero entry)
 *
 * From an unwalked cursor: grow the root (xas_expand) and start at xa_head; from a walked one: start at
 * its slot. Going down, a NULL slot gets a new empty node, published in that slot; an existing node is
 * entered; any other entry stops the descent and is returned.
 *
 * Context: xa_lock held.
 * Return: the entry now in the slot (NULL if just created).
 * C: lib/xarray.c:638–692.
 * Model: one step per node published (the node is built in the same step); locked reads share steps.
 */
function* xas_create(xas: xa_state, allow_root: boolean): Gen<XaEntry> {
  const l = enter(FN_xas_create, {
    xas,
    allow_root,
    entry: null as XaEntry,
    shift: 0,
    order: xas.xa_shift,
    /** The slot being worked on: node (null = xa_head) and offset. */
    slotNode: null as xa_node | null,
    slotOffset: 0,
    node: null as xa_node | null,
  });
  const xa = xas.xa;
  const start = xas.xa_node;
  if (xas_top(start)) {
    l.entry = head_read(xa);
    xas.xa_node = null;
    l.shift = yield* xas_expand(xas, l.entry);
    if (l.shift === 0 && !l.allow_root) l.shift = xa.chunkShift;
    l.entry = head_read(xa);
    l.slotNode = null;
  } else {
    l.shift = start.shift;
    l.entry = slot_read(start, xas.xa_offset);
    l.slotNode = start;
    l.slotOffset = xas.xa_offset;
  }
  while (l.shift > l.order) {
    l.shift -= xa.chunkShift;
    if (l.entry === null) {
      l.node = xas_alloc(xas, l.shift);
      slot_store(xa, l.slotNode, l.slotOffset, l.node);
      yield S_create_publish;
    } else if (l.entry instanceof xa_node) {
      l.node = l.entry;
    } else {
      break;
    }
    l.entry = xas_descend_locked(xas, l.node);
    l.slotNode = l.node;
    l.slotOffset = xas.xa_offset;
  }
  return leave(l.entry);
}

// ===== xas_create_range =====

const FN_xas_create_range = fn("xas_create_range", C, 703);

/**
 * xas_create_range - make every slot of the cursor's range exist (lib/xarray.c:703)
 * @xas: cursor with an order (XA_STATE_ORDER / xas_set_order)
 *
 * Creates the leaves of the range from its last index down to its first (xas_create at each leaf, climbing
 * back through ->parent between leaves), then leaves the cursor on the first index with xa_shift =
 * xa_sibs = 0, so the caller stores the entry one index at a time (collapse_file,
 * shmem_add_to_page_cache): the 5.15 page cache never stores multi-index entries.
 *
 * Context: xa_lock held.
 * C: lib/xarray.c:703–741 (the error/restore branch cannot happen: allocation never fails).
 * Model: the steps of the nodes xas_create publishes; nothing else is visible.
 */
export function* xas_create_range(xas: xa_state): Gen<void> {
  const l = enter(FN_xas_create_range, { xas, index: xas.xa_index, shift: xas.xa_shift, sibs: xas.xa_sibs });
  const xa = xas.xa;
  xas.xa_index = or_low(xas.xa_index, (l.sibs + 1) * pow2(l.shift));
  if (xas_is_node(xas) && (xas.xa_node as xa_node).shift === xas.xa_shift) xas.xa_offset |= l.sibs;
  xas.xa_shift = 0;
  xas.xa_sibs = 0;
  for (;;) {
    yield* xas_create(xas, true);
    if (xas.xa_index <= or_low(l.index, xa.chunkSize)) break;
    xas.xa_index -= xa.chunkSize;
    for (;;) {
      const node = xas.xa_node;
      model_invariant(node instanceof xa_node, at(725), "xas_create_range climbed above the root");
      const n = node as xa_node;
      xas.xa_node = n.parent;
      read(n.id);
      xas.xa_offset = n.offset - 1;
      if (n.offset !== 0) break;
    }
  }
  xas.xa_index = l.index;
  if (xas.xa_node !== null) xas_set_offset(xas);
  return leave(undefined);
}

// ===== xas_store =====

const FN_xas_store = fn("xas_store", C, 772);
const S_store = site(C, 816, "xas_store", "store slot");

/**
 * xas_store - store an entry over the cursor's range (lib/xarray.c:772)
 * @xas: cursor; a single index, or 1 + xa_sibs slots at level xa_shift (xas_set_order)
 * @entry: new entry; NULL erases
 *
 * Non-NULL: create the path (xas_create). NULL: walk (xas_load) and give up if there is nothing. Then
 * store into the range one slot after another, ascending: the first slot gets @entry, the others sibling
 * entries (or NULL when erasing; an erase also clears stale siblings after the range). Each slot that held
 * a node pointer below the storing level is freed with its subtree right after its own store
 * (xas_free_nodes: RETRY entries into every slot), before the next slot is touched. Finally the node's
 * count and value count are adjusted (update_node, :744); if it dropped, emptied nodes are unlinked
 * (xas_delete_node) and the root may shrink.
 *
 * Context: xa_lock held; must not sleep.
 * Return: the old entry (for a range: the first non-sibling entry replaced).
 * C: lib/xarray.c:772–843 and update_node :744–757.
 * Model: one step per slot store, then the callees' steps; locals hold the loop state.
 */
export function* xas_store(xas: xa_state, entry: XaEntry): Gen<XaEntry> {
  const l = enter(FN_xas_store, {
    xas,
    entry,
    value: xa_is_value(entry),
    node: null as xa_node | null,
    offset: 0,
    max: 0,
    count: 0,
    values: 0,
    first: null as XaEntry,
    next: null as XaEntry,
  });
  const xa = xas.xa;
  if (entry !== null) {
    const allow_root = !(entry instanceof xa_node) && !xa_is_zero(entry);
    l.first = yield* xas_create(xas, allow_root);
  } else {
    l.first = xas_load_locked(xas);
  }
  if (xas_invalid(xas)) return leave(l.first);
  l.node = xas.xa_node as xa_node | null;
  if (l.node !== null && xas.xa_shift < l.node.shift) xas.xa_sibs = 0;
  if (l.first === l.entry && xas.xa_sibs === 0) return leave(l.first);
  l.next = l.first;
  l.offset = xas.xa_offset;
  l.max = xas.xa_offset + xas.xa_sibs;
  for (;;) {
    slot_store(xa, l.node, l.offset, l.entry);
    yield S_store;
    if (l.next instanceof xa_node && (l.node === null || l.node.shift !== 0)) {
      yield* xas_free_nodes(xas, l.next);
    }
    if (l.node === null) break;
    l.count += (l.next === null ? 1 : 0) - (l.entry === null ? 1 : 0);
    l.values += (xa_is_value(l.first) ? 0 : 1) - (l.value ? 0 : 1);
    if (l.entry !== null) {
      if (l.offset === l.max) break;
      if (!xa_is_sibling(l.entry)) l.entry = xa_mk_sibling(xas.xa_offset);
    } else if (l.offset === xa.chunkMask) {
      break;
    }
    l.offset++;
    l.next = slot_read(l.node, l.offset);
    if (!xa_is_sibling(l.next)) {
      if (l.entry === null && l.offset > l.max) break;
      l.first = l.next;
    }
  }
  // update_node (lib/xarray.c:744)
  const node = l.node;
  if (node !== null && (l.count !== 0 || l.values !== 0)) {
    node.count += l.count;
    node.nr_values += l.values;
    model_invariant(node.count >= 0 && node.count <= xa.chunkSize, at(752), "node->count out of range");
    model_invariant(node.nr_values >= 0 && node.nr_values <= xa.chunkSize, at(753), "node->nr_values out of range");
    if (l.count < 0) yield* xas_delete_node(xas);
  }
  return leave(l.first);
}
