/**
 * POS with a conflict history: partial order sampling (Yuan, Yang, Gu, "Partial Order Aware Concurrency
 * Sampling", CAV 2018) at the scheduling points that matter, found as Morpheus does (Yuan, Yang,
 * "Effective Concurrency Testing for Distributed Systems", ASPLOS 2020: a history table of operation
 * signatures that actually conflicted; operations whose signature never conflicted run at once instead
 * of being sampled).
 *
 * Sampling (BasicPOS, threads as the event sources). Every thread's pending step has a priority, drawn
 * uniformly from [0, 1) when the step becomes pending: at the start for every thread, and for the
 * thread that just ran whenever a scheduling point follows its step. At a scheduling point the enabled
 * thread with the highest priority runs. A thread that keeps losing keeps its priority, so a delay over
 * r scheduling points has probability 1/((r+1)(r+2)) with two threads (derivation in
 * test/engine/strategy/pos.test.ts), where a uniform random walk gives 2^-(r+1): long delays stay
 * likely, which is what a race between a short thread and a long one needs.
 *
 * Scheduling points. After each step the engine's footprint (rt.fp: objects read, written, locked) goes
 * through a vector-clock happens-before analysis (program order plus the order of conflicting accesses:
 * read/write, write/write, lock/lock). A step races with an earlier step of another thread when they
 * conflict on an object and the earlier one is not already ordered before it by the clocks. Steps are
 * named by a signature, (thread, site it started at, site it ended at), and the signatures of both steps
 * of every race found are remembered across executions as racy. The thread that just ran goes on without
 * a scheduling point when its step's signature is known and was never racy; otherwise (racy, or never
 * seen before), and whenever it blocks or finishes, the strategy chooses.
 *
 * Why skipping is sound when the history is complete: a step q that races in no execution commutes with
 * every step another thread can run between q and its thread's next step (a conflicting one that can
 * run there would race with q in the execution that runs it there). So preempting a thread right after
 * q reaches the same partial order (Mazurkiewicz trace) as preempting it right before q; by induction,
 * right after its last racy step, where there is a scheduling point. Every trace stays reachable, and
 * the randomness is spent on racy steps only. But the history only knows the executions seen so far: a
 * step that races only in executions not yet seen is skipped wrongly until one is. A fraction of the
 * executions (`plainEvery`: every 8th by default) therefore runs plain BasicPOS, a scheduling point at
 * every step, which gives every schedule a positive probability.
 *
 * Where we differ from the papers: POS gives a fresh priority to every new event and, after an event runs,
 * resets the priorities of the pending events that race with it; here the events are threads' next
 * steps, whose footprint is known only once they ran, so there is no reset rule (BasicPOS). Morpheus
 * signs operations with their static code location; a step's start and end sites play that part.
 */
import { Prng } from "../prng.js";
import type { ExecutionResult } from "../result.js";
import { FIELD_IDS, READ, rt } from "../runtime.js";
import type { Strategy } from "./strategy.js";

/** A signature's state in the history. */
const QUIET = 1;
const RACY = 2;

/** Threads a program may have (the schedule codec's limit is 26). */
const MAX_THREADS = 32;

export interface PosOptions {
  /** Every how many executions one runs plain BasicPOS, a scheduling point at every step (0: never). */
  readonly plainEvery?: number;
}

export class PosStrategy implements Strategy {
  readonly name = "pos";
  readonly exhausted = false;
  private readonly rng: Prng;
  private readonly plainEvery: number;

  // ===== across executions: the conflict history =====
  /** Signature key → dense index. */
  private readonly sigIndex = new Map<number, number>();
  /** Dense index → QUIET, RACY (0 while being created). */
  private sigState = new Uint8Array(256);
  private racySigs = 0;

