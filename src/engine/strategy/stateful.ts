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
 * This is sound for everything that is a property of a state or of a step out of it — assertions,
 * bug sites, deadlocks, final-state invariants — provided the fingerprint covers all state the threads can
 * observe (Program.stateRoots and the thread frames, state/stateOf.ts). Spin and retry loops end: a loop
 * that comes back to a state it was in is cut there. Results are exact up to fingerprint collisions, whose
 * probability is printed (about n²/2^65).
 */
import { UsageError } from "../errors.js";
import { Prng } from "../prng.js";
import type { ExecutionResult } from "../result.js";
import type { MergeSample } from "../state/crossCheck.js";
import { FingerprintTable } from "../state/fingerprintTable.js";
import { collisionProbability } from "../state/hash64.js";
import type { StateProbe } from "../state/probe.js";
import type { Strategy } from "./strategy.js";

interface Node {
  readonly enabled: readonly number[];
  /** Bitmask of thread ids already tried from this state. */
  tried: number;
  chosen: number;
}

export interface StatefulOptions {
  /** Stop (not exhaustive) after this many distinct states. */
  readonly maxStates?: number;
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
}

export class StatefulStrategy implements Strategy {
  readonly name = "stateful";
  exhausted = false;
  /** Distinct states recorded. */
  states = 0;
  /** Transitions taken out of recorded states (each leads to a new or a visited state). */
  transitions = 0;
  /** Deepest DFS stack seen, in steps. */
  maxDepth = 0;
  executions = 0;
  /** Set when `maxStates` stopped the search. */
  stoppedAtLimit = false;
  readonly table = new FingerprintTable(16);
  private readonly nodes: Node[] = [];
  private prefixLen = 0;
  private step = 0;
  private readonly maxStates: number;
  private readonly texts: Map<string, string> | null;
  private readonly firstVisit: Map<string, number[]> | null;
  private readonly sampleCap: number;
  private readonly sampleRng = new Prng(0x5eed);
  private hits = 0;
  /** Sampled revisits: the schedule of a state's first visit and of a later path that reached it again. */
  readonly samples: MergeSample[] = [];

  constructor(opts: StatefulOptions = {}) {
    this.maxStates = opts.maxStates ?? Number.POSITIVE_INFINITY;
    if (!(this.maxStates > 0)) throw new UsageError("--max-states must be a whole number ≥ 1");
    this.texts = opts.checkCollisions === true ? new Map() : null;
    this.sampleCap = opts.mergeSamples ?? 0;
    this.firstVisit = this.sampleCap > 0 ? new Map() : null;
  }

  newExecution(): boolean {
    if (this.exhausted || this.stoppedAtLimit) return false;
    this.step = 0;
    this.executions++;
    return true;
  }

  nextThread(enabled: readonly number[], current: number, state: StateProbe): number {
    const i = this.step++;
    if (i < this.prefixLen) {
      const pick = (this.nodes[i] as Node).chosen;
      if (enabled.indexOf(pick) < 0) {
        throw new Error(
          `stateful replay diverged at step ${i}: thread ${pick} is not runnable; the model is nondeterministic`,
        );
      }
      return pick;
    }
    if (i > 0) this.transitions++;
    state.fingerprint();
    if (this.states >= this.maxStates && !this.table.has(state.lo, state.hi)) {
      this.stoppedAtLimit = true;
      return -1;
    }
    if (this.texts !== null) this.checkText(state);
    if (!this.table.add(state.lo, state.hi)) {
      if (this.firstVisit !== null) this.sampleMerge(state);
      return -1;
    }
    this.firstVisit?.set(`${state.lo}:${state.hi}`, this.schedule());
    this.states++;
    const pick = enabled.indexOf(current) >= 0 ? current : (enabled[0] as number);
    this.nodes.push({ enabled: enabled.slice(), tried: 1 << pick, chosen: pick });
    if (this.nodes.length > this.maxDepth) this.maxDepth = this.nodes.length;
    return pick;
  }

  endExecution(r: ExecutionResult): void {
    // A terminal state (all done, deadlock, bug) is reached by one more transition.
    if (r.verdict !== "pruned" && this.step >= this.prefixLen && this.step > 0) this.transitions++;
    if (this.stoppedAtLimit) return;
    const nodes = this.nodes;
    while (nodes.length > 0) {
      const node = nodes[nodes.length - 1] as Node;
      for (const t of node.enabled) {
        if ((node.tried & (1 << t)) !== 0) continue;
        node.tried |= 1 << t;
        node.chosen = t;
        this.prefixLen = nodes.length;
        return;
      }
      nodes.pop();
    }
    this.exhausted = true;
  }

  /** Probability that two distinct states were merged by a fingerprint collision. */
  collisionProbability(): number {
    return collisionProbability(this.states);
  }

  bytesPerState(): number {
    return this.states === 0 ? 0 : this.table.bytes / this.states;
  }

  describe(): string {
    const what = `${this.states} states, ${this.transitions} transitions, depth ${this.maxDepth}, ${this.executions} executions`;
    const p = this.collisionProbability();
    const odds = `fingerprint collision probability ${p < 1e-15 ? "< 1e-15" : p.toExponential(1)}`;
    if (this.exhausted) return `exhaustive stateful search: every reachable state explored (${what}; ${odds})`;
    return `stateful search interrupted (${what}${this.stoppedAtLimit ? "; --max-states reached" : ""})`;
  }

  /** The choices of the current execution so far (one DFS node per step). */
  private schedule(): number[] {
    return this.nodes.map((n) => n.chosen);
  }

  private sampleMerge(state: StateProbe): void {
    const first = (this.firstVisit as Map<string, number[]>).get(`${state.lo}:${state.hi}`);
    if (first === undefined) return;
    const sample = { first, again: this.schedule() };
    this.hits++;
    if (this.samples.length < this.sampleCap) this.samples.push(sample);
    else {
      const j = this.sampleRng.below(this.hits);
      if (j < this.sampleCap) this.samples[j] = sample;
    }
  }

  private checkText(state: StateProbe): void {
    const texts = this.texts as Map<string, string>;
    const key = `${state.lo}:${state.hi}`;
    const text = state.text();
    const before = texts.get(key);
    if (before === undefined) texts.set(key, text);
    else if (before !== text) {
      throw new Error(`fingerprint collision: two different states hash to ${key}`);
    }
  }
}
