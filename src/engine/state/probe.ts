/**
 * The engine's view of the current state, handed to strategies at every scheduling point. Computing a
 * fingerprint walks the whole state, so it happens only when a strategy asks (stateless strategies never do).
 */
import type { Program } from "../program.js";
import type { ThreadState } from "../runtime.js";
import { CanonicalWalker } from "./canon.js";
import { HashSink, TextSink } from "./sinks.js";
import { symmetryPerms, threadSignature, walkState } from "./stateOf.js";

export interface StateProbe {
  /**
   * Fills `lo`/`hi` with the 64-bit fingerprint of the current state; with `symmetric` (default true), the
   * same for states that differ only by swapping threads the program declares interchangeable.
   */
  fingerprint(symmetric?: boolean): void;
  lo: number;
  hi: number;
  /** The canonical text the fingerprint is a hash of (slow: soundness checks only). */
  text(): string;
  /** Whether thread `t` is stopped at a wait (blocked, or its condition holds and it may resume). */
  waiting(t: number): boolean;
  /** How many threads the program has. */
  readonly threads: number;
  /**
   * After `fingerprint()`: the renaming of threads (thread id → slot) that gave the canonical walk, or null
   * without symmetry. Per-state data kept by thread id (sleep sets) is stored renamed by it.
   */
  perm: readonly number[] | null;
}

const hashSink = new HashSink();
const hashWalker = new CanonicalWalker(hashSink);
const textSink = new TextSink();
const textWalker = new CanonicalWalker(textSink);

/** A program's symmetry: its groups of interchangeable threads and every renaming they allow. */
interface Symmetry {
  readonly groups: readonly (readonly number[])[];
  readonly perms: readonly number[][];
}

/** Symmetry per program, computed once; null when no two threads are interchangeable. */
const symmetryOf = new WeakMap<Program, Symmetry | null>();

function symmetry(program: Program, n: number): Symmetry | null {
  let sym = symmetryOf.get(program);
  if (sym === undefined) {
    const groups = (program.symmetry?.() ?? []).filter((g) => g.length > 1).map((g) => [...g].sort((a, b) => a - b));
    sym = groups.length === 0 ? null : { groups, perms: symmetryPerms(n, groups) };
    symmetryOf.set(program, sym);
  }
  return sym;
}

/**
 * Whether symmetry orders threads by signature before walking (one walk) or always walks every renaming
 * and keeps the lowest hash. Both pick one representative per set of states equal up to a swap, so a
 * search visits the same number of states either way; the soundness tests compare the two.
 */
export const symmetryMode = { bySignature: true };

/**
 * The renaming that puts each group's threads in the order of their signatures (threadSignature), or null
 * when two threads of a group have equal signatures. The signature does not depend on a thread's id, so
 * the threads of two states that differ only by a swap are put in the same order: a canonical renaming
 * found with one walk instead of one per renaming.
 */
function orderBySignature(sym: Symmetry, threads: readonly ThreadState[]): number[] | null {
  const perm = Array.from({ length: threads.length }, (_, i) => i);
  for (const g of sym.groups) {
    const sigs = g.map((t) => threadSignature(threads[t] as ThreadState));
    const byOrder = g.map((_, i) => i).sort((a, b) => (sigs[a] as number) - (sigs[b] as number));
    for (let i = 0; i < byOrder.length; i++) {
      if (i > 0 && sigs[byOrder[i] as number] === sigs[byOrder[i - 1] as number]) return null;
      perm[g[byOrder[i] as number] as number] = g[i] as number;
    }
  }
  return perm;
}

export function makeProbe(program: Program, threads: readonly ThreadState[]): StateProbe {
  const probe: StateProbe = {
    lo: 0,
    hi: 0,
    perm: null,
    threads: threads.length,
    fingerprint(symmetric = true): void {
      const h = hashSink.h;
      const sym = symmetric ? symmetry(program, threads.length) : null;
      probe.perm = null;
      if (sym === null) {
        h.reset();
        walkState(hashWalker, program, threads);
        h.finish();
        probe.lo = h.lo;
        probe.hi = h.hi;
        return;
      }
      const ordered = symmetryMode.bySignature ? orderBySignature(sym, threads) : null;
      if (ordered !== null) {
        h.reset();
        walkState(hashWalker, program, threads, ordered);
        h.finish();
        probe.lo = h.lo;
        probe.hi = h.hi;
        probe.perm = ordered;
        return;
      }
      // Signatures tie: the canonical representative is the renaming whose walk hashes lowest.
      const ps = sym.perms;
      let best = -1;
      for (let i = 0; i < ps.length; i++) {
        h.reset();
        walkState(hashWalker, program, threads, ps[i] as number[]);
        h.finish();
        if (best < 0 || h.hi < probe.hi || (h.hi === probe.hi && h.lo < probe.lo)) {
          best = i;
          probe.lo = h.lo;
          probe.hi = h.hi;
        }
      }
      probe.perm = ps[best] as number[];
    },
    text(): string {
      // The text of the canonical walk (call after fingerprint()).
      walkState(textWalker, program, threads, probe.perm);
      return textSink.take();
    },
    waiting(t: number): boolean {
      return (threads[t] as ThreadState).wait !== null;
    },
  };
  return probe;
}
