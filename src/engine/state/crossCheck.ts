/**
 * Differential check of state merges: the stateful search prunes a path when it reaches a fingerprint it
 * has seen. If the two paths really reached the same state, any continuation run after either of them
 * behaves the same: same threads enabled at every step, same sites, same verdict, bug site and final state.
 * This runs both prefixes under one random continuation and compares. A difference means some state the
 * threads use is missing from the fingerprint (a JavaScript variable kept across a yield, a root left out of
 * Program.stateRoots): the search was unsound, and the mismatch says where the runs parted.
 */
import { runExecution } from "../execution.js";
import { Prng } from "../prng.js";
import type { Program } from "../program.js";
import type { ExecutionResult } from "../result.js";
import type { Strategy } from "../strategy/strategy.js";
import type { StateProbe } from "./probe.js";

/** Two schedules the search found to end in states with one fingerprint. */
export interface MergeSample {
  readonly first: readonly number[];
  readonly again: readonly number[];
  /** Symmetry: thread t after `first` plays the part of thread map[t] after `again` (null: itself). */
  readonly map: readonly number[] | null;
}

export interface MergeMismatch {
  readonly sample: MergeSample;
  readonly continuation: readonly number[];
  /** What differed, in one line. */
  readonly why: string;
}

/** Replays a prefix, then either records seeded random choices or replays recorded ones. */
class Continuation implements Strategy {
  readonly name = "cross-check";
  readonly exhausted = false;
  private step = 0;
  diverged: string | null = null;

  constructor(
    private readonly prefix: readonly number[],
    readonly cont: number[],
    private readonly rng: Prng | null,
    private readonly map: readonly number[] | null = null,
  ) {}

  newExecution(): boolean {
    this.step = 0;
    return true;
  }

  nextThread(enabled: readonly number[], _current: number, _state: StateProbe): number {
    const i = this.step++;
    if (i < this.prefix.length) return this.prefix[i] as number;
    const j = i - this.prefix.length;
    if (this.rng !== null) {
      const t = enabled[this.rng.below(enabled.length)] as number;
      this.cont.push(t);
      return t;
    }
    if (j >= this.cont.length) {
      this.diverged = `continuation step ${j}: the run goes on (threads ${enabled.join(",")} runnable) where the other ended`;
      return -1;
    }
    const c = this.cont[j] as number;
    const t = this.map === null ? c : (this.map[c] as number);
    if (enabled.indexOf(t) < 0) {
      this.diverged = `continuation step ${j}: thread ${t} is runnable after one prefix, not after the other (runnable: ${enabled.join(",")})`;
      return -1;
    }
    return t;
  }

  endExecution(_r: ExecutionResult): void {}

  describe(): string {
    return "cross-check of a state merge";
  }
}

interface Observed {
  readonly r: ExecutionResult;
  /** Hash of (thread, site) over the continuation's steps only. */
  readonly contHash: number;
}

function runWith(
  program: Program,
  strategy: Continuation,
  from: number,
  maxSteps: number,
  map: readonly number[] | null,
): Observed {
  let h = 17;
  strategy.newExecution();
  const r = runExecution(program, strategy, {
    maxSteps,
    onStep: (th, step) => {
      if (step < from) return;
      const id = map === null ? th.id : (map[th.id] as number);
      h = (Math.imul(h ^ (th.site === null ? 0 : th.site.key), 0x01000193) + id) | 0;
    },
  });
  return { r, contHash: h };
}

/** Runs both prefixes of `sample` under one seeded random continuation; returns the difference, if any. */
export function crossCheckMerge(
  program: Program,
  sample: MergeSample,
  seed: number,
  maxSteps = 100_000,
): MergeMismatch | null {
  const cont: number[] = [];
  const a = new Continuation(sample.first, cont, new Prng(seed));
  const ra = runWith(program, a, sample.first.length, maxSteps, sample.map);
  const b = new Continuation(sample.again, cont, null, sample.map);
  const rb = runWith(program, b, sample.again.length, maxSteps, null);
  const mismatch = (why: string): MergeMismatch => ({ sample, continuation: cont.slice(), why });
  if (b.diverged !== null) return mismatch(b.diverged);
  if (ra.r.verdict !== rb.r.verdict)
    return mismatch(`verdict ${ra.r.verdict} after one prefix, ${rb.r.verdict} after the other`);
  const siteA = ra.r.bug === null ? "" : `${ra.r.bug.site.file}:${ra.r.bug.site.line}`;
  const siteB = rb.r.bug === null ? "" : `${rb.r.bug.site.file}:${rb.r.bug.site.line}`;
  if (siteA !== siteB)
    return mismatch(`bug at ${siteA || "none"} after one prefix, ${siteB || "none"} after the other`);
  if (ra.r.steps - sample.first.length !== rb.r.steps - sample.again.length) {
    return mismatch("the continuation ran a different number of steps");
  }
  if (ra.contHash !== rb.contHash) return mismatch("the continuation stopped at different sites");
  if (ra.r.finalState !== rb.r.finalState) return mismatch("different final states");
  return null;
}
