/**
 * Step footprints for partial-order reduction: the shared objects a step read, wrote or locked, as the
 * engine records them in `rt.fp` (`obj * 4 + kind`). Two steps of different threads are dependent when they
 * touch one object and at least one of them writes or locks it; `null` stands for a step whose effects
 * are not all in its footprint (it started or ended at a wait, whose condition reads shared state outside
 * any footprint) and is dependent on every step.
 */
import { READ, rt } from "../runtime.js";

export type Footprint = Int32Array | null;

/** The footprint of the step that just ran (rt.fp is reused by the engine: copy it). */
export function currentFootprint(): Int32Array {
  const out = new Int32Array(rt.fpLen);
  for (let i = 0; i < out.length; i++) out[i] = rt.fp[i] as number;
  return out;
}

/**
 * Whether the step that just ran was local: it read, wrote and locked no shared object (its footprint is
 * empty) and neither started nor ended at a wait. Such a step commutes with every step of every other
 * thread and stays enabled whatever they do; the stateful search and bounded DFS cut branches after it.
 */
export function stepWasLocal(fromWait: boolean, waitsNow: boolean): boolean {
  return !fromWait && !waitsNow && rt.fpLen === 0;
}

/** Whether two steps of different threads may not commute. */
export function dependent(a: Footprint, b: Footprint): boolean {
  if (a === null || b === null) return true;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const ox = x >> 2;
    const rx = (x & 3) === READ;
    for (let j = 0; j < b.length; j++) {
      const y = b[j] as number;
      if (y >> 2 === ox && !(rx && (y & 3) === READ)) return true;
    }
  }
  return false;
}

/** What a DFS node knows for sleep sets: who sleeps there, whose branch is done, their steps' footprints. */
export interface SleepNode {
  readonly sleep: number;
  readonly done: number;
  readonly fp: readonly Footprint[];
}

/**
 * The sleep set of the state that thread t's step (footprint fpT) leads to from `parent` (Godefroid 1996,
 * §5.1): the threads asleep at the parent or already explored from it whose step there is independent of
 * t's. Their footprints carry over (their next step is the same one) into `inherited`.
 */
export function childSleep(parent: SleepNode, t: number, fpT: Footprint, inherited: Footprint[]): number {
  let sleep = 0;
  const candidates = (parent.sleep | parent.done) & ~(1 << t);
  for (let u = 0; candidates >>> u !== 0; u++) {
    if ((candidates & (1 << u)) === 0) continue;
    const fpU = parent.fp[u] ?? null;
    if (dependent(fpU, fpT)) continue;
    sleep |= 1 << u;
    inherited[u] = fpU;
  }
  return sleep;
}

export function lowestBit(m: number): number {
  return 31 - Math.clz32(m & -m);
}

export function popcount(m: number): number {
  let n = 0;
  for (let x = m; x !== 0; x &= x - 1) n++;
  return n;
}
