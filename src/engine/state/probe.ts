/**
 * The engine's view of the current state, handed to strategies at every scheduling point. Computing a
 * fingerprint walks the whole state, so it happens only when a strategy asks (stateless strategies never do).
 */
import type { Program } from "../program.js";
import type { ThreadState } from "../runtime.js";
import { CanonicalWalker } from "./canon.js";
import { HashSink, TextSink } from "./sinks.js";
import { symmetryPerms, walkState } from "./stateOf.js";

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

/** Symmetry renamings per program, computed once. */
const permsOf = new WeakMap<Program, number[][] | null>();

function perms(program: Program, n: number): number[][] | null {
  let p = permsOf.get(program);
  if (p === undefined) {
    const groups = program.symmetry?.() ?? [];
    p = groups.some((g) => g.length > 1) ? symmetryPerms(n, groups) : null;
    permsOf.set(program, p);
  }
  return p;
}

export function makeProbe(program: Program, threads: readonly ThreadState[]): StateProbe {
  const probe: StateProbe = {
    lo: 0,
    hi: 0,
    perm: null,
    threads: threads.length,
    fingerprint(symmetric = true): void {
      const h = hashSink.h;
      const ps = symmetric ? perms(program, threads.length) : null;
      probe.perm = null;
      if (ps === null) {
        h.reset();
        walkState(hashWalker, program, threads);
        h.finish();
        probe.lo = h.lo;
        probe.hi = h.hi;
        return;
      }
      // The canonical representative: the renaming whose walk hashes lowest.
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
