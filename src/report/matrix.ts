/**
 * The patch matrix: every scenario under every patch column, each cell settled by the stateful search
 * (every reachable state explored): the failure found, or an exhaustive "no bug" with the number of
 * states. For a failure, a preemption-bounded DFS (iterative from 0) then finds the fewest preemptions
 * that reach a failure, the figure that says how hard the race is to hit; ">B" when none within B.
 */
import { failureKey, type RunProgress, run } from "../engine/runner.js";
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
  /** The preemption bound the DFS for `preemptions` searched. */
  readonly bound: number;
  /** True when the stateful search explored every reachable state. */
  readonly exhaustive: boolean;
  /** Distinct states the stateful search explored. */
  readonly states: number;
  readonly executions: number;
  readonly elapsedMs: number;
}

/** What one cell's search needs (plain data, so a worker thread can be given it). */
export interface MatrixCellOptions {
  readonly hpageNr?: number;
  readonly debugVm?: boolean;
  /** Bound for the fewest-preemptions search after a failure; default 3 (2 with three threads). */
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

/** One cell: the stateful search of scenario `s` under column `c`, then a failure's fewest preemptions. */
export function runCell(s: Scenario, c: MatrixColumn, o: MatrixCellOptions = {}): MatrixCell {
  const t0 = Date.now();
  const bound = o.preemptions ?? (s.threads.length > 2 ? 2 : 3);
  const p = makeProgram(s, { hpageNr: o.hpageNr, debugVm: o.debugVm, patches: resolvePatches(c.patches) });
  const stateful = new StatefulStrategy();
  const r = run(p, stateful, { timeMs: o.cellTimeMs, onProgress: o.onProgress });
  let f = r.first;
  let preemptions: number | null = null;
  if (f !== null && f.verdict !== "model-error") {
    // The fewest preemptions: bounded DFS from 0 stops at the first failure of the lowest bound.
    const left = o.cellTimeMs === undefined ? undefined : Math.max(1000, o.cellTimeMs - (Date.now() - t0));
    const d = run(p, new DfsStrategy(bound, 0, { localSteps: true }), { timeMs: left, onProgress: o.onProgress });
    if (d.first !== null && d.first.verdict !== "model-error") {
      f = d.first;
      preemptions = d.first.preemptions;
    }
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
      return `BUG ${c.site?.replace(/^mm\//, "")} (${c.preemptions === null ? `>${c.bound}` : c.preemptions}p)`;
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
