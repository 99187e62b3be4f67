/**
 * The patch matrix: every scenario under every patch column, each cell settled by the stateful search
 * (every reachable state explored): the failure found, or an exhaustive "no bug" with the number of
 * states. For a failure, a preemption-bounded DFS (iterative from 0) then finds the fewest preemptions
 * that reach a failure, the figure that says how hard the race is to hit; ">B" when none within B (the
 * bound, or the last bound searched in full when the cell's time ran out). Its passes cache states from
 * bound 3 on, as the shrinker's proof does (strategy/dfs.ts), which is what makes 6 affordable with two
 * threads: a pass costs ~3× the one below instead of ~10× (bench/RESULTS.md §14).
 */
import type { Program } from "../engine/program.js";
import type { ExecutionResult } from "../engine/result.js";
import { failureKey, type RunProgress, run } from "../engine/runner.js";
import { PROOF_CACHE_FROM } from "../engine/shrink.js";
import { DfsStrategy } from "../engine/strategy/dfs.js";
import { StatefulStrategy } from "../engine/strategy/stateful.js";
import { PATCHES, resolvePatches } from "../kernel/patches/index.js";
import { makeProgram } from "../scenarios/program.js";
import type { Scenario } from "../scenarios/types.js";

export interface MatrixColumn {
  /** What the column is called in the table. */
  readonly name: string;
  /** Patch or set names, as `--patch` takes them. */
  readonly patches: readonly string[];
}

export interface MatrixCell {
  readonly scenario: string;
  readonly column: string;
  readonly result: "bug" | "ok" | "incomplete" | "model-error";
  readonly site: string | null;
  readonly condition: string | null;
  /** Fewest preemptions of a failure, from bounded DFS; null if none within `bound` (or no failure). */
  readonly preemptions: number | null;
  /** The highest preemption bound the DFS for `preemptions` searched in full (−1: not even 0, out of time). */
  readonly bound: number;
  /** True when the stateful search explored every reachable state. */
  readonly exhaustive: boolean;
  /** Distinct states the stateful search explored. */
  readonly states: number;
  readonly executions: number;
  readonly elapsedMs: number;
}

/** What one cell's search needs (plain data, so a worker thread can be given it). */
/**
 * The default bound of a cell's fewest-preemptions search: with two threads 6 (Hugh's deletions'
 * filemap.c:311 in collapse-vs-truncate needs 6, found in ~5 s); with three, 3 (a cached pass at 3 of
 * collapse-vs-two-truncates takes ~14 s, the one at 4 over two minutes).
 */
export const NP_BOUND = { twoThreads: 6, more: 3 } as const;

export interface MatrixCellOptions {
  readonly hpageNr?: number;
  readonly debugVm?: boolean;
  /** Bound for the fewest-preemptions search after a failure; default NP_BOUND (by thread count). */
  readonly preemptions?: number;
  /** Time budget per cell, ms. */
  readonly cellTimeMs?: number;
  /** The cell's search progress, about every 100 ms. */
  readonly onProgress?: (p: RunProgress) => void;
}

export interface MatrixOptions extends MatrixCellOptions {
  /** Called before each cell's search starts. */
  readonly onCellStart?: (scenario: string, column: string) => void;
  readonly onCell?: (c: MatrixCell) => void;
}

/** The default columns: rc3, each patch alone, and the named sets. */
export function defaultColumns(): MatrixColumn[] {
  return [
    { name: "rc3", patches: [] },
    ...PATCHES.map((p) => ({ name: p.name, patches: [p.name] })),
    { name: "landed-5.16", patches: ["landed-5.16"] },
    { name: "hugh-deletions", patches: ["hugh-deletions"] },
  ];
}

export function runMatrix(
  scenarios: readonly Scenario[],
  columns: readonly MatrixColumn[],
  o: MatrixOptions = {},
): MatrixCell[] {
  const cells: MatrixCell[] = [];
  for (const s of scenarios) {
    for (const c of columns) {
      o.onCellStart?.(s.name, c.name);
      const cell = runCell(s, c, o);
      o.onCell?.(cell);
      cells.push(cell);
    }
  }
  return cells;
}

