/**
 * Which states a stateful search's table holds, checked from outside: random walks through the program,
 * every state they pass fingerprinted and looked up. After an exhaustive search every such state must be
 * there — a state a walk reaches that the search never recorded means the search pruned real behaviour
 * (a soundness check on states, not only on final states and bug sites). During a search the share found
 * was tried as a capture–recapture estimate of progress and rejected: a DFS meets the states random walks
 * favour late, so the estimate was off by 50× (bench/RESULTS.md §8).
 */
import { runExecution } from "../execution.js";
import { Prng } from "../prng.js";
import type { Program } from "../program.js";
import type { ExecutionResult } from "../result.js";
import type { Strategy } from "../strategy/strategy.js";
import type { FingerprintTable } from "./fingerprintTable.js";
import type { StateProbe } from "./probe.js";

/** A random walk that looks every state it passes up in a table. */
class Walk implements Strategy {
  readonly name = "coverage-walk";
  readonly exhausted = false;
  seen = 0;
  found = 0;

  constructor(
    private readonly table: FingerprintTable,
    private readonly rng: Prng,
    private readonly symmetric: boolean,
  ) {}

  newExecution(): boolean {
    return true;
  }

  nextThread(enabled: readonly number[], _current: number, state: StateProbe): number {
    state.fingerprint(this.symmetric);
    this.seen++;
    if (this.table.find(state.lo, state.hi) >= 0) this.found++;
    return enabled[this.rng.below(enabled.length)] as number;
  }

  endExecution(_r: ExecutionResult): void {}

  describe(): string {
    return "coverage walk";
  }
}

/** Runs `walks` seeded random executions; returns how many states they passed and how many the table has. */
export function walkCoverage(
  program: Program,
  table: FingerprintTable,
  symmetric: boolean,
  walks: number,
  seed = 1,
): { seen: number; found: number } {
  const w = new Walk(table, new Prng(seed), symmetric);
  for (let i = 0; i < walks; i++) runExecution(program, w, { maxSteps: 20_000 });
  return { seen: w.seen, found: w.found };
}
