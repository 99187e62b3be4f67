/**
 * Stateful depth-first search: every reachable state is expanded once.
 *
 * At each scheduling point past the replayed prefix the strategy fingerprints the state (64 bits, see
 * state/) and looks it up in a table of visited states. A new state is recorded and becomes a DFS node
 * whose enabled threads are all tried in turn; a state seen before ends the execution (`pruned`): all of
 * its successors are, or will be, explored from its first visit. Generators cannot be copied, so each
 * sibling branch is reached by re-running its prefix from a fresh program (the replayed steps are not
 * fingerprinted again).
 *
 * Sleep sets (Godefroid, "Partial-Order Methods for the Verification of Concurrent Systems", LNCS 1032,
 * 1996, ch. 5), on by default: after the branch for thread t has been explored from a state, a sibling
 * branch u need not run t first again if t's step and u's step are independent (their footprints share no
 * object that either writes or locks); t "sleeps" in u's subtree until a step dependent on it runs. This
 * prunes a transition before it is executed, where the state table only prunes after replaying its
 * prefix. With state caching, a state stores the sleep set it was explored with, and a later visit with a
 * smaller sleep set explores the threads it was missing (op. cit., §5.3). A step that starts or ends at a
 * wait is dependent on every step: a wait condition reads shared state outside step footprints.
 *
 * This is sound for everything that is a property of a state or of a step out of it — assertions,
 * bug sites, deadlocks, final-state invariants — provided the fingerprint covers all state the threads can
 * observe (Program.stateRoots and the thread frames, state/stateOf.ts) and footprints record every shared
 * access (for sleep sets). Spin and retry loops end: a loop that comes back to a state it was in is cut
 * there. Results are exact up to fingerprint collisions, whose probability is printed (about n²/2^65).
 */

import type { SavedState } from "../checkpoint.js";
import { UsageError } from "../errors.js";
import type { ExecutionResult } from "../result.js";
import type { MergeSample } from "../state/crossCheck.js";
import { FingerprintTable } from "../state/fingerprintTable.js";
import { collisionOdds, collisionProbability } from "../state/hash64.js";
import type { StateProbe } from "../state/probe.js";
import { CollisionCheck, MergeSampler } from "../state/searchRecorders.js";
import { EXPANDED, FULL, INSERTED, type SharedFingerprintTable } from "../state/sharedTable.js";
import type { StateGraph } from "../state/traceCount.js";
import { childSleep, currentFootprint, type Footprint, lowestBit, popcount, stepWasLocal } from "./footprint.js";
import { fromCanon, loadedNode, type Node, pendingOn, type SavedNode, savedNode, toCanon } from "./statefulNode.js";
import type { Strategy } from "./strategy.js";

/** What `save` writes beside the table's bytes. */
export interface SavedSearch {
  readonly states: number;
  readonly transitions: number;
  readonly slept: number;
  readonly localCuts: number;
  readonly maxDepth: number;
  readonly executions: number;
  readonly exhausted: boolean;
  readonly sleepSets: boolean;
  readonly tableSize: number;
  readonly prefixLen: number;
  readonly nodes: readonly SavedNode[];
}

export interface StatefulOptions {
  /** Stop (not exhaustive) after this many distinct states. */
  readonly maxStates?: number;
  /** Sleep-set reduction (default true). */
  readonly sleepSets?: boolean;
  /** Count states that differ by swapping interchangeable threads once (Program.symmetry; default true). */
  readonly symmetry?: boolean;
  /**
   * Local steps (default true): a step that touches no shared object is the only branch a state needs
   * (a persistent set of one transition); see `localStep`.
   */
  readonly localSteps?: boolean;
  /**
   * Debug mode: keep the canonical text of every state and fail if two different states share a
   * fingerprint. Memory grows with the text of every state: small scenarios only.
   */
  readonly checkCollisions?: boolean;
  /**
   * Keep up to this many pruned revisits (reservoir-sampled) with the schedule of the state's first visit,
   * for `crossCheckMerge` (state/crossCheck.ts). Keeps every state's first schedule: small scenarios only.
   */
  readonly mergeSamples?: number;
  /**
   * Record every transition in this graph (for counting traces, state/traceCount.ts). Needs sleep sets and
   * symmetry off, so that every transition of every state is taken once, between states named by their
   * real thread ids. Memory grows with the transitions: small scenarios only.
   */
  readonly graph?: StateGraph;
  /**
   * One of several searches of the same program on worker threads. Above the `frontier` depth every
   * worker runs the same search, with its own table, in the same order, so all meet the same frontier
   * states; each frontier state goes to one worker (by its fingerprint), which searches below it with a
   * table shared by all (state/sharedTable.ts): a state one worker inserted there is expanded by that one,
   * and the others explore only what its visit left out, as a revisit does in the single search. Below the
   * frontier a local step's cut needs its successor to be new, or expanded in full already (see
   * `localStep`). No graph, texts or samples, and no `save`: a shared search is saved through its table
   * and `sharedStack` (report/sharedCheckpoint.ts).
   */
  readonly shared?: {
    readonly table: SharedFingerprintTable;
    readonly worker: number;
    readonly workers: number;
    /** Depth (steps) of the frontier whose states are dealt out among the workers. */
    readonly frontier: number;
  };
}

