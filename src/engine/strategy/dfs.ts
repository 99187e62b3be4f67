/**
 * Stateless depth-first search with a preemption bound, run iteratively: bound 0, then 1, 2, ... up to
 * `maxPreemptions`. This is iterative context bounding (Musuvathi, Qadeer, "Iterative Context Bounding
 * for Systematic Testing of Multithreaded Programs", PLDI 2007): the first failing execution found has
 * the fewest preemptions any failing execution has.
 *
 * Every scheduling point is a branch over the enabled threads. Choosing a thread other than the one that
 * ran the previous step, while that one could go on, is a preemption and costs 1; switching when the
 * previous thread finished or blocked is free. Branches whose cost would exceed the current bound are
 * pruned. If a whole pass at bound b prunes nothing, the search was exhaustive with no bound at all.
 *
 * Each execution replays the prefix to its branch point from scratch (generators cannot be copied), then
 * continues with the default choice: the previous thread if enabled, else the lowest enabled id.
 *
 * `localSteps` (for proofs of the fewest preemptions; off by default, so that plain DFS runs every
 * interleaving once): when the thread that ran the previous step runs again and its step touches nothing
 * shared (an empty footprint, no wait at either end), the other branches at that point are cut. A schedule
 * that switched to u there has an equivalent one that runs the local step first and then switches (same
 * bugs, final states and deadlocks: the step commutes with everything and stays enabled) with no more
 * preemptions: the switch costs at most what it did, and taking the local step out of its later place
 * never adds a switch (x, local, y becomes x, y: one switch at most where there were one or two).
 *
 * `cacheFromBound` (the same proofs, where the bound is high): in a pass whose bound is at least this, an
 * execution ends where it reaches a state the pass reached before with the same thread last to run and no
 * more preemptions spent. The fingerprint covers the whole state (docs/model.md, "What a state is"); the
 * last thread and the preemptions spent are the rest of what a pass's future depends on (what each choice
 * costs, how much of the bound is left). Every continuation of the later visit within the bound is one of
 * the earlier visit's within it, which that visit explores (stateful DFS for reachability: a visit still
 * on the stack finishes its subtree before the pass ends). So a pass finds a failure iff it would without
 * the cache, and its "no failure within the bound" holds as before. A revisit of a state on the current
 * path closes a cycle: if the step into it was a local step whose siblings were cut, they are restored
 * (the stack proviso, as in the stateful search: a cut justified by the cycle itself would ignore them).
 * Without the cache a pass costs ~10× the one below it on the seed scenarios; with it ~3× (the states
 * reachable within the bound, not the paths): Hugh's deletions' filemap.c:311 in collapse-vs-truncate is
 * proven to need 6 preemptions in ~28,000 executions, where passes 0–5 without it need millions. Below
 * bound 3 the fingerprints cost more than the replays they save (bench/RESULTS.md §14).
 */
import { UsageError } from "../errors.js";
import type { ExecutionResult } from "../result.js";
import { FingerprintTable } from "../state/fingerprintTable.js";
import type { StateProbe } from "../state/probe.js";
import { stepWasLocal } from "./footprint.js";
import type { Strategy } from "./strategy.js";

interface Node {
  /** Threads enabled at this point, ascending. */
  readonly enabled: readonly number[];
  /** Thread that ran the step before (-1 at the start). */
  readonly prev: number;
  /** Preemptions spent before this point. */
  readonly pre: number;
  /** Bitmask of thread ids already explored here. */
  tried: number;
  chosen: number;
  /** Whether the chosen thread was resuming from a wait. */
  fromWait: boolean;
  /** Threads whose branches were cut here after the chosen thread's local step (`localSteps`). */
  cut: number;
  /** With the state cache on: this point's state key (fingerprint mixed with the last thread); else 0, 0. */
  keyLo: number;
  keyHi: number;
}

export class DfsStrategy implements Strategy {
  readonly name = "dfs";
  exhausted = false;
  /** The bound of the pass in progress. */
  bound = 0;
  /** Whether the pass in progress skipped a branch because of the bound. */
  private pruned = false;
  /** True once a whole pass pruned nothing: every interleaving was run. */
  unbounded = false;
  private readonly nodes: Node[] = [];
  private prefixLen = 0;
  private step = 0;
  private preemptions = 0;
  executions = 0;
  /** Branches cut after local steps (see `localSteps`). */
  localCuts = 0;
  private readonly localSteps: boolean;
  private readonly cacheFromBound: number;
  /**
   * In a pass with the state cache on: every state key the pass reached → the fewest preemptions it was
   * reached with (a byte: bounds are below 256). A new table when the bound rises.
   */
  private seen = new FingerprintTable(12);
  /** Executions ended at a state the pass had reached with no more preemptions (`cacheFromBound`). */
  statePrunes = 0;

  /**
   * @param maxPreemptions the last pass's bound
   * @param firstBound the first pass's bound (default 0: iterative); `maxPreemptions` runs one pass only,
   *   which with a bound above any execution's preemptions is plain DFS over every interleaving, once each
   */
  constructor(
    readonly maxPreemptions: number,
    firstBound = 0,
    opts: { readonly localSteps?: boolean; readonly cacheFromBound?: number } = {},
  ) {
    this.localSteps = opts.localSteps ?? false;
    this.cacheFromBound = opts.cacheFromBound ?? Number.POSITIVE_INFINITY;
    if (!Number.isInteger(maxPreemptions) || maxPreemptions < 0) {
      throw new UsageError("the preemption bound must be a whole number ≥ 0");
    }
    if (!Number.isInteger(firstBound) || firstBound < 0 || firstBound > maxPreemptions) {
      throw new UsageError("the first bound must be a whole number from 0 to the preemption bound");
    }
    this.bound = firstBound;
  }

