/**
 * Replays a recorded list of choices. Strict replay (the default) fails with a UsageError as soon as the
 * list names a thread that cannot run, or ends while threads can still run: the schedule does not belong
 * to this program, or the model is not deterministic. Lenient replay (used by shrinking) treats the list
 * as a hint: a choice that cannot run is replaced, and past the end the run goes on without preemption
 * (previous thread if it can run, else the lowest runnable id).
 */
import { UsageError } from "../errors.js";
import type { ExecutionResult } from "../result.js";
import type { Strategy } from "./strategy.js";

export class ReplayStrategy implements Strategy {
  readonly name = "replay";
  private step = 0;
  private started = false;
  exhausted = false;

  constructor(
    private readonly choices: readonly number[],
    private readonly lenient = false,
  ) {}

  newExecution(): boolean {
    if (this.started) return false;
    this.started = true;
    this.step = 0;
    return true;
  }

  nextThread(enabled: readonly number[], current: number): number {
    const i = this.step++;
    if (i < this.choices.length) {
      const want = this.choices[i] as number;
      if (enabled.indexOf(want) >= 0) return want;
      if (!this.lenient) {
        throw new UsageError(
          `schedule diverges at step ${i}: it runs thread ${want}, but only ${enabled.join(",")} can run ` +
            "(a schedule for another scenario, other options, or a nondeterministic model)",
        );
      }
    } else if (!this.lenient) {
      throw new UsageError(
        `schedule ends after ${this.choices.length} steps but threads ${enabled.join(",")} can still run`,
      );
    }
    return enabled.indexOf(current) >= 0 ? current : (enabled[0] as number);
  }

  endExecution(_r: ExecutionResult): void {
    this.exhausted = true;
  }

  describe(): string {
    return `replay of ${this.choices.length} recorded steps`;
  }
}
