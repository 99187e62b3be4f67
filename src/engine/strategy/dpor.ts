/**
 * Stateless source-DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, "Optimal Dynamic Partial Order
 * Reduction", POPL 2014, Algorithm 1). Two executions that differ only in the order of independent steps
 * (a Mazurkiewicz trace) reach the same states; DPOR runs at least one execution per trace and, with sleep
 * sets, few more. Unlike the stateful search it keeps nothing but the current execution, so its cost is
 * the number of traces, not of states.
 *
 * After each execution, every race — a step e_j of thread q dependent on an earlier step e_i of another
 * thread, with nothing in between ordering them — is reversed: at the state before e_i, some thread that
 * can start the reordered sequence (an initial of notdep(e_i).e_j, the steps after e_i that do not depend
 * on it, then e_j) is added to the backtrack set, unless one is there already. Happens-before is tracked
 * with vector clocks over step footprints (footprint.ts). A step that starts or ends at a wait is dependent
 * on every step (a wait condition reads shared state outside footprints): blocking is handled soundly,
 * at the cost of extra executions around waits. When an initial is not enabled at that state (it waits),
 * every enabled thread is added (the classic fallback of Flanagan and Godefroid, POPL 2005).
 *
 * An optional preemption bound prunes branches that switch away from a runnable thread more than B times:
 * for bug hunting only — a bounded DPOR run claims no coverage (Coons et al., OOPSLA 2013, show why).
 */
import { UsageError } from "../errors.js";
import type { ExecutionResult } from "../result.js";
import type { StateProbe } from "../state/probe.js";
import { childSleep, currentFootprint, dependent, type Footprint, lowestBit } from "./footprint.js";
import type { Strategy } from "./strategy.js";

interface Node {
  readonly enabled: readonly number[];
  readonly enabledMask: number;
  /** Thread that ran the step before (-1 at the start), for preemption counting. */
  readonly prev: number;
  /** Preemptions spent before this point. */
  readonly pre: number;
  /** Threads to explore from here (source set). */
  backtrack: number;
  /** Threads whose branch from here is fully explored. */
  done: number;
  /** Threads asleep on arrival. */
  readonly sleep: number;
  /** Per thread: the footprint of its step from here, once known. */
  readonly fp: Footprint[];
  chosen: number;
  /** Whether the chosen thread was resuming from a wait. */
  fromWait: boolean;
}

/** A step of the current execution, with its vector clock (vc[p] = 1 + index of p's last step before it). */
interface Event {
  readonly thread: number;
  readonly fp: Footprint;
  readonly vc: Int32Array;
}

export interface DporOptions {
  /** Preemption bound (bug hunting; no coverage claim). Default: none. */
  readonly preemptions?: number;
}

const MAX_THREADS = 31;

export class DporStrategy implements Strategy {
  readonly name = "dpor";
  exhausted = false;
  executions = 0;
  /** Executions ended because every enabled thread was asleep (redundant with an explored one). */
  sleepBlocked = 0;
  /** Races found, each a candidate reordering. */
  races = 0;
  /** Set when a branch was skipped because of the preemption bound. */
  boundPruned = false;
  private readonly nodes: Node[] = [];
  private events: Event[] = [];
  private prefixLen = 0;
  private step = 0;
  private preemptions = 0;
  private readonly bound: number;

  constructor(opts: DporOptions = {}) {
    this.bound = opts.preemptions ?? Number.POSITIVE_INFINITY;
    if (!(this.bound >= 0)) throw new UsageError("the preemption bound must be a whole number ≥ 0");
  }

  newExecution(): boolean {
    if (this.exhausted) return false;
    this.step = 0;
    this.preemptions = 0;
    this.executions++;
    this.events.length = Math.min(this.events.length, Math.max(0, this.prefixLen - 1));
    return true;
  }

