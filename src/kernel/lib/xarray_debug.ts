/**
 * Looking at an XArray from outside the model, for reports, the HTML viewer and tests: nothing here
 * records a footprint or takes a step, and nothing here exists in the kernel (xa_dump, lib/xarray.c, is
 * the nearest relative).
 */
import {
  pow2,
  XA_RCU_FREE,
  XA_RETRY_ENTRY,
  XA_ZERO_ENTRY,
  type XArray,
  type XaEntry,
  XaInternal,
  XaValue,
  xa_node,
} from "./xarray_internal.js";

/** A short name for an entry: a page's name, `v<n>` for values, `-` for NULL, `R`, `Z`, `sib<k>`, `N<id>`. */
export function xa_entry_name(entry: XaEntry): string {
  if (entry === null) return "-";
  if (entry instanceof XaValue) return `v${entry.value}`;
  if (entry === XA_RETRY_ENTRY) return "R";
  if (entry === XA_ZERO_ENTRY) return "Z";
  if (entry instanceof XaInternal) return `sib${entry.n}`;
  if (entry instanceof xa_node) return `N${entry.id}`;
  return entry.name;
}

/**
 * The entry each index resolves to, walking from xa_head: element i is what a lookup of index i alone
 * would find (siblings resolved to their canonical slot). The array covers every index the root spans
 * (empty for an empty array, one element for a single entry at xa_head). Detached subtrees are not seen.
 */
export function xa_snapshot(xa: XArray): XaEntry[] {
  const head = xa.xa_head;
  if (head === null) return [];
  if (!(head instanceof xa_node)) return [head];
  const out = new Array<XaEntry>(xa.chunkSize * pow2(head.shift)).fill(null);
  visitRanges(xa, (start, span, e) => {
    for (let j = 0; j < span; j++) out[start + j] = e;
    return false;
  });
  return out;
}

/**
 * Visits what xa_head leads to in index order, as ranges: `span` indices from `start` resolve to entry
 * `e` (siblings resolved to their canonical slot). Stops, returning true, when `visit` returns true.
 */
function visitRanges(xa: XArray, visit: (start: number, span: number, e: XaEntry) => boolean): boolean {
  const head = xa.xa_head;
  if (!(head instanceof xa_node)) return visit(0, 1, head);
  const walk = (node: xa_node, base: number): boolean => {
    const span = pow2(node.shift);
    for (let i = 0; i < xa.chunkSize; i++) {
      let e = node.slots[i] as XaEntry;
      if (e instanceof XaInternal && e.n < 63) e = node.slots[e.n] as XaEntry;
      const start = base + i * span;
      if (e instanceof xa_node && node.shift !== 0 ? walk(e, start) : visit(start, span, e)) return true;
    }
    return false;
  };
  return walk(head, 0);
}

/**
 * Element `index` of xa_snapshot (null past the end), found by walking down to it alone: the model's
 * own checks ask for one index or one page where a snapshot would build every index (hundreds at
 * HPAGE_PMD_NR=512, on every step a waiter's condition is evaluated and every time a page is freed).
 */
export function xa_entry_at(xa: XArray, index: number): XaEntry {
  let e: XaEntry = xa.xa_head;
  if (e === null) return null;
  if (!(e instanceof xa_node)) return index === 0 ? e : null;
  if (index >= xa.chunkSize * pow2(e.shift)) return null;
  let node: xa_node = e;
  for (;;) {
    const span = pow2(node.shift);
    const i = Math.floor(index / span) % xa.chunkSize;
    e = node.slots[i] as XaEntry;
    if (e instanceof XaInternal && e.n < 63) e = node.slots[e.n] as XaEntry;
    if (!(e instanceof xa_node) || node.shift === 0) return e;
    node = e;
  }
}

/** The first index whose xa_snapshot element satisfies `match`, or -1; the same walk, no array built. */
export function xa_first_index(xa: XArray, match: (e: XaEntry) => boolean): number {
  if (xa.xa_head === null) return -1;
  let found = -1;
  visitRanges(xa, (start, _span, e) => {
    if (match(e)) found = start;
    return found >= 0;
  });
  return found;
}

/**
 * The node structure from xa_head, as text: a node is `n<shift>[slot,slot,...]`, other entries are
 * named by xa_entry_name. E.g. `n1[n0[H,H],n0[H,H]]` is one THP of 4 pages at index 0 with
 * XA_CHUNK_SHIFT = 1.
 */
export function xa_describe_tree(xa: XArray): string {
  const show = (e: XaEntry, depth: number): string => {
    if (e instanceof xa_node && depth < 64) {
      return `n${e.shift}[${e.slots.map((s) => show(s as XaEntry, depth + 1)).join(",")}]`;
    }
    return xa_entry_name(e);
  };
  return show(xa.xa_head, 0);
}

/**
 * Checks the tree reachable from xa_head against the invariants a quiescent XArray keeps (no writer in
 * the middle of a store): each node's ->array, ->parent, ->offset, ->shift, ->count and ->nr_values agree
 * with where it hangs and what it holds; no reachable node is empty, freed, or holds a RETRY entry.
 * Returns the violations found (empty when all hold).
 */
export function xa_check_tree(xa: XArray): string[] {
  const problems: string[] = [];
  const head = xa.xa_head;
  if (head === XA_RETRY_ENTRY) problems.push("xa_head is XA_RETRY_ENTRY");
  if (!(head instanceof xa_node)) return problems;
  if (head.parent !== null) problems.push(`root N${head.id} has a parent`);
  const visit = (node: xa_node): void => {
    const name = `N${node.id}`;
    if (node.array === XA_RCU_FREE) problems.push(`${name} is reachable but freed`);
    else if (node.array !== xa) problems.push(`${name} belongs to another array`);
    let count = 0;
    let values = 0;
    for (let i = 0; i < xa.chunkSize; i++) {
      const e = node.slots[i] as XaEntry;
      if (e === null) continue;
      count++;
      if (e instanceof XaValue) values++;
      // a sibling of a value entry counts as a value too (xarray.h:1121–1122)
      if (e instanceof XaInternal && e.n < 63 && node.slots[e.n] instanceof XaValue) values++;
      if (e === XA_RETRY_ENTRY) problems.push(`${name} slot ${i} holds XA_RETRY_ENTRY`);
      if (e instanceof xa_node) {
        if (node.shift === 0) problems.push(`leaf ${name} slot ${i} points to a node`);
        if (e.parent !== node) problems.push(`N${e.id} ->parent is not ${name}`);
        if (e.offset !== i) problems.push(`N${e.id} ->offset ${e.offset}, hangs at ${i}`);
        if (e.shift !== node.shift - xa.chunkShift) problems.push(`N${e.id} ->shift ${e.shift} under ${name}`);
        visit(e);
      }
    }
    if (count === 0) problems.push(`${name} is empty but linked`);
    if (node.count !== count) problems.push(`${name} ->count ${node.count}, holds ${count}`);
    if (node.nr_values !== values) problems.push(`${name} ->nr_values ${node.nr_values}, holds ${values}`);
  };
  visit(head);
  return problems;
}
