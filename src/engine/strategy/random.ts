/**
 * Seeded random walk: at every scheduling point pick a runnable thread uniformly. Each execution draws
 * from one PRNG stream, so the whole run is reproducible from `seed`; each execution is reproducible
 * from its schedule string.
 */
import { Prng } from "../prng.js";
import type { ExecutionResult } from "../result.js";
import type { Strategy } from "./strategy.js";

export class RandomStrategy implements Strategy {
  readonly name = "random";
  readonly exhausted = false;
  private readonly rng: Prng;
  private executions = 0;

  constructor(readonly seed: number) {
    this.rng = new Prng(seed);
  }

  newExecution(): boolean {
    this.executions++;
    return true;
  }

  nextThread(enabled: readonly number[]): number {
    return enabled.length === 1 ? (enabled[0] as number) : (enabled[this.rng.below(enabled.length)] as number);
  }

  endExecution(_r: ExecutionResult): void {}

  describe(): string {
    return `random walk, seed ${this.seed}, ${this.executions} executions (no coverage guarantee)`;
  }
}