/** visitShared: the search stops here (the shared table is full, or `maxStates` reached). */
const STOP = -3;

/** Sleep sets are kept as bytes in the state table. */
const MAX_SLEEP_THREADS = 8;

export class StatefulStrategy implements Strategy {
  readonly name = "stateful";
  exhausted = false;
  /** Distinct states recorded. */
  states = 0;
  /** Transitions executed out of recorded states (each leads to a new or a visited state). */
  transitions = 0;
  /** Transitions not executed because the thread was asleep on arrival. */
  slept = 0;
  /** Deepest DFS stack seen, in steps. */
  maxDepth = 0;
  executions = 0;
  /** Set when `maxStates` stopped the search (or, shared, a full table). */
  stoppedAtLimit = false;
  /** Shared: another worker stopped every search on the table (a failure found, a limit reached). */
  stoppedByOthers = false;
  /** Shared: the table filled up. */
  tableFull = false;
  readonly table = new FingerprintTable(12);
  /** Off by itself for programs of more than MAX_SLEEP_THREADS threads (sleep sets are stored in a byte). */
  sleepSets: boolean;
  readonly symmetry: boolean;
  readonly localSteps: boolean;
  /** Branches not taken because a local step was taken from their state instead. */
  localCuts = 0;
  private readonly nodes: Node[] = [];
  private prefixLen = 0;
  private step = 0;
  private readonly maxStates: number;
  private readonly graph: StateGraph | null;
  private readonly collisions: CollisionCheck | null;
  private readonly sampler: MergeSampler | null;
  private readonly shared: NonNullable<StatefulOptions["shared"]> | null;
  /** Shared: frontier states dealt to other workers. */
  givenAway = 0;
  /** Shared: states above the frontier (every worker finds the same ones). */
  shallowStates = 0;
  /** After `restore`: the replayed path's states are fingerprinted and checked against the saved ones. */
  private verifyUntil = 0;

  /** Sampled revisits: the schedule of a state's first visit and of a later path that reached it again. */
  get samples(): readonly MergeSample[] {
    return this.sampler?.samples ?? [];
  }

  constructor(opts: StatefulOptions = {}) {
    this.maxStates = opts.maxStates ?? Number.POSITIVE_INFINITY;
    if (!(this.maxStates > 0)) throw new UsageError("--max-states must be a whole number ≥ 1");
    this.graph = opts.graph ?? null;
    this.sleepSets = opts.sleepSets ?? this.graph === null;
    this.symmetry = opts.symmetry ?? this.graph === null;
    this.localSteps = opts.localSteps ?? this.graph === null;
    if (this.graph !== null && (this.sleepSets || this.symmetry || this.localSteps)) {
      throw new UsageError("recording the state graph needs sleep sets, symmetry and local steps off");
    }
    this.collisions = opts.checkCollisions === true ? new CollisionCheck() : null;
    this.sampler = (opts.mergeSamples ?? 0) > 0 ? new MergeSampler(opts.mergeSamples as number) : null;
    this.shared = opts.shared ?? null;
    if (this.shared !== null && (this.graph !== null || this.collisions !== null || this.sampler !== null)) {
      throw new UsageError("a search on several workers cannot record its graph, texts or samples");
    }
  }

  newExecution(): boolean {
    if (this.exhausted || this.stoppedAtLimit || this.stoppedByOthers) return false;
    if (this.shared?.table.stopped === true) {
      this.stoppedByOthers = true;
      return false;
    }
    this.step = 0;
    this.executions++;
    return true;
  }

