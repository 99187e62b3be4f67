/**
 * Progress lines of long commands: shown on stderr when it is a terminal, not with --json or --quiet,
 * and only once the command has run for a second. The search loop is synchronous, so each line is
 * redrawn from the runner's progress callback (about every 100 ms), never from a timer.
 *
 * - check: with an execution budget a bar with an ETA; with a time budget a bar over the time; without
 *   either (an exhaustive search whose size is unknown in advance) a counter. Both of the last show the
 *   strategy's own account (the stateful search: states so far, depth, branches pending).
 * - stress: a bar over the budget (time, executions, or whichever ends first), executions/s, failures,
 *   time left.
 * - matrix: a bar over the cells, the cell being searched, elapsed time.
 * - the shrink that follows a failure (check, stress): a line saying what was found (check: and when),
 *   at once, then a bar over the shrink's budgets (at HPAGE_PMD_NR=512 it can take its whole 10 s).
 */
import cliProgress from "cli-progress";
import type { ExecutionResult } from "../engine/result.js";
import { failureKey, type RunProgress } from "../engine/runner.js";
import type { ShrinkProgress } from "../engine/shrink.js";
import type { ShrinkHooks } from "../report/checkScenario.js";
import type { StressProgress } from "../report/stress.js";
import type { StressReport } from "../report/types.js";

export interface Progress<P = RunProgress> {
  readonly onProgress: (p: P) => void;
  /** Clears the line; call before printing the report. */
  stop(): void;
}

/** Whether a progress line may be drawn at all. */
function wanted(o: { json?: boolean; quiet?: boolean }): boolean {
  return o.json !== true && o.quiet !== true && process.stderr.isTTY === true;
}

/** A bar drawn on stderr from its first update after `afterMs` of the command. */
class LazyBar {
  private bar: cliProgress.SingleBar | null = null;

  constructor(
    private readonly format: string,
    private readonly total: number,
    private readonly afterMs = 1000,
  ) {}

