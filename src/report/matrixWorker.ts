/** Worker thread of a parallel `mmrace matrix`: runs the cells it is given (matrixParallel.ts). */

import { serveJobs } from "../engine/pool.js";
import type { RunProgress } from "../engine/runner.js";
import { findScenario } from "../scenarios/index.js";
import { type MatrixCell, runCell } from "./matrix.js";
import type { CellJob } from "./matrixParallel.js";

serveJobs<CellJob, MatrixCell, RunProgress>((job, progress) =>
  runCell(findScenario(job.scenario), job.column, { ...job.options, onProgress: progress }),
);