  nextThread(enabled: readonly number[], current: number, state: StateProbe): number {
    const i = this.step++;
    const nodes = this.nodes;
    if (i === 0 && this.executions === 1 && state.threads > MAX_SLEEP_THREADS) this.sleepSets = false;
    if (i < this.prefixLen) {
      const node = nodes[i] as Node;
      const pick = node.chosen;
      if (enabled.indexOf(pick) < 0) {
        throw new Error(
          `stateful replay diverged at step ${i}: thread ${pick} is not runnable; the model is nondeterministic`,
        );
      }
      if (i === this.prefixLen - 1) node.fromWait = state.waiting(pick);
      if (i < this.verifyUntil) this.verifyReplay(node, state);
      return pick;
    }
    // Arrival at a state by the step of `parent.chosen`.
    let sleep = 0;
    const fp: Footprint[] = []; // footprints of the sleeping threads' steps, carried over from the parent
    const parent = i > 0 ? (nodes[i - 1] as Node) : null;
    let fpT: Footprint = null;
    if (parent !== null) {
      this.transitions++;
      const t = parent.chosen;
      fpT = parent.fromWait || state.waiting(t) ? null : currentFootprint();
      parent.fp[t] = fpT;
      if (this.sleepSets) sleep = childSleep(parent, t, fpT, fp);
    }
    state.fingerprint(this.symmetry);
    const local = parent !== null && this.localSteps && stepWasLocal(parent.fromWait, state.waiting(parent.chosen));
    // Below the frontier a local step's cut waits for the shared table to say whether this state is new.
    const deep = this.shared !== null && i > this.shared.frontier;
    if (local && !deep) this.localStep(parent as Node, state, null);
    let index = -1;
    if (this.graph !== null) {
      index = this.graph.state(state.lo, state.hi);
      if (parent !== null) this.graph.edge(parent.index, parent.chosen, fpT, index);
    }
    this.collisions?.check(state);
    let enabledMask = 0;
    for (const t of enabled) enabledMask |= 1 << t;
    // Threads to explore from here: those awake, less those an earlier visit already explored.
    let explore = enabledMask & ~sleep;
    const perm = state.perm;
    if (this.shared !== null && i >= this.shared.frontier) {
      if (i === this.shared.frontier && !this.owns(state)) {
        this.givenAway++;
        return -1;
      }
      const left = this.visitShared(state, sleep);
      if (left === STOP) return -1;
      if (left !== INSERTED) explore &= left;
      if (local && deep) this.localStep(parent as Node, state, left === INSERTED);
      if (explore === 0) return -1;
    } else {
      const slot = this.table.find(state.lo, state.hi);
      if (slot >= 0) {
        // Sleep sets are stored by canonical slot (symmetry: the earlier visit may have had threads swapped).
        const stored = fromCanon(this.table.value(slot), perm);
        // The earlier visit explored enabled \ stored; what it left out and this visit needs: stored \ sleep.
        explore &= stored;
        this.table.setValue(slot, toCanon(stored & sleep, perm));
        if (explore === 0) {
          this.sampler?.again(state, this.schedule());
          return -1;
        }
      } else {
        if (this.states >= this.maxStates) {
          this.stoppedAtLimit = true;
          // The stack stays ready to go on from here (a checkpoint): the next execution replays this path
          // and arrives at this state again, counting its transition then.
          this.prefixLen = nodes.length;
          if (parent !== null) this.transitions--;
          return -1;
        }
        this.table.insert(state.lo, state.hi, toCanon(sleep, perm));
        this.sampler?.first(state, this.schedule());
        this.states++;
        if (this.shared !== null) this.shallowStates++;
        if (explore === 0) return -1; // every enabled thread asleep: all continuations covered elsewhere
      }
    }
    this.slept += popcount(enabledMask & sleep);
    const pick = (explore & (1 << current)) !== 0 && current >= 0 ? current : lowestBit(explore);
    nodes.push({
      enabled: enabled.slice(),
      width: popcount(explore),
      tried: (enabledMask & ~explore) | (1 << pick),
      chosen: pick,
      sleep,
      done: 0,
      fp,
      index,
      fromWait: state.waiting(pick),
      lo: state.lo,
      hi: state.hi,
      perm,
      reduced: false,
    });
    if (nodes.length > this.maxDepth) this.maxDepth = nodes.length;
    return pick;
  }

