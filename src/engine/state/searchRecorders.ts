/**
 * What a stateful search can keep on the side for its soundness checks (StatefulOptions.checkCollisions and
 * mergeSamples): both keep something per state, so they are for small scenarios only.
 */
import { Prng } from "../prng.js";
import type { MergeSample } from "./crossCheck.js";
import type { StateProbe } from "./probe.js";

/**
 * Debug mode: the canonical text of every state, so that two different states sharing a fingerprint fail
 * the search at once instead of silently merging.
 */
export class CollisionCheck {
  private readonly texts = new Map<string, string>();

  /** Call after `state.fingerprint()`. Throws on a collision. */
  check(state: StateProbe): void {
    const key = `${state.lo}:${state.hi}`;
    const text = state.text();
    const before = this.texts.get(key);
    if (before === undefined) this.texts.set(key, text);
    else if (before !== text) throw new Error(`fingerprint collision: two different states hash to ${key}`);
  }
}

/**
 * A reservoir sample of the revisits the search pruned, each with the schedule of the state's first visit
 * and of the later path that reached it again, for `crossCheckMerge` (crossCheck.ts).
 */
export class MergeSampler {
  readonly samples: MergeSample[] = [];
  private readonly firstVisit = new Map<string, { schedule: number[]; perm: readonly number[] | null }>();
  private readonly rng = new Prng(0x5eed);
  private hits = 0;

  constructor(private readonly cap: number) {}

  /** A new state, reached by `schedule`. */
  first(state: StateProbe, schedule: number[]): void {
    this.firstVisit.set(`${state.lo}:${state.hi}`, { schedule, perm: state.perm });
  }

  /** A state seen before, reached again by `schedule` and pruned. */
  again(state: StateProbe, schedule: number[]): void {
    const first = this.firstVisit.get(`${state.lo}:${state.hi}`);
    if (first === undefined) return;
    // Thread t of the first visit plays the part of thread map[t] in this one (same canonical slot).
    const p1 = first.perm;
    const p2 = state.perm;
    const map = p1 === null || p2 === null ? null : p1.map((slot) => p2.indexOf(slot));
    const sample = { first: first.schedule, again: schedule, map };
    this.hits++;
    if (this.samples.length < this.cap) this.samples.push(sample);
    else {
      const j = this.rng.below(this.hits);
      if (j < this.cap) this.samples[j] = sample;
    }
  }
}
