/**
 * PCT, probabilistic concurrency testing: Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized
 * Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010, Algorithm 1. Shape follows
 * shuttle's pct.rs.
 *
 * Each execution gives the n threads distinct random priorities d..d+n-1 and draws d-1 change points
 * uniformly from 1..k, where k bounds the execution length. At every step the highest-priority runnable
 * thread runs; at the i-th change point (in step order) the thread about to run drops to priority d-i:
 * below every initial priority and below every thread demoted earlier, as in the paper's `p[t] ← d − i`
 * and shuttle's `next_priority`. (Giving the i-th point priority i instead, later demotions above earlier
 * ones, makes bugs that need one thread demoted twice unreachable at any depth.) A bug of depth d is
 * then found by one execution with probability at least 1/(n·k^(d-1)).
 *
 * Where we differ from the paper: k is not known in advance; it starts at `initialK` and becomes the
 * longest execution seen so far, as in shuttle. The printed bound uses the k of the last execution.
 */
import { Prng } from "../prng.js";
import type { ExecutionResult } from "../result.js";
import type { Strategy } from "./strategy.js";

export class PctStrategy implements Strategy {
  readonly name = "pct";
  readonly exhausted = false;
  private readonly rng: Prng;
  /** priorities[t] = priority of thread t; distinct; larger runs first. */
  private priorities: number[] = [];
  /** Sorted ascending; changePoints[i] is the step at which priority depth-1-i is given. */
  private changePoints: number[] = [];
  private step = 0;
  private k: number;
  private nThreads = 0;

  constructor(
    readonly seed: number,
    readonly depth: number,
    initialK = 100,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError("PCT depth must be an integer ≥ 1");
    this.rng = new Prng(seed);
    this.k = Math.max(1, initialK);
  }

  newExecution(): boolean {
    this.step = 0;
    this.priorities = [];
    this.changePoints = [];
    for (let i = 0; i < this.depth - 1; i++) this.changePoints.push(1 + this.rng.below(this.k));
    this.changePoints.sort((a, b) => a - b);
    return true;
  }

  nextThread(enabled: readonly number[]): number {
    const maxId = enabled[enabled.length - 1] as number;
    if (maxId >= this.priorities.length) this.assignPriorities(maxId + 1);
    this.step++;
    let pick = this.highest(enabled);
    const cp = this.changePoints.indexOf(this.step);
    if (cp >= 0) {
      this.priorities[pick] = this.depth - 1 - cp;
      pick = this.highest(enabled);
    }
    return pick;
  }

  endExecution(r: ExecutionResult): void {
    if (r.steps > this.k) this.k = r.steps;
  }

  /** The probability bound one execution guarantees for a bug of this depth: 1/(n·k^(d−1)). */
  bound(): number {
    return 1 / (Math.max(1, this.nThreads) * this.k ** (this.depth - 1));
  }

  describe(): string {
    return (
      `PCT depth ${this.depth}, seed ${this.seed}, n=${this.nThreads} threads, k=${this.k} steps: ` +
      `each execution finds a depth-${this.depth} bug with probability ≥ 1/(n·k^(d−1)) = ${this.bound().toExponential(2)}`
    );
  }

  private assignPriorities(n: number): void {
    // Threads present at the start get a random permutation of d..d+n-1 (Fisher-Yates).
    const start = this.priorities.length;
    for (let t = start; t < n; t++) this.priorities.push(this.depth + t);
    for (let i = n - 1; i > start; i--) {
      const j = start + this.rng.below(i - start + 1);
      const tmp = this.priorities[i] as number;
      this.priorities[i] = this.priorities[j] as number;
      this.priorities[j] = tmp;
    }
    this.nThreads = Math.max(this.nThreads, n);
  }

  private highest(enabled: readonly number[]): number {
    let best = enabled[0] as number;
    let bestP = this.priorities[best] as number;
    for (let i = 1; i < enabled.length; i++) {
      const t = enabled[i] as number;
      const p = this.priorities[t] as number;
      if (p > bestP) {
        best = t;
        bestP = p;
      }
    }
    return best;
  }
}