  nextThread(enabled: readonly number[], current: number, state: StateProbe): number {
    const i = this.step++;
    const nodes = this.nodes;
    if (enabled[enabled.length - 1]! >= MAX_THREADS) {
      throw new UsageError(`dpor handles up to ${MAX_THREADS} threads`);
    }
    if (i > 0) this.stepDone(i - 1, state.waiting((nodes[i - 1] as Node).chosen));
    if (i < this.prefixLen) {
      const node = nodes[i] as Node;
      const pick = node.chosen;
      if (enabled.indexOf(pick) < 0) {
        throw new Error(
          `dpor replay diverged at step ${i}: thread ${pick} is not runnable; the model is nondeterministic`,
        );
      }
      if (i === this.prefixLen - 1) node.fromWait = state.waiting(pick);
      this.count(enabled, current, pick);
      return pick;
    }
    // A new state: its sleep set from the parent's.
    let sleep = 0;
    const fp: Footprint[] = [];
    if (i > 0) {
      const parent = nodes[i - 1] as Node;
      sleep = childSleep(parent, parent.chosen, parent.fp[parent.chosen] ?? null, fp);
    }
    let enabledMask = 0;
    for (const t of enabled) enabledMask |= 1 << t;
    const awake = enabledMask & ~sleep;
    if (awake === 0) {
      this.sleepBlocked++;
      return -1;
    }
    const pick = (awake & (1 << current)) !== 0 && current >= 0 ? current : lowestBit(awake);
    const prevEnabled = current >= 0 && (enabledMask & (1 << current)) !== 0;
    nodes.push({
      enabled: enabled.slice(),
      enabledMask,
      prev: current,
      pre: this.preemptions,
      backtrack: 1 << pick,
      done: 0,
      sleep,
      fp,
      chosen: pick,
      fromWait: state.waiting(pick),
    });
    if (prevEnabled && pick !== current) this.preemptions++;
    return pick;
  }

  endExecution(r: ExecutionResult): void {
    const n = this.step;
    if (r.verdict !== "pruned" && n > 0 && n - 1 >= this.events.length) {
      const t = (this.nodes[n - 1] as Node).chosen;
      this.stepDone(n - 1, r.stacks[t]?.waitingFor != null);
    }
    if (r.verdict !== "completed" && r.verdict !== "pruned") this.pendingRaces(r);
    const nodes = this.nodes;
    nodes.length = Math.min(nodes.length, this.events.length);
    while (nodes.length > 0) {
      const node = nodes[nodes.length - 1] as Node;
      node.done |= 1 << node.chosen;
      const prevEnabled = node.prev >= 0 && (node.enabledMask & (1 << node.prev)) !== 0;
      const todo = node.backtrack & ~node.done & ~node.sleep & node.enabledMask;
      for (let t = 0; todo >>> t !== 0; t++) {
        if ((todo & (1 << t)) === 0) continue;
        const cost = prevEnabled && t !== node.prev ? 1 : 0;
        if (node.pre + cost > this.bound) {
          this.boundPruned = true;
          node.done |= 1 << t; // not explored, but never to be
          continue;
        }
        node.chosen = t;
        this.prefixLen = nodes.length;
        this.events.length = nodes.length - 1;
        return;
      }
      nodes.pop();
    }
    this.exhausted = true;
  }

  describe(): string {
    const what = `${this.executions} executions, ${this.races} races reversed, ${this.sleepBlocked} cut by sleep sets`;
    if (!this.exhausted) return `DPOR stopped before the end (${what})`;
    if (this.boundPruned) return `DPOR within ${this.bound} preemption(s) (${what}; bug hunting: no coverage claim)`;
    return `exhaustive DPOR: every backtrack point explored (${what})`;
  }

  private count(enabled: readonly number[], current: number, pick: number): void {
    if (current >= 0 && pick !== current && enabled.indexOf(current) >= 0) this.preemptions++;
  }

  /**
   * Step `j` (thread nodes[j].chosen) has run: record its footprint and vector clock and, for a step
   * new in this execution, reverse its races.
   */
  private stepDone(j: number, endsWaiting: boolean): void {
    if (j < this.events.length) return; // replayed: known
    const node = this.nodes[j] as Node;
    const q = node.chosen;
    const fpJ: Footprint = node.fromWait || endsWaiting ? null : currentFootprint();
    node.fp[q] = fpJ;
    const events = this.events;
    const { vc, raced } = this.clock(q, fpJ, j);
    events.push({ thread: q, fp: fpJ, vc });
    for (const i of raced) this.reverse(i, j);
    if (node.fromWait) this.whileWaiting(q, j);
  }

