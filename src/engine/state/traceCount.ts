/**
 * How many Mazurkiewicz traces a program has: the number of executions an optimal stateless DPOR would
 * run, so a user sees whether `--strategy dpor` could finish. Computed from the state graph a stateful
 * search recorded (every transition of every state, with its footprint), by sleep sets over that graph:
 * from each state, threads are tried in ascending order, and a thread already tried whose step is
 * independent of the one taken sleeps below it. Every trace then has exactly one maximal path that no
 * sleeping thread blocks (Godefroid 1996, Thm. 5.2; Abdulla et al. 2014, §3), so counting those paths, with
 * (state, sleep set) memoised, counts the traces. Counts are BigInts: they run to 10^11 and beyond.
 * A cycle in the graph (a retry loop) means infinitely many traces.
 */
import type { Program } from "../program.js";
import { run } from "../runner.js";
import { dependent, type Footprint } from "../strategy/footprint.js";
import { StatefulStrategy } from "../strategy/stateful.js";

interface Edge {
  readonly thread: number;
  readonly fp: Footprint;
  /** The state reached, or -1 for the end of an execution (all done, deadlock, a bug). */
  readonly to: number;
}

export class StateGraph {
  private readonly index = new Map<string, number>();
  private readonly edges: Edge[][] = [];

  get states(): number {
    return this.edges.length;
  }

  /** The index of a state, added if new. */
  state(lo: number, hi: number): number {
    const key = `${lo}:${hi}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.edges.length;
      this.index.set(key, i);
      this.edges.push([]);
    }
    return i;
  }

  edge(from: number, thread: number, fp: Footprint, to: number): void {
    (this.edges[from] as Edge[]).push({ thread, fp, to });
  }

  /**
   * The number of maximal paths from the initial state: the executions plain DFS (no reduction) runs,
   * one per interleaving. Null if the graph has a cycle.
   */
  countPaths(): bigint | null {
    return this.count(false);
  }

  /** The number of traces from the initial state (index 0), or null if the graph has a cycle. */
  countTraces(): bigint | null {
    return this.count(true);
  }

  /** Maximal paths from state 0; with `sleepSets`, only those no sleeping thread blocks (one per trace). */
  private count(sleepSets: boolean): bigint | null {
    const memo = new Map<string, bigint>();
    const onPath = new Uint8Array(this.edges.length);
    let cyclic = false;
    const count = (s: number, sleep: number): bigint => {
      const key = `${s}:${sleep}`;
      const known = memo.get(key);
      if (known !== undefined) return known;
      if (onPath[s] === 1) {
        cyclic = true;
        return 0n;
      }
      const out = [...(this.edges[s] as Edge[])].sort((a, b) => a.thread - b.thread);
      if (out.length === 0) return 1n; // a state no transition left: cannot happen for recorded states
      onPath[s] = 1;
      let total = 0n;
      let done = 0;
      for (const e of out) {
        if ((sleep & (1 << e.thread)) !== 0) continue;
        let childSleep = 0;
        if (sleepSets) {
          for (const u of out) {
            const asleep = ((sleep | done) & (1 << u.thread)) !== 0;
            if (asleep && u.thread !== e.thread && !dependent(u.fp, e.fp)) childSleep |= 1 << u.thread;
          }
        }
        total += e.to < 0 ? 1n : count(e.to, childSleep);
        done |= 1 << e.thread;
      }
      onPath[s] = 0;
      memo.set(key, total);
      return total;
    };
    if (this.edges.length === 0) return 1n;
    const n = count(0, 0);
    return cyclic ? null : n;
  }
}

/** Records the state graph of `program` (no reductions, up to `maxStates`) and counts its traces. */
export function countTraces(
  program: Program,
  maxStates = 300_000,
): { traces: bigint | null; states: number; complete: boolean } {
  const graph = new StateGraph();
  const st = new StatefulStrategy({ graph, maxStates });
  run(program, st, { stopOnFailure: false });
  return { traces: st.exhausted ? graph.countTraces() : null, states: graph.states, complete: st.exhausted };
}
