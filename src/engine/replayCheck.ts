/**
 * Checks that a recorded execution reproduces: replays its choices strictly and compares what the replay
 * did with what was recorded. A schedule that does not reproduce means the model is not deterministic
 * (Math.random, module state that survives executions, iteration over something unordered) or that it
 * changed since the schedule was recorded; either way, no schedule string from it can be trusted.
 */
import { UsageError } from "./errors.js";
import { runExecution } from "./execution.js";
import type { Program } from "./program.js";
import type { ExecutionResult } from "./result.js";
import { failureKey } from "./runner.js";
import { ReplayStrategy } from "./strategy/replay.js";

export interface ReplayCheck {
  /** True when the replay gave the same verdict (and failure site), steps and traceHash. */
  readonly ok: boolean;
  /** One line: what was reproduced, or the first thing that differed. */
  readonly reason: string;
  /** The replayed execution, or null when the replay diverged before its end. */
  readonly replay: ExecutionResult | null;
}

/**
 * checkReplay - replay a recorded execution strictly and compare
 * @program: the program `recorded` ran
 * @recorded: the execution to reproduce
 * @maxSteps: the step limit the recording ran with; a `step-limit` result defaults to its own length
 *
 * Return: ok, or the first difference among verdict, failure site, steps and traceHash; a replay that
 * diverges (the schedule names a thread that cannot run, or ends while threads can still run) is
 * reported with the replay's own message. Other exceptions propagate.
 */
export function checkReplay(program: Program, recorded: ExecutionResult, maxSteps?: number): ReplayCheck {
  const limit = maxSteps ?? (recorded.verdict === "step-limit" ? recorded.steps : undefined);
  let r: ExecutionResult;
  try {
    r = runExecution(program, new ReplayStrategy(recorded.choices), { maxSteps: limit });
  } catch (e) {
    if (UsageError.is(e)) return { ok: false, reason: `replay diverged: ${e.message}`, replay: null };
    throw e;
  }
  const fail = (reason: string): ReplayCheck => ({ ok: false, reason, replay: r });
  if (r.verdict !== recorded.verdict) {
    return fail(`verdict differs: recorded ${recorded.verdict}, replay ${r.verdict}`);
  }
  if (failureKey(r) !== failureKey(recorded)) {
    return fail(`failure site differs: recorded ${failureKey(recorded)}, replay ${failureKey(r)}`);
  }
  if (r.steps !== recorded.steps) return fail(`steps differ: recorded ${recorded.steps}, replay ${r.steps}`);
  if (r.traceHash !== recorded.traceHash) {
    return fail(
      `trace differs: recorded ${recorded.traceHash.toString(36)}, replay ${r.traceHash.toString(36)} ` +
        "(same choices reached other sites: the model is not deterministic)",
    );
  }
  return {
    ok: true,
    reason: `reproduced: ${failureKey(r)} after ${r.steps} steps, trace ${r.traceHash.toString(36)}`,
    replay: r,
  };
}