  /**
   * Thread q waited from its previous step until step j. Its pending step could have run at any state in
   * between where its condition held, before steps that the race analysis of step j never sees (they hide
   * behind the last dependent step): the per-state check of Flanagan and Godefroid for the next step of
   * every thread, done here for the waiting one. At each of those states, q is tried if it was enabled
   * there, else every enabled thread is (whatever enabled q later may have to run in another order).
   */
  private whileWaiting(q: number, j: number): void {
    const events = this.events;
    let k = j - 1;
    while (k >= 0 && (events[k] as Event).thread !== q) k--;
    for (let i = k + 1; i < j; i++) {
      const node = this.nodes[i] as Node;
      if ((node.enabledMask & (1 << q)) !== 0) node.backtrack |= 1 << q;
      else node.backtrack |= node.enabledMask;
    }
  }

  /**
   * An execution cut short (a bug, a deadlock) is not maximal: threads still runnable or waiting never
   * showed their next step.
   * Each such step is taken as dependent on every step (its footprint is unknown) and its races reversed,
   * as if it had run last, so that the orders in which it runs earlier are explored too.
   */
  private pendingRaces(r: ExecutionResult): void {
    const events = this.events;
    const j = events.length;
    const failed = j > 0 ? (events[j - 1] as Event).thread : -1;
    for (const st of r.stacks) {
      if (st.state === "done" || st.id === failed) continue;
      const q = st.id;
      if (st.state === "ready") {
        const { vc, raced } = this.clock(q, null, j);
        events.push({ thread: q, fp: null, vc });
        for (const i of raced) this.reverse(i, j);
        events.pop();
      }
      // A thread stopped at a wait (blocked for good, or not scheduled again) never took its pending step:
      // it could have taken it earlier.
      if (st.waitingFor !== null) this.whileWaiting(q, j);
    }
  }

  /**
   * The vector clock of a step j of thread q with footprint fp, and the earlier steps it races with.
   * Earlier steps of other threads, latest first: a dependent one not yet ordered before step j is a race;
   * ordering it (joining its clock) orders everything before it too.
   */
  private clock(q: number, fp: Footprint, j: number): { vc: Int32Array; raced: number[] } {
    const events = this.events;
    const vc = new Int32Array(MAX_THREADS);
    for (let k = j - 1; k >= 0; k--) {
      if ((events[k] as Event).thread === q) {
        vc.set((events[k] as Event).vc);
        break;
      }
    }
    vc[q] = j + 1;
    const raced: number[] = [];
    for (let i = j - 1; i >= 0; i--) {
      const e = events[i] as Event;
      if (e.thread === q || (vc[e.thread] as number) >= i + 1) continue;
      if (!dependent(e.fp, fp)) continue;
      raced.push(i);
      for (let t = 0; t < MAX_THREADS; t++) if ((e.vc[t] as number) > (vc[t] as number)) vc[t] = e.vc[t] as number;
    }
    return { vc, raced };
  }

  /** Race between step i and step j (both recorded): make sure a reordering starts at node i. */
  private reverse(i: number, j: number): void {
    this.races++;
    const node = this.nodes[i] as Node;
    const events = this.events;
    const pi = (events[i] as Event).thread;
    // v = the steps after i that do not happen after step i, then step j. Its initials: threads whose first
    // step in v has no predecessor in v.
    const inV: number[] = [];
    for (let k = i + 1; k < j; k++) {
      if (((events[k] as Event).vc[pi] as number) < i + 1) inV.push(k);
    }
    inV.push(j);
    let initials = 0;
    let seen = 0;
    for (const k of inV) {
      const ek = events[k] as Event;
      const t = ek.thread;
      if ((seen & (1 << t)) !== 0) continue;
      seen |= 1 << t;
      let first = true;
      for (const l of inV) {
        if (l >= k) break;
        if ((ek.vc[(events[l] as Event).thread] as number) >= l + 1) {
          first = false; // a step of v before it happens before it
          break;
        }
      }
      if (first) initials |= 1 << t;
    }
    if ((initials & node.backtrack) !== 0) return;
    const enabledInitials = initials & node.enabledMask;
    if (enabledInitials !== 0) node.backtrack |= 1 << lowestBit(enabledInitials);
    else node.backtrack |= node.enabledMask;
  }
}
