/**
 * The patch matrix on several cores: its cells are independent searches, so each runs on a worker thread
 * (engine/pool.ts) and the table is the same as `runMatrix`'s, in the same order.
 */
import { runPool } from "../engine/pool.js";
import type { RunProgress } from "../engine/runner.js";
import type { Scenario } from "../scenarios/types.js";
import { type MatrixCell, type MatrixCellOptions, type MatrixColumn, type MatrixOptions, runMatrix } from "./matrix.js";

/** One cell as a worker receives it: the scenario by name (or .json path), the column, the options. */
export interface CellJob {
  readonly scenario: string;
  readonly column: MatrixColumn;
  readonly options: Omit<MatrixCellOptions, "onProgress">;
}

/** `runMatrix` on up to `jobs` worker threads; with one job (or one cell), in this thread. */
export async function runMatrixParallel(
  scenarios: readonly Scenario[],
  columns: readonly MatrixColumn[],
  jobs: number,
  o: MatrixOptions = {},
): Promise<MatrixCell[]> {
  if (jobs <= 1 || scenarios.length * columns.length <= 1) return runMatrix(scenarios, columns, o);
  const options = { hpageNr: o.hpageNr, debugVm: o.debugVm, preemptions: o.preemptions, cellTimeMs: o.cellTimeMs };
  const inputs: CellJob[] = scenarios.flatMap((s) =>
    columns.map((column) => ({ scenario: s.path ?? s.name, column, options })),
  );
  return runPool<CellJob, MatrixCell, RunProgress>(new URL("./matrixWorker.js", import.meta.url), inputs, jobs, {
    // Cells are scenario-major, as runMatrix runs them.
    onStart: (job, i) => o.onCellStart?.((scenarios[Math.floor(i / columns.length)] as Scenario).name, job.column.name),
    onProgress: (p) => o.onProgress?.(p),
    onDone: (cell) => o.onCell?.(cell),
  });
}