  endExecution(r: ExecutionResult): void {
    this.verifyUntil = 0;
    const nodes = this.nodes;
    if (r.verdict !== "pruned" && this.step >= this.prefixLen && this.step > 0) {
      // The last step led to a final state (all done, deadlock, bug); the engine left its footprint in rt.fp.
      this.transitions++;
      const last = nodes[nodes.length - 1];
      if (last !== undefined) {
        const t = last.chosen;
        const waits = last.fromWait || r.stacks[t]?.waitingFor != null;
        last.fp[t] = waits ? null : currentFootprint();
        this.graph?.edge(last.index, t, last.fp[t] ?? null, -1);
      }
    }
    if (this.stoppedAtLimit) return;
    while (nodes.length > 0) {
      const node = nodes[nodes.length - 1] as Node;
      node.done |= 1 << node.chosen;
      for (const t of node.enabled) {
        if ((node.tried & (1 << t)) !== 0) continue;
        node.tried |= 1 << t;
        node.chosen = t;
        this.prefixLen = nodes.length;
        return;
      }
      nodes.pop();
      if (this.shared !== null && nodes.length >= this.shared.frontier && !node.reduced) {
        // Every branch from here is done and none was cut: other workers' local steps may be cut to it.
        const table = this.shared.table;
        table.markExpanded(table.find(node.lo, node.hi));
      }
    }
    this.exhausted = true;
  }

  /**
   * Thread t = parent.chosen took a step that touched no shared object (an empty footprint: no read, write
   * or lock of anything another thread can reach, and no wait at either end). Such a step commutes with
   * every step of every other thread, stays enabled whatever they do, and no wait condition reads what it
   * changed (conditions read shared objects only): {t} is a persistent set at the parent (Godefroid 1996,
   * def. 4.1), so the parent's other branches are cut. Every state with a bug, a deadlock or a final state
   * stays reachable (op. cit., thm. 4.3); sleep sets and state caching combine with it as in op. cit. ch. 6.
   * The cycle proviso (Peled 1993): if the step leads back to a state on the DFS stack (a local loop), the
   * parent is fully expanded instead, so that no thread is ignored forever.
   */
  private localStep(parent: Node, state: StateProbe, inserted: boolean | null): void {
    for (const n of this.nodes) if (n.lo === state.lo && n.hi === state.hi) return;
    // Shared (`inserted` not null): the cycle proviso, with the other workers' stacks out of sight. The cut
    // needs the successor to be new (this worker inserted it, and expands it inside the parent's subtree)
    // or expanded in full already. Then in a cycle of cut states every successor was new to the worker
    // that cut its parent: the cycle lies on one worker's stack, where the check above sees it close.
    if (inserted === false) {
      const table = (this.shared as NonNullable<StatefulOptions["shared"]>).table;
      if (table.markOf(table.find(state.lo, state.hi)) !== EXPANDED) return;
    }
    let cut = 0;
    for (const u of parent.enabled) if ((parent.tried & (1 << u)) === 0) cut++;
    if (cut === 0) return;
    this.localCuts += cut;
    parent.reduced = true;
    for (const u of parent.enabled) parent.tried |= 1 << u;
    parent.width -= cut;
    // What a later visit of the parent would still explore (threads asleep now): nothing is needed.
    const shared = this.shared !== null && this.nodes.length - 1 >= this.shared.frontier ? this.shared.table : null;
    const table = shared ?? this.table;
    const slot = table.find(parent.lo, parent.hi);
    if (slot >= 0) table.setValue(slot, 0);
    if (shared !== null && slot >= 0) shared.markReduced(slot);
  }

  /**
   * `N states, depth D, P branches pending` for progress lines. No estimate of the total: the subtrees of
   * a DFS with state caching differ in size by orders of magnitude, and three estimators (Knuth's uniform
   * tree, a recent-rate extrapolation, capture–recapture with random walks) were off by up to 50× on
   * collapse-vs-truncate (bench/RESULTS.md §8); a wrong ETA is worse than none.
   */
  progress(): string {
    return `${this.states} states, depth ${this.nodes.length}, ${this.pendingBranches()} branches pending`;
  }

  /**
   * Branches on the DFS stack not yet started: each the root of a subtree still to explore (of unknown
   * size: most meet states already seen). After a budget stop, how much work was provably left.
   */
  pendingBranches(): number {
    return pendingOn(this.nodes).branches;
  }

  /**
   * Shared: the states on this worker's DFS stack that are in the shared table (those at or below the
   * frontier), as triples: fingerprint (lo, hi) and the threads whose branches from there were explored to
   * their end, in canonical slots. Their exploration has not ended: a checkpoint records that only those
   * branches were (SharedFingerprintTable.reopen).
   */
  sharedStack(): number[] {
    const out: number[] = [];
    const from = this.shared?.frontier ?? Number.POSITIVE_INFINITY;
    for (let d = from; d < this.nodes.length; d++) {
      const n = this.nodes[d] as Node;
      out.push(n.lo, n.hi, toCanon(n.done, n.perm));
    }
    return out;
  }

