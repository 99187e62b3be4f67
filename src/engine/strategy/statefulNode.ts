/**
 * A node of the stateful search's DFS stack: one state on the current path, what was and is still to be
 * explored from it, and its threads' step footprints (sleep sets); how a checkpoint holds it; and the
 * renaming of per-state thread masks to canonical slots (symmetry).
 */
import { type Footprint, popcount } from "./footprint.js";

export interface Node {
  readonly enabled: readonly number[];
  /** Threads this visit explores from here (for progress lines). */
  width: number;
  /** Threads not to try from here: tried already, asleep, or explored on an earlier visit. */
  tried: number;
  chosen: number;
  /** Threads asleep on arrival. */
  readonly sleep: number;
  /** A local step from here cut the other branches. */
  reduced: boolean;
  /** Threads whose branch from here has been fully explored in this visit. */
  done: number;
  /** Per thread: the footprint of its step from this state, once known (explored or inherited asleep). */
  readonly fp: Footprint[];
  /** Whether the thread chosen here was resuming from a wait when it was picked. */
  fromWait: boolean;
  /** The state's index in the recorded graph, or -1. */
  readonly index: number;
  /** The state's fingerprint (checked when a checkpoint's path is replayed). */
  readonly lo: number;
  readonly hi: number;
  /** Symmetry: the renaming of threads to canonical slots the state was fingerprinted with (null: none). */
  readonly perm: readonly number[] | null;
}

/** A DFS node as a checkpoint holds it (footprints as plain arrays). */
export interface SavedNode extends Omit<Node, "fp" | "index"> {
  readonly fp: (number[] | null)[];
}

/** A node as a checkpoint holds it (JSON: footprints as plain arrays). */
export function savedNode({ index: _, fp, ...n }: Node): SavedNode {
  return { ...n, fp: Array.from(fp, (f) => (f == null ? null : Array.from(f))) };
}

/** A node back from a checkpoint (it has no index in a recorded graph). */
export function loadedNode(n: SavedNode): Node {
  const fp: Footprint[] = [];
  // JSON wrote the holes of the sparse array as null: "not known", which sleep sets treat as null too.
  n.fp.forEach((f: number[] | null, t: number) => {
    fp[t] = f === null ? null : Int32Array.from(f);
  });
  // Checkpoints written before nodes kept their renaming have none: those searches' marks are not used.
  return { ...n, fp, index: -1, perm: n.perm ?? null };
}

/** Branches of a DFS node not yet started: its width less those done and the one in progress. */
function pendingAt(n: Pick<Node, "width" | "done">): number {
  return Math.max(0, n.width - popcount(n.done) - 1);
}

/**
 * The branches not yet started on a DFS stack (nodes by depth, live or from a checkpoint), and the
 * shallowest and deepest depths that have one, as `a–b` ("none" if none).
 */
export function pendingOn(nodes: readonly Pick<Node, "width" | "done">[]): { branches: number; depths: string } {
  let branches = 0;
  let lo = -1;
  let hi = -1;
  nodes.forEach((n, d) => {
    const p = pendingAt(n);
    branches += p;
    if (p === 0) return;
    if (lo < 0) lo = d;
    hi = d;
  });
  return { branches, depths: lo < 0 ? "none" : `${lo}–${hi}` };
}

/** A thread mask renamed to canonical slots (symmetry), and back. */
export function toCanon(mask: number, perm: readonly number[] | null): number {
  if (perm === null) return mask;
  let out = 0;
  for (let t = 0; mask >>> t !== 0; t++) if ((mask & (1 << t)) !== 0) out |= 1 << (perm[t] as number);
  return out;
}

export function fromCanon(mask: number, perm: readonly number[] | null): number {
  if (perm === null) return mask;
  let out = 0;
  for (let t = 0; t < perm.length; t++) if ((mask & (1 << (perm[t] as number))) !== 0) out |= 1 << t;
  return out;
}