  newExecution(): boolean {
    if (this.exhausted) return false;
    this.step = 0;
    this.preemptions = 0;
    this.executions++;
    return true;
  }

  nextThread(enabled: readonly number[], current: number, state: StateProbe): number {
    const i = this.step++;
    // The step of node i − 1 just ran, for the first time if that node is past the replayed prefix.
    if (this.localSteps && i > 0 && i >= this.prefixLen) this.cutAfterLocal(i - 1, state);
    let pick: number;
    if (i < this.prefixLen) {
      const node = this.nodes[i] as Node;
      pick = node.chosen;
      if (enabled.indexOf(pick) < 0) {
        throw new Error(
          `dfs replay diverged at step ${i}: thread ${pick} is not runnable; the model is nondeterministic`,
        );
      }
    } else {
      let keyLo = 0;
      let keyHi = 0;
      if (this.bound >= this.cacheFromBound) {
        state.fingerprint(false);
        // The thread that ran last is part of the key: mixed into the low word (-1 at the start).
        keyLo = (state.lo ^ Math.imul(current + 2, 0x9e3779b1)) >>> 0;
        keyHi = state.hi;
        if (this.reachedBefore(keyLo, keyHi, i)) {
          this.step = i;
          return -1;
        }
      }
      pick = enabled.indexOf(current) >= 0 ? current : (enabled[0] as number);
      this.nodes.push({
        enabled: enabled.slice(),
        prev: current,
        pre: this.preemptions,
        tried: 1 << pick,
        chosen: pick,
        fromWait: state.waiting(pick),
        cut: 0,
        keyLo,
        keyHi,
      });
    }
    if (current >= 0 && pick !== current && enabled.indexOf(current) >= 0) this.preemptions++;
    return pick;
  }

  /**
   * State cache: whether the pass reached `key` before with no more preemptions (the execution ends
   * there), else records it. A key on the current path closes a cycle: the stack proviso restores the
   * branches a local step's cut took from the point just before.
   */
  private reachedBefore(lo: number, hi: number, i: number): boolean {
    const slot = this.seen.find(lo, hi);
    if (slot < 0) {
      this.seen.insert(lo, hi, this.preemptions);
      return false;
    }
    if (this.seen.value(slot) > this.preemptions) {
      this.seen.setValue(slot, this.preemptions);
      return false;
    }
    this.statePrunes++;
    const last = this.nodes[i - 1];
    const onPath = (n: Node, j: number): boolean => j < i && n.keyLo === lo && n.keyHi === hi;
    if (last !== undefined && last.cut !== 0 && this.nodes.some(onPath)) {
      last.tried &= ~last.cut;
      for (let c = last.cut; c !== 0; c &= c - 1) this.localCuts--;
      last.cut = 0;
    }
    return true;
  }

  /** After node `i`'s step ran: cut its other branches if it was the running thread's local step. */
  private cutAfterLocal(i: number, state: StateProbe): void {
    const node = this.nodes[i] as Node;
    const t = node.chosen;
    if (t !== node.prev || !stepWasLocal(node.fromWait, state.waiting(t))) return;
    for (const u of node.enabled) {
      if ((node.tried & (1 << u)) !== 0) continue;
      node.tried |= 1 << u;
      node.cut |= 1 << u;
      this.localCuts++;
    }
  }

  endExecution(_r: ExecutionResult): void {
    this.nodes.length = Math.min(this.nodes.length, this.step);
    for (;;) {
      while (this.nodes.length > 0) {
        const i = this.nodes.length - 1;
        const node = this.nodes[i] as Node;
        const prevEnabled = node.prev >= 0 && node.enabled.indexOf(node.prev) >= 0;
        for (const t of node.enabled) {
          if ((node.tried & (1 << t)) !== 0) continue;
          const cost = prevEnabled && t !== node.prev ? 1 : 0;
          if (node.pre + cost > this.bound) {
            this.pruned = true;
            continue;
          }
          node.tried |= 1 << t;
          node.chosen = t;
          this.prefixLen = this.nodes.length;
          return;
        }
        this.nodes.pop();
      }
      // This pass is complete.
      if (!this.pruned) {
        this.unbounded = true;
        this.exhausted = true;
        return;
      }
      if (this.bound >= this.maxPreemptions) {
        this.exhausted = true;
        return;
      }
      this.bound++;
      if (this.seen.size > 0) this.seen = new FingerprintTable(12);
      this.pruned = false;
      this.prefixLen = 0;
      return;
    }
  }

  describe(): string {
    if (this.unbounded) {
      // With the state cache, executions end at states reached before: what was covered is the states.
      const what = this.statePrunes === 0 ? "every interleaving run" : "every reachable state explored";
      return `exhaustive DFS: ${what} (${this.executions} executions; no bound was needed)`;
    }
    return this.exhausted
      ? `exhaustive DFS within ${this.maxPreemptions} preemption(s) (${this.executions} executions)`
      : `DFS interrupted in the pass at ${this.bound} preemption(s) (${this.executions} executions)`;
  }
}