  // ===== per execution =====
  private executions = 0;
  private plain = false;
  private decisions = 0;
  private totalDecisions = 0;
  private totalSteps = 0;
  /** Threads of the program, known at the first scheduling point of an execution (0 before). */
  private n = 0;
  private readonly prio = new Float64Array(MAX_THREADS);
  /** Site id each thread stopped at, -1 before its first step. */
  private readonly startSite = new Int32Array(MAX_THREADS);
  /** Vector clocks, thread t's at [t * MAX_THREADS, ...). */
  private readonly vc = new Int32Array(MAX_THREADS * MAX_THREADS);
  private readonly before = new Int32Array(MAX_THREADS);
  // Per shared object or field o, by its dense index (`slotOf`: object ids and field ids are each dense
  // and restart every execution, but field ids start at FIELD_IDS, 2^22: indexed as they are, the tables
  // below ran to millions of entries and were cleared in full before every execution):
  /** Last writer + 1 (0: none), its clock and signature index; the writer's clock vector. */
  private wThr: Int32Array = new Int32Array(0);
  private wClk: Int32Array = new Int32Array(0);
  private wSig: Int32Array = new Int32Array(0);
  private wVc: Int32Array = new Int32Array(0);
  /** Per (object, thread): clock and signature of its last read; join of the readers' clock vectors. */
  private rClk: Int32Array = new Int32Array(0);
  private rSig: Int32Array = new Int32Array(0);
  private rVc: Int32Array = new Int32Array(0);
  /** Largest dense index seen this execution (the tables are cleared up to it). */
  private maxObj = 0;
  /** Entries per object in the per-thread tables: the program's thread count. */
  private stride = 0;

  constructor(
    readonly seed: number,
    opts: PosOptions = {},
  ) {
    this.rng = new Prng(seed);
    this.plainEvery = opts.plainEvery ?? 8;
  }

  newExecution(): boolean {
    this.executions++;
    this.plain = this.plainEvery > 0 && this.executions % this.plainEvery === 0;
    this.decisions = 0;
    this.n = 0;
    this.startSite.fill(-1);
    this.vc.fill(0);
    const used = this.maxObj + 1;
    this.wThr.fill(0, 0, used);
    this.rClk.fill(0, 0, used * this.stride);
    this.rVc.fill(0, 0, used * this.stride);
    this.maxObj = 0;
    return true;
  }

  nextThread(enabled: readonly number[], current: number): number {
    if (this.n === 0) this.start(enabled);
    if (current >= 0) {
      const known = this.stepDone(current);
      if (known && !this.plain && enabled.indexOf(current) >= 0) return current;
      // A scheduling point: the step now pending for `current` is a new event.
      this.prio[current] = this.rng.nextU32() / 4294967296;
    }
    this.decisions++;
    let best = enabled[0] as number;
    let bestP = this.prio[best] as number;
    for (let i = 1; i < enabled.length; i++) {
      const t = enabled[i] as number;
      const p = this.prio[t] as number;
      if (p > bestP) {
        best = t;
        bestP = p;
      }
    }
    return best;
  }

  endExecution(r: ExecutionResult): void {
    this.totalDecisions += this.decisions;
    this.totalSteps += r.steps;
  }

  /** Signatures found racy so far. */
  racy(): number {
    return this.racySigs;
  }

  describe(): string {
    const share = this.totalSteps === 0 ? 0 : (100 * this.totalDecisions) / this.totalSteps;
    return (
      `POS with a conflict history, seed ${this.seed}, ${this.executions} executions: ` +
      `${this.racySigs} of ${this.sigIndex.size} step signatures racy; scheduling points at ${share.toFixed(1)} % ` +
      `of steps${this.plainEvery > 0 ? `; 1 in ${this.plainEvery} executions plain POS` : ""} (no coverage bound)`
    );
  }

  private start(enabled: readonly number[]): void {
    const n = (enabled[enabled.length - 1] as number) + 1;
    if (n > MAX_THREADS) throw new RangeError(`POS supports at most ${MAX_THREADS} threads`);
    this.n = n;
    if (n !== this.stride) {
      // Another program (or the first execution): per-object tables sized for n threads, grown on use.
      this.stride = n;
      this.wThr = this.wClk = this.wSig = this.wVc = new Int32Array(0);
      this.rClk = this.rSig = this.rVc = new Int32Array(0);
    }
    for (let t = 0; t < n; t++) this.prio[t] = this.rng.nextU32() / 4294967296;
  }

