/**
 * A plain-JSON picture of the model's state at one instant, for the HTML viewer: what each index of the
 * file's page cache resolves to, every struct page of the execution, the mapping's counters and who holds
 * which lock. Also a map from shared-object id to what that object is (an XArray slot and the file
 * indices under it, a page, a lock, a counter), so a step's footprint can be shown on the picture.
 *
 * Nothing here records a footprint or changes state: fields are read directly, never through the
 * kernel's accessors (PageTail, page_to_index...), which record the reads of the step being run.
 */
import type { Page } from "../kernel/include/linux/mm_types.js";
import { allPages } from "../kernel/include/linux/mm_types.js";
import { PAGEFLAG_NAMES, PG_head, PG_locked } from "../kernel/include/linux/page-flags.js";
import {
  XA_RETRY_ENTRY,
  XA_ZERO_ENTRY,
  type XArray,
  type XaEntry,
  XaInternal,
  XaValue,
  xa_describe_tree,
  xa_entry_name,
  xa_node,
  xa_snapshot,
} from "../kernel/lib/xarray.js";
import type { ScenarioProgram } from "../scenarios/program.js";

/** What an index of the file resolves to. */
export type SlotKind = "head" | "tail" | "small" | "value" | "retry" | "zero" | "empty" | "node";

export interface SlotState {
  readonly index: number;
  readonly kind: SlotKind;
  /** xa_entry_name of the entry: `H`, `H+2`, `P1`, `v3`, `R`, `-`. */
  readonly entry: string;
  /** For a head: the subpage this index stands for (C: find_subpage), e.g. `H+2`; else null. */
  readonly subpage: string | null;
  /** The entry is a page that has been freed. */
  readonly freed: boolean;
  /** The leaf slot holding the entry, `N12[1]`, or `xa_head`; null past the tree's span. */
  readonly slot: string | null;
}

/** ->mapping of a page: this file's address_space, NULL, the TAIL_MAPPING poison, or another mapping. */
export type PageMapping = "this file" | "NULL" | "TAIL_MAPPING" | "other";

export interface PageState {
  /** Shared-object id (the footprint's name for this page). */
  readonly id: number;
  readonly name: string;
  readonly pfn: number;
  /** PG_* names of the set bits, as dump_page prints them. */
  readonly flags: readonly string[];
  readonly _refcount: number;
  readonly _mapcount: number;
  readonly mapping: PageMapping;
  readonly index: number;
  /** The head's name for a tail page, else null. */
  readonly head: string | null;
  /** compound_order of a head, 0 otherwise. */
  readonly order: number;
  readonly freed: boolean;
}

export interface LockState {
  readonly id: number;
  readonly name: string;
  readonly kind: "spinlock" | "rwsem";
  /** Thread id holding it exclusively (spinlock, rwsem writer), or -1. */
  readonly owner: number;
  /** rwsem readers (0 for a spinlock). */
  readonly readers: number;
}

/** What a shared-object id stands for. */
export interface ObjectInfo {
  readonly kind: "slot" | "root" | "node" | "page" | "lock" | "counter";
  /** `N12[1]`, `xa_head`, `N12 ->parent/->offset`, `H+2`, `xa_lock`, `mapping->nr_thps`. */
  readonly label: string;
  /** For a slot (or xa_head holding an entry): the first file index under it and how many. */
  readonly first?: number;
  readonly count?: number;
  /** For a page: its name. */
  readonly page?: string;
}

export interface ModelSnapshot {
  /** One element per index of the file (at least i_size / PAGE_SIZE of them). */
  readonly slots: readonly SlotState[];
  /** Every struct page of the execution, in pfn order. */
  readonly pages: readonly PageState[];
  readonly nrpages: number;
  readonly nr_thps: number;
  readonly i_writecount: number;
  /** Thread id holding xa_lock, or -1. */
  readonly xa_lock: number;
  /** The mapping's locks: xa_lock, invalidate_lock, i_mmap_rwsem. */
  readonly locks: readonly LockState[];
  /** Names of the pages whose PG_locked is set (the page lock has no owner field in the kernel). */
  readonly pageLocks: readonly string[];
  /** xa_describe_tree: the node structure, e.g. `n1[n0[H,H],n0[H,H]]`. */
  readonly tree: string;
  /** Shared-object id → what it is, for every object reachable now. */
  readonly objects: Readonly<Record<number, ObjectInfo>>;
}

const PAGE_SIZE = 4096;

function decodeFlags(flags: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < PAGEFLAG_NAMES.length; b++) if ((flags & (1 << b)) !== 0) out.push(PAGEFLAG_NAMES[b] as string);
  return out;
}

function isPage(e: XaEntry | undefined): e is Page {
  return e !== null && e !== undefined && !(e instanceof XaValue || e instanceof XaInternal || e instanceof xa_node);
}

