/**
 * The engine's view of the current state, handed to strategies at every scheduling point. Computing a
 * fingerprint walks the whole state, so it happens only when a strategy asks (stateless strategies never do).
 */
import type { Program } from "../program.js";
import type { ThreadState } from "../runtime.js";
import { CanonicalWalker } from "./canon.js";
import { HashSink, TextSink } from "./sinks.js";
import { walkState } from "./stateOf.js";

export interface StateProbe {
  /** Fills `lo`/`hi` with the 64-bit fingerprint of the current state. */
  fingerprint(): void;
  lo: number;
  hi: number;
  /** The canonical text the fingerprint is a hash of (slow: soundness checks only). */
  text(): string;
  /** Whether thread `t` is stopped at a wait (blocked, or its condition holds and it may resume). */
  waiting(t: number): boolean;
}

const hashSink = new HashSink();
const hashWalker = new CanonicalWalker(hashSink);
const textSink = new TextSink();
const textWalker = new CanonicalWalker(textSink);

export function makeProbe(program: Program, threads: readonly ThreadState[]): StateProbe {
  const probe: StateProbe = {
    lo: 0,
    hi: 0,
    fingerprint(): void {
      const h = hashSink.h;
      h.reset();
      walkState(hashWalker, program, threads);
      h.finish();
      probe.lo = h.lo;
      probe.hi = h.hi;
    },
    text(): string {
      walkState(textWalker, program, threads);
      return textSink.take();
    },
    waiting(t: number): boolean {
      return (threads[t] as ThreadState).wait !== null;
    },
  };
  return probe;
}