  update(elapsedMs: number, value: number, payload: object): void {
    if (elapsedMs < this.afterMs) return;
    if (this.bar === null) {
      this.bar = new cliProgress.SingleBar(
        { format: this.format, stream: process.stderr, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, value, payload);
    } else {
      this.bar.update(value, payload);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

function rate(p: RunProgress): number {
  return p.elapsedMs === 0 ? 0 : Math.round((p.executions * 1000) / p.elapsedMs);
}

/** `12 s`, `3 min 05 s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/**
 * A check's progress line. With an execution budget: a bar over it, with an ETA from the rate. With only a
 * time budget (`--time`): a bar over the time, and how long at most is left (the search may end sooner).
 * With neither: a counter. An exhaustive search's total is not estimated (bench/RESULTS.md §8 and §13:
 * when the best estimator tried claimed to be nearly done, the search was 1 % to 100 % through).
 */
export function makeProgress(
  o: { json?: boolean; quiet?: boolean },
  label: string,
  budget: number | undefined,
  timeMs?: number,
): Progress | null {
  if (!wanted(o)) return null;
  // The bar is over the time budget only when there is no execution budget to be over.
  const overTime = budget === undefined ? timeMs : undefined;
  const counts = "{executions} executions | {rate} exec/s | failures {failures}";
  const format =
    budget !== undefined
      ? `${label} [{bar}] {value}/{total} executions | {rate} exec/s | failures {failures} | ETA {eta_formatted}`
      : overTime !== undefined
        ? `${label} [{bar}] ${counts} | at most {left} left (--time){detail}`
        : `${label} ${counts} | {secs} s{detail}`;
  const bar = new LazyBar(format, budget ?? (overTime !== undefined ? 1000 : 0));
  return {
    onProgress(p: RunProgress): void {
      bar.update(p.elapsedMs, overTime !== undefined ? timeShare(p.elapsedMs, overTime) : p.executions, {
        executions: p.executions,
        rate: rate(p),
        failures: p.failures,
        secs: (p.elapsedMs / 1000).toFixed(1),
        left: overTime !== undefined ? duration(overTime - p.elapsedMs) : "",
        detail: p.detail === "" ? "" : ` | ${p.detail}`,
      });
    },
    stop: () => bar.stop(),
  };
}

/** Elapsed time as thousandths of a time budget (the bar's value), at most 1000. */
export function timeShare(elapsedMs: number, timeMs: number): number {
  return Math.min(1000, Math.round((elapsedMs * 1000) / timeMs));
}

/** The fraction of a stress budget used, and the time left (estimated from the rate for executions). */
export function stressLeft(p: RunProgress, budget: StressReport["budget"]): { done: number; leftMs: number } {
  let done = 0;
  let leftMs = Number.POSITIVE_INFINITY;
  if (budget.timeMs !== null) {
    done = p.elapsedMs / budget.timeMs;
    leftMs = budget.timeMs - p.elapsedMs;
  }
  if (budget.maxExecutions !== null && p.executions > 0) {
    const f = p.executions / budget.maxExecutions;
    done = Math.max(done, f);
    leftMs = Math.min(leftMs, ((budget.maxExecutions - p.executions) * p.elapsedMs) / p.executions);
  }
  return { done: Math.min(1, done), leftMs };
}

export function makeStressProgress(
  o: { json?: boolean; quiet?: boolean },
  label: string,
  budget: StressReport["budget"],
): Progress<StressProgress> | null {
  if (!wanted(o)) return null;
  const bar = new LazyBar(
    `${label} [{bar}] {left} left | {executions} executions | {rate} exec/s | failures {failed} at {sites} site(s)`,
    1000,
  );
  return {
    onProgress(p: StressProgress): void {
      const { done, leftMs } = stressLeft(p, budget);
      bar.update(p.elapsedMs, Math.round(done * 1000), {
        left: Number.isFinite(leftMs) ? duration(leftMs) : "?",
        executions: p.executions,
        rate: rate(p),
        failed: p.failedExecutions,
        sites: p.failures,
      });
    },
    stop: () => bar.stop(),
  };
}

export interface MatrixProgress {
  /** Call when a cell starts. */
  cell(scenario: string, column: string): void;
  /** Call when a cell is done. */
  done(scenario: string, column: string): void;
  /** The search's own progress within a running cell (redraws the elapsed time). */
  readonly onProgress: (p: RunProgress) => void;
  stop(): void;
}

export function makeMatrixProgress(o: { json?: boolean; quiet?: boolean }, total: number): MatrixProgress | null {
  if (!wanted(o)) return null;
  const bar = new LazyBar("matrix [{bar}] {value}/{total} cells | {cell} | {elapsed}", total);
  const t0 = Date.now();
  let cells = 0;
  // The cells running now: one, or one per worker with --jobs.
  const running: string[] = [];
  const draw = (): void => {
    const ms = Date.now() - t0;
    bar.update(ms, cells, { cell: running.join(", "), elapsed: duration(ms) });
  };
  return {
    cell(scenario: string, column: string): void {
      running.push(`${scenario} × ${column}`);
      draw();
    },
    done(scenario: string, column: string): void {
      const i = running.indexOf(`${scenario} × ${column}`);
      if (i >= 0) running.splice(i, 1);
      cells++;
      draw();
    },
    onProgress: () => draw(),
    stop: () => bar.stop(),
  };
}

/** What a failing execution failed on, in a few words: `VM_BUG_ON_PAGE at mm/truncate.c:213`, `a deadlock`. */
export function failureWords(f: ExecutionResult): string {
  return f.bug !== null ? `${f.bug.kind} at ${failureKey(f)}` : `a ${f.verdict}`;
}

/**
 * The shrink's lines. `startedAt` is when the command started (the found line says how long the search
 * took to get there); `search` stops the search's own bar before the found line is written. The bar is
 * over whichever of the shrink's budgets (executions, time) is nearer its end.
 */
export function makeShrinkProgress(
  o: { json?: boolean; quiet?: boolean },
  label: string,
  startedAt: number,
  budget: { readonly executions: number; readonly timeMs: number },
  search: { stop(): void } | null,
  announce: (f: ExecutionResult, executions: number, secs: string) => string = (f, executions, secs) =>
    `found ${failureWords(f)} after ${executions} executions (${secs} s); shrinking it to the fewest preemptions, then steps`,
): (ShrinkHooks & { stop(): void }) | null {
  if (!wanted(o)) return null;
  const bar = new LazyBar(
    "shrinking [{bar}] {executions} executions | at most {left} left | best: {preemptions} preemption(s), {steps} steps{proving}",
    1000,
  );
  return {
    found(f: ExecutionResult, executions: number): void {
      search?.stop();
      const secs = ((Date.now() - startedAt) / 1000).toFixed(1);
      process.stderr.write(`${label}: ${announce(f, executions, secs)}\n`);
    },
    progress(p: ShrinkProgress): void {
      const done = Math.max(p.executions / budget.executions, p.elapsedMs / budget.timeMs);
      const byTime = budget.timeMs - p.elapsedMs;
      const byRate = p.executions === 0 ? byTime : ((budget.executions - p.executions) * p.elapsedMs) / p.executions;
      bar.update(p.elapsedMs, Math.min(1000, Math.round(done * 1000)), {
        executions: p.executions,
        left: duration(Math.min(byTime, byRate)),
        preemptions: p.preemptions,
        steps: p.steps,
        proving: p.bound === null ? "" : ` | looking for one with ≤ ${p.bound}`,
      });
    },
    stop: () => bar.stop(),
  };
}