function slotKind(e: XaEntry | undefined): SlotKind {
  if (e === null || e === undefined) return "empty";
  if (e instanceof XaValue) return "value";
  if (e === XA_RETRY_ENTRY) return "retry";
  if (e === XA_ZERO_ENTRY || e instanceof XaInternal) return "zero";
  if (e instanceof xa_node) return "node";
  if (e.compound_head !== null) return "tail";
  return (e.flags & (1 << PG_head)) !== 0 ? "head" : "small";
}

/** The subpage of head `h` index `i` stands for, read without footprints. */
function subpageAt(h: Page, i: number): string | null {
  const sp = h.subpages;
  if (sp === null || sp.length === 0) return null;
  return (sp[(i - h.index) & (sp.length - 1)] as Page).name;
}

/**
 * Walks the tree from xa_head and names every slot, node and the root: `objects` gets their ids, `leaf`
 * the leaf slot label of each index.
 */
function walkTree(xa: XArray, objects: Record<number, ObjectInfo>, leaf: string[]): void {
  const head = xa.xa_head;
  objects[xa.id] = { kind: "root", label: "xa_head" };
  if (head === null) return;
  if (!(head instanceof xa_node)) {
    leaf[0] = "xa_head";
    objects[xa.id] = { kind: "root", label: "xa_head", first: 0, count: 1 };
    return;
  }
  const visit = (node: xa_node, base: number, depth: number): void => {
    const span = 2 ** node.shift;
    objects[node.id] = { kind: "node", label: `N${node.id} ->parent/->offset` };
    for (let i = 0; i < node.slots.length; i++) {
      const first = base + i * span;
      const label = `N${node.id}[${i}]`;
      objects[node.slotIds[i] as number] = { kind: "slot", label, first, count: span };
      const e = node.slots[i] as XaEntry;
      if (e instanceof xa_node && node.shift !== 0 && depth < 64) visit(e, first, depth + 1);
      else for (let j = 0; j < span; j++) leaf[first + j] = label;
    }
  };
  visit(head, 0, 0);
}

/** The model's state right now, for the program's last (or current) execution. */
export function snapshot(p: ScenarioProgram): ModelSnapshot {
  const w = p.world();
  const mapping = w.mapping;
  const xa = mapping.i_pages;
  const objects: Record<number, ObjectInfo> = {};
  const leaf: string[] = [];
  walkTree(xa, objects, leaf);

  const entries = xa_snapshot(xa);
  const n = Math.max(Math.ceil(w.inode.i_size / PAGE_SIZE), entries.length);
  const slots: SlotState[] = [];
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    const kind = slotKind(e);
    slots.push({
      index: i,
      kind,
      entry: e === undefined ? "-" : xa_entry_name(e),
      subpage: kind === "head" && isPage(e) ? subpageAt(e, i) : null,
      freed: isPage(e) && e.freed,
      slot: leaf[i] ?? null,
    });
  }

  const pages: PageState[] = [];
  const pageLocks: string[] = [];
  for (const pg of allPages) {
    objects[pg.id] = { kind: "page", label: pg.name, page: pg.name };
    const m = pg.mapping;
    pages.push({
      id: pg.id,
      name: pg.name,
      pfn: pg.pfn,
      flags: decodeFlags(pg.flags),
      _refcount: pg._refcount,
      _mapcount: pg._mapcount,
      mapping: m === null ? "NULL" : "tail_mapping" in m ? "TAIL_MAPPING" : m === mapping ? "this file" : "other",
      index: pg.index,
      head: pg.compound_head === null ? null : pg.compound_head.name,
      order: pg.compound_order,
      freed: pg.freed,
    });
    if ((pg.flags & (1 << PG_locked)) !== 0) pageLocks.push(pg.name);
  }

  const locks: LockState[] = [
    { id: xa.xa_lock.id, name: "xa_lock", kind: "spinlock", owner: xa.xa_lock.owner, readers: 0 },
    ...[mapping.invalidate_lock, mapping.i_mmap_rwsem].map(
      (s): LockState => ({
        id: s.id,
        name: s.name.slice(s.name.lastIndexOf(".") + 1),
        kind: "rwsem",
        owner: s.writer,
        readers: s.readers,
      }),
    ),
  ];
  for (const l of locks) objects[l.id] = { kind: "lock", label: l.name };
  objects[mapping.id] = { kind: "counter", label: "mapping" };
  objects[mapping.nr_thps_id] = { kind: "counter", label: "mapping->nr_thps" };
  objects[w.inode.id] = { kind: "counter", label: "inode->i_writecount" };

  return {
    slots,
    pages,
    nrpages: mapping.nrpages,
    nr_thps: mapping.nr_thps,
    i_writecount: w.inode.i_writecount,
    xa_lock: xa.xa_lock.owner,
    locks,
    pageLocks,
    tree: xa_describe_tree(xa),
    objects,
  };
}
