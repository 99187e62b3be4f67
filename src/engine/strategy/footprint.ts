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

export function lowestBit(m: number): number {
  return 31 - Math.clz32(m & -m);
}

export function popcount(m: number): number {
  let n = 0;
  for (let x = m; x !== 0; x &= x - 1) n++;
  return n;
}
