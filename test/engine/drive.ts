/**
 * Drives a strategy the way runner.ts does, but keeps every execution (the runner keeps only the first
 * failure). Test helper only.
 */
import { runExecution } from "../../src/engine/execution.js";
import type { Program } from "../../src/engine/program.js";
import type { ExecutionResult } from "../../src/engine/result.js";
import type { Strategy } from "../../src/engine/strategy/strategy.js";

export interface Explored {
  readonly results: ExecutionResult[];
  /** Value of `tag()` taken just before each execution (e.g. the DFS pass bound). */
  readonly tags: number[];
}

export function explore(
  program: Program,
  strategy: Strategy,
  opts: { maxExecutions?: number; maxSteps?: number; tag?: () => number } = {},
): Explored {
  const results: ExecutionResult[] = [];
  const tags: number[] = [];
  const max = opts.maxExecutions ?? Number.POSITIVE_INFINITY;
  while (results.length < max && strategy.newExecution()) {
    tags.push(opts.tag?.() ?? 0);
    const r = runExecution(program, strategy, { maxSteps: opts.maxSteps });
    strategy.endExecution(r);
    results.push(r);
  }
  return { results, tags };
}

/** n choose k, exactly (small arguments). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** n! (small n). */
export function factorial(n: number): number {
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

/** Choice lists as strings, to count distinct executions. */
export function distinct(results: readonly ExecutionResult[]): number {
  return new Set(results.map((r) => r.choices.join(""))).size;
}