  /**
   * Accounts for the step thread `t` just ran (its footprint is still in rt.fp): clocks, races, the
   * history. Returns true when the step's signature was known and never racy (no scheduling point).
   */
  private stepDone(t: number): boolean {
    const th = rt.current;
    const end = th.done || th.site === null ? -1 : th.site.id;
    const key = t * 4294967296 + (this.startSite[t] as number) * 65536 + end + 65537;
    this.startSite[t] = end;
    let sig = this.sigIndex.get(key);
    let known = true;
    if (sig === undefined) {
      known = false;
      sig = this.sigIndex.size;
      this.sigIndex.set(key, sig);
      if (sig >= this.sigState.length) {
        const s = new Uint8Array(this.sigState.length * 2);
        s.set(this.sigState);
        this.sigState = s;
      }
      this.sigState[sig] = QUIET;
    }
    const racy = this.clocks(t, sig);
    if (racy) this.markRacy(sig);
    return known && !racy && this.sigState[sig] === QUIET;
  }

  private markRacy(sig: number): void {
    if (this.sigState[sig] !== RACY) {
      this.sigState[sig] = RACY;
      this.racySigs++;
    }
  }

  /** Vector-clock update for a step of thread `t` with signature `sig`; true if it raced. */
  private clocks(t: number, sig: number): boolean {
    const T = this.stride;
    const n = this.n;
    const vc = this.vc;
    const base = t * MAX_THREADS;
    const c = (vc[base + t] as number) + 1;
    vc[base + t] = c;
    const before = this.before;
    for (let u = 0; u < n; u++) before[u] = vc[base + u] as number;
    const fp = rt.fp;
    const len = rt.fpLen;
    let racy = false;
    // Races and clock joins first (against the clock before this step's own edges), then the updates.
    for (let i = 0; i < len; i++) {
      const e = fp[i] as number;
      const o = slotOf(e >> 2);
      if (o >= this.wThr.length) this.grow(o);
      if (o > this.maxObj) this.maxObj = o;
      const w = (this.wThr[o] as number) - 1;
      const ob = o * T;
      if (w >= 0) {
        if (w !== t && (this.wClk[o] as number) > (before[w] as number)) {
          racy = true;
          this.markRacy(this.wSig[o] as number);
        }
        for (let u = 0; u < n; u++) {
          const x = this.wVc[ob + u] as number;
          if (x > (vc[base + u] as number)) vc[base + u] = x;
        }
      }
      if ((e & 3) !== READ) {
        for (let u = 0; u < n; u++) {
          if (u !== t && (this.rClk[ob + u] as number) > (before[u] as number)) {
            racy = true;
            this.markRacy(this.rSig[ob + u] as number);
          }
          const x = this.rVc[ob + u] as number;
          if (x > (vc[base + u] as number)) vc[base + u] = x;
        }
      }
    }
    for (let i = 0; i < len; i++) {
      const e = fp[i] as number;
      const o = slotOf(e >> 2);
      const ob = o * T;
      if ((e & 3) === READ) {
        this.rClk[ob + t] = c;
        this.rSig[ob + t] = sig;
        for (let u = 0; u < n; u++) {
          const x = vc[base + u] as number;
          if (x > (this.rVc[ob + u] as number)) this.rVc[ob + u] = x;
        }
      } else {
        this.wThr[o] = t + 1;
        this.wClk[o] = c;
        this.wSig[o] = sig;
        for (let u = 0; u < n; u++) this.wVc[ob + u] = vc[base + u] as number;
      }
    }
    return racy;
  }

  private grow(o: number): void {
    let size = Math.max(64, this.wThr.length);
    while (size <= o) size *= 2;
    const g = (a: Int32Array, k: number): Int32Array => {
      const b = new Int32Array(size * k);
      b.set(a);
      return b;
    };
    this.wThr = g(this.wThr, 1);
    this.wClk = g(this.wClk, 1);
    this.wSig = g(this.wSig, 1);
    const T = this.stride;
    this.wVc = g(this.wVc, T);
    this.rClk = g(this.rClk, T);
    this.rSig = g(this.rSig, T);
    this.rVc = g(this.rVc, T);
  }
}

/** Dense index of a footprint id: objects (1, 2, ...) at even indices, fields (FIELD_IDS, ...) at odd. */
function slotOf(id: number): number {
  return id < FIELD_IDS ? id * 2 : (id - FIELD_IDS) * 2 + 1;
}