  /** Probability that two distinct states were merged by a fingerprint collision. */
  collisionProbability(): number {
    return collisionProbability(this.states);
  }

  bytesPerState(): number {
    return this.states === 0 ? 0 : this.table.bytes / this.states;
  }

  describe(): string {
    const sleep = this.sleepSets ? `, ${this.slept} transitions skipped by sleep sets` : "";
    const por = this.localSteps ? `${sleep}, ${this.localCuts} branches cut after local steps` : sleep;
    const what = `${this.states} states, ${this.transitions} transitions${por}, depth ${this.maxDepth}, ${this.executions} executions`;
    const odds = collisionOdds(this.states);
    if (this.exhausted) return `exhaustive stateful search: every reachable state explored (${what}; ${odds})`;
    const why = this.stoppedAtLimit ? "; --max-states reached" : "";
    const { branches, depths } = pendingOn(this.nodes);
    const left = `${branches} branches pending on the DFS stack, at depths ${depths}`;
    return `stateful search stopped before the end (${what}${why}; ${left})`;
  }

  /** Shared: whether this worker searches below the frontier state `state` (dealt by fingerprint). */
  private owns(state: StateProbe): boolean {
    const sh = this.shared as NonNullable<StatefulOptions["shared"]>;
    return ((state.lo ^ Math.imul(state.hi, 0x9e3779b1)) >>> 0) % sh.workers === sh.worker;
  }

  /**
   * Shared: the state's entry in the common table. New: recorded, INSERTED (or STOP: the search stops at
   * a full table or at `maxStates` entries in all, and every worker with it). Seen: its sleep set narrowed
   * as in the single-worker case, in one atomic step, and the threads the earlier visit left unexplored.
   */
  private visitShared(state: StateProbe, sleep: number): number {
    const table = (this.shared as NonNullable<StatefulOptions["shared"]>).table;
    const r = table.visit(state.lo, state.hi, toCanon(sleep, state.perm));
    if (r >= 0) return fromCanon(r, state.perm);
    this.states++;
    if (r === FULL || table.size > this.maxStates) {
      this.stoppedAtLimit = true;
      this.tableFull = r === FULL;
      table.stop();
      return STOP;
    }
    return INSERTED;
  }

  /** The search between two executions: the DFS stack, the counters, and the table's bytes. */
  save(): SavedState {
    if (this.shared !== null) throw new UsageError("a search on several workers cannot be checkpointed");
    if (this.graph !== null || this.collisions !== null || this.sampler !== null) {
      throw new UsageError("a checkpoint cannot hold a search that records its graph, texts or samples");
    }
    const data: SavedSearch = {
      states: this.states,
      transitions: this.transitions,
      slept: this.slept,
      localCuts: this.localCuts,
      maxDepth: this.maxDepth,
      executions: this.executions,
      exhausted: this.exhausted,
      sleepSets: this.sleepSets,
      tableSize: this.table.size,
      prefixLen: this.prefixLen,
      nodes: this.nodes.map(savedNode),
    };
    return { data, buffers: this.table.bytesOf() };
  }

  /**
   * Goes back to a saved search (a fresh strategy with the same options). The next execution replays the
   * saved path and checks each state's fingerprint against the saved one: a model or engine that behaves
   * differently from the one that saved it fails there, before it can mix two searches.
   */
  restore(s: SavedState): void {
    const d = s.data as SavedSearch;
    const [slots, values] = s.buffers;
    if (slots === undefined || values === undefined || !Array.isArray(d?.nodes)) {
      throw new UsageError("checkpoint of a stateful search: missing parts");
    }
    this.table.load(slots, values, d.tableSize);
    this.states = d.states;
    this.transitions = d.transitions;
    this.slept = d.slept;
    this.localCuts = d.localCuts;
    this.maxDepth = d.maxDepth;
    this.executions = d.executions;
    this.exhausted = d.exhausted;
    this.sleepSets = d.sleepSets;
    this.prefixLen = d.prefixLen;
    this.nodes.length = 0;
    for (const n of d.nodes) this.nodes.push(loadedNode(n));
    this.verifyUntil = this.prefixLen;
  }

  private verifyReplay(node: Node, state: StateProbe): void {
    state.fingerprint(this.symmetry);
    if (state.lo === node.lo && state.hi === node.hi) return;
    throw new UsageError(
      "the checkpoint's saved path does not lead to the states it recorded: it was written by a model that behaves differently",
    );
  }

  /** The choices of the current execution so far (one DFS node per step). */
  private schedule(): number[] {
    return this.nodes.map((n) => n.chosen);
  }
}