/**
 * A failure with the fewest preemptions: bounded DFS from 0 stops at the first failure of the lowest
 * bound. `bound`: the highest bound searched in full (`maxBound`, or below it when `timeMs` ran out; −1
 * when not even the pass at 0 ended).
 */
export function fewestPreemptions(
  p: Program,
  maxBound: number,
  timeMs: number | undefined,
  onProgress?: (p: RunProgress) => void,
): { first: ExecutionResult | null; bound: number } {
  const dfs = new DfsStrategy(maxBound, 0, { localSteps: true, cacheFromBound: PROOF_CACHE_FROM });
  const d = run(p, dfs, { timeMs, onProgress });
  if (d.first !== null && d.first.verdict !== "model-error") return { first: d.first, bound: maxBound };
  return { first: null, bound: dfs.exhausted ? maxBound : dfs.bound - 1 };
}

/** One cell: the stateful search of scenario `s` under column `c`, then a failure's fewest preemptions. */
export function runCell(s: Scenario, c: MatrixColumn, o: MatrixCellOptions = {}): MatrixCell {
  const t0 = Date.now();
  const maxBound = o.preemptions ?? (s.threads.length > 2 ? NP_BOUND.more : NP_BOUND.twoThreads);
  let bound = maxBound;
  const p = makeProgram(s, { hpageNr: o.hpageNr, debugVm: o.debugVm, patches: resolvePatches(c.patches) });
  const stateful = new StatefulStrategy();
  const r = run(p, stateful, { timeMs: o.cellTimeMs, onProgress: o.onProgress });
  let f = r.first;
  let preemptions: number | null = null;
  if (f !== null && f.verdict !== "model-error") {
    const left = o.cellTimeMs === undefined ? undefined : Math.max(1000, o.cellTimeMs - (Date.now() - t0));
    const np = fewestPreemptions(p, maxBound, left, o.onProgress);
    if (np.first !== null) {
      f = np.first;
      preemptions = np.first.preemptions;
    }
    bound = np.bound;
  }
  return {
    scenario: s.name,
    column: c.name,
    result: r.outcome,
    site: f === null ? null : failureKey(f),
    condition: f?.bug?.condition ?? f?.error ?? null,
    preemptions,
    bound,
    exhaustive: r.exhaustive,
    states: stateful.states,
    executions: r.executions,
    elapsedMs: Date.now() - t0,
  };
}

/** One cell as table text. */
export function cellText(c: MatrixCell): string {
  switch (c.result) {
    case "bug":
      return `BUG ${c.site?.replace(/^mm\//, "")} (${c.preemptions !== null ? c.preemptions : c.bound < 0 ? "?" : `>${c.bound}`}p)`;
    case "ok":
      return `no bug (exhaustive: ${c.states} states)`;
    case "incomplete":
      return `no bug so far (${c.states} states, budget hit)`;
    default:
      return `MODEL ERROR: ${c.condition ?? "?"}`;
  }
}

/**
 * The matrix as a table: scenarios down, columns across. `decorate` may restyle each cell's text (the
 * CLI adds colour and links on a terminal); it runs after padding, so escape codes cannot misalign.
 */
export function renderMatrix(
  cells: readonly MatrixCell[],
  columns: readonly MatrixColumn[],
  decorate: (c: MatrixCell, text: string) => string = (_c, text) => text,
): string {
  const scen = [...new Set(cells.map((c) => c.scenario))];
  const head = ["scenario", ...columns.map((c) => c.name)];
  const rows = scen.map((s) => [
    s,
    ...columns.map((col) => {
      const c = cells.find((x) => x.scenario === s && x.column === col.name);
      return c === undefined ? "" : decorate(c, cellText(c));
    }),
  ]);
  // Transposed layout keeps the table narrow enough for a terminal: one block per scenario.
  const out: string[] = [];
  for (const row of rows) {
    out.push(row[0] as string);
    for (let i = 1; i < row.length; i++) out.push(`  ${(head[i] as string).padEnd(38)} ${row[i]}`);
  }
  return out.join("\n");
}
