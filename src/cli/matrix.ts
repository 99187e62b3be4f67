/** `mmrace matrix`: every scenario under every patch column, as a table or JSON. */

import { availableParallelism } from "node:os";
import { resolvePatches } from "../kernel/patches/index.js";
import { defaultColumns, type MatrixCell, type MatrixColumn, renderMatrix } from "../report/matrix.js";
import { runMatrixParallel } from "../report/matrixParallel.js";
import { SCHEMA_VERSION } from "../report/types.js";
import { BUILTIN_SCENARIOS, findScenario } from "../scenarios/index.js";
import type { CliOptions } from "./commands.js";
import { makeMatrixProgress } from "./progress.js";
import { link, type Paint, paint, siteUrl, type Terminal, terminalFor } from "./terminal.js";

/**
 * Time budget per cell unless --time says otherwise. Most cells finish in seconds; khugepaged with two
 * writers under hugh-deletions or check-mapping-in-truncate reaches its bug after 0.6–1 million states
 * (one to two minutes here, bench/RESULTS.md §11), and an exhaustive search of it runs for hours: a cell
 * cut short says so.
 */
export const DEFAULT_CELL_SECONDS = 180;

export interface MatrixCliOptions extends CliOptions {
  scenario?: string[];
  /** Worker threads running cells at once (default: the cores Node may use). */
  jobs?: number;
}

const CELL_PAINT: Readonly<Record<MatrixCell["result"], Paint>> = {
  bug: "red",
  ok: "green",
  incomplete: "yellow",
  "model-error": "boldRed",
};

/** A cell's text in its verdict's colour, its site (shortened in the text) linked to Elixir. */
function cellStyle(t: Terminal): (c: MatrixCell, text: string) => string {
  return (c, text) => {
    let out = text;
    const url = c.site === null ? null : siteUrl(c.site);
    const short = c.site?.replace(/^mm\//, "");
    if (url !== null && short !== undefined) out = out.replace(short, link(t, url, short));
    return paint(t, CELL_PAINT[c.result], out);
  };
}

export async function matrixCommand(o: MatrixCliOptions): Promise<number> {
  // By default, the scenarios sized for exhaustive search; stress workloads (HPAGE_PMD_NR 512) only by name.
  const scenarios =
    (o.scenario ?? []).length === 0
      ? BUILTIN_SCENARIOS.filter((s) => (s.hpageNr ?? 4) <= 8)
      : (o.scenario ?? []).map(findScenario);
  let columns: MatrixColumn[] = defaultColumns();
  if ((o.patch ?? []).length > 0) {
    columns = [{ name: "rc3", patches: [] }, ...(o.patch ?? []).map((p) => ({ name: p, patches: [p] }))];
    for (const c of columns) resolvePatches(c.patches); // unknown names are a UsageError before any run
  }
  const t0 = Date.now();
  const progress = makeMatrixProgress(o, scenarios.length * columns.length);
  let cells: MatrixCell[];
  try {
    cells = await runMatrixParallel(scenarios, columns, o.jobs ?? availableParallelism(), {
      hpageNr: o.hpageNr,
      debugVm: o.debugVm,
      preemptions: o.preemptions,
      cellTimeMs: (o.time ?? DEFAULT_CELL_SECONDS) * 1000,
      onCellStart: progress === null ? undefined : (s, c) => progress.cell(s, c),
      onProgress: progress?.onProgress,
      onCell: progress === null ? undefined : (c) => progress.done(c.scenario, c.column),
    });
  } finally {
    progress?.stop();
  }
  const elapsedMs = Date.now() - t0;
  if (o.json === true) {
    const report = {
      schemaVersion: SCHEMA_VERSION,
      command: "matrix",
      config: { HPAGE_PMD_NR: o.hpageNr ?? 4, DEBUG_VM: o.debugVm ?? true },
      columns,
      cells,
      elapsedMs,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const t = terminalFor(o);
    const cfg = `HPAGE_PMD_NR=${o.hpageNr ?? 4}, CONFIG_DEBUG_VM=${o.debugVm === false ? "n" : "y"}`;
    process.stdout.write(
      `mmrace matrix — ${cfg}; each cell: stateful search of every reachable state ("exhaustive: S states"); for a bug, Np = the fewest preemptions that reach it (bounded DFS)\n\n`,
    );
    const table = renderMatrix(cells, columns, cellStyle(t));
    const summary = paint(t, "dim", `${cells.length} cells in ${(elapsedMs / 1000).toFixed(1)} s`);
    process.stdout.write(`${table}\n\n${summary}\n`);
  }
  return cells.some((c) => c.result === "model-error") ? 3 : 0;
}
