/** Worker thread of a parallel `mmrace stress`: runs the seed's search it is given (stressParallel.ts). */
import { serveJobs } from "../engine/pool.js";
import { findScenario } from "../scenarios/index.js";
import { type StressProgress, type StressSearch, stressSearch } from "./stress.js";
import type { StressJob } from "./stressParallel.js";

serveJobs<StressJob, StressSearch, StressProgress>((job, progress) =>
  stressSearch(findScenario(job.scenario), { ...job.options, onProgress: progress }),
);
