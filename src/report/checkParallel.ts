/**
 * `mmrace check --jobs N`: one stateful search of a scenario on N worker threads (StatefulOptions.shared).
 * Above the split depth every worker repeats the same search; the states at that depth are dealt out, and
 * each worker searches below its own with a table of visited states shared by all
 * (engine/state/sharedTable.ts). The verdict and the final states are the single search's; when there is
 * a bug, which counterexample is met first depends on timing (it is then shrunk and proven in this
 * thread, as `check` does). No checkpoints: a search of hours runs on one core with --checkpoint, or here.
 */
import { runPool } from "../engine/pool.js";
import type { ExecutionResult } from "../engine/result.js";
import { collisionOdds, collisionProbability } from "../engine/state/hash64.js";
import { SharedFingerprintTable, type SharedTableBuffers } from "../engine/state/sharedTable.js";
import { makeProgram } from "../scenarios/program.js";
import type { Scenario } from "../scenarios/types.js";
import { type CheckOptions, reportExecution, shrinkFailure, siteNote, terminalStateHashes } from "./checkScenario.js";
import type { CheckReport } from "./types.js";

/** Distinct states the shared table holds when no --max-states sizes it (2^23 slots, 72 MiB). */
export const DEFAULT_SHARED_STATES = 6_291_456;

/**
 * Steps from the start to the frontier whose states are dealt out to the workers (StatefulOptions.shared).
 * Above it every worker repeats the same search; it must be deep enough for the frontier to hold many
 * more states than there are workers (collapse-vs-two-truncates: 11 states at depth 20, 238 at 40).
 */
export const DEFAULT_SPLIT_DEPTH = 40;

/** One worker's part, as it receives it. */
export interface SearchJob {
  readonly scenario: string;
  readonly config: { readonly hpageNr?: number; readonly debugVm?: boolean; readonly patches: readonly string[] };
  readonly table: SharedTableBuffers;
  readonly worker: number;
  readonly workers: number;
  readonly frontier: number;
  readonly maxStates?: number;
  readonly timeMs?: number;
  readonly site?: string;
}

/** What a worker's search covered, as plain data. */
export interface SearchPart {
  readonly first: ExecutionResult | null;
  readonly executions: number;
  readonly steps: number;
  readonly exhausted: boolean;
  readonly terminalStates: readonly string[];
  readonly failureSites: readonly (readonly [string, number])[];
  readonly transitions: number;
  readonly slept: number;
  readonly localCuts: number;
  readonly maxDepth: number;
  readonly pendingBranches: number;
  readonly stoppedAtLimit: boolean;
  readonly tableFull: boolean;
  /** States above the split depth (the same for every worker). */
  readonly shallowStates: number;
  /** Frontier states this worker left to the others. */
  readonly givenAway: number;
}

/** Progress of one worker: its executions and steps so far. */
export interface SearchProgress {
  readonly executions: number;
  readonly steps: number;
  readonly failures: number;
}

/** `checkScenario` with the stateful search on `jobs` worker threads. */
export async function checkScenarioParallel(s: Scenario, jobs: number, o: CheckOptions = {}): Promise<CheckReport> {
  const t0 = Date.now();
  const p = makeProgram(s, o);
  const table = SharedFingerprintTable.forStates(o.maxStates ?? DEFAULT_SHARED_STATES);
  const inputs: SearchJob[] = Array.from({ length: jobs }, (_, worker) => ({
    scenario: s.path ?? s.name,
    config: { hpageNr: o.hpageNr, debugVm: o.debugVm, patches: o.patches ?? [] },
    table: table.buffers,
    worker,
    workers: jobs,
    frontier: o.splitDepth ?? DEFAULT_SPLIT_DEPTH,
    maxStates: o.maxStates,
    timeMs: o.timeMs,
    site: o.site,
  }));
  const last: (SearchProgress | undefined)[] = inputs.map(() => undefined);
  const parts = await runPool<SearchJob, SearchPart, SearchProgress>(
    new URL("./checkWorker.js", import.meta.url),
    inputs,
    jobs,
    {
      onProgress: (x, k) => {
        last[k] = x;
        const seen = last.filter((y) => y !== undefined);
        o.onProgress?.({
          executions: seen.reduce((n, y) => n + y.executions, 0),
          steps: seen.reduce((n, y) => n + y.steps, 0),
          failures: Math.max(0, ...seen.map((y) => y.failures)),
          elapsedMs: Date.now() - t0,
          detail: `${table.size} states in the shared table, ${jobs} workers`,
        });
      },
    },
  );
  const first = parts.find((x) => x.first !== null)?.first ?? null;
  const sum = (f: (x: SearchPart) => number): number => sumOf(parts, f);
  const exhaustive = first === null && parts.every((x) => x.exhausted);
  const shallow = Math.max(...parts.map((x) => x.shallowStates));
  const states = table.size + shallow;
  const run = {
    outcome:
      first?.verdict === "model-error" ? "model-error" : first !== null ? "bug" : exhaustive ? "ok" : "incomplete",
    executions: sum((x) => x.executions),
    steps: sum((x) => x.steps),
    exhaustive,
    terminalStates: new Set(parts.flatMap((x) => x.terminalStates)),
    coverage: `${coverage(parts, states, shallow, table, exhaustive, jobs, inputs[0]?.frontier ?? 0)}${o.site === undefined ? "" : siteNote(o.site, { failureSites: mergeSites(parts) })}`,
  } as const;
  const { failing, fewest } = shrinkFailure(p, first, o, false);
  const search = {
    states,
    transitions: sum((x) => x.transitions),
    depth: Math.max(...parts.map((x) => x.maxDepth)),
    collisionProbability: collisionProbability(states),
    bytesPerState: states === 0 ? 0 : Math.round((table.bytes / states) * 10) / 10,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    pendingBranches: sum((x) => x.pendingBranches),
  };
  const report = reportExecution(p, "check", failing, run, "stateful", Date.now() - t0, search, fewest);
  const withSite = o.site === undefined ? report : { ...report, site: o.site };
  return o.listStates === true
    ? { ...withSite, terminalStateHashes: terminalStateHashes(run.terminalStates) }
    : withSite;
}

function sumOf(parts: readonly SearchPart[], f: (x: SearchPart) => number): number {
  return parts.reduce((n, x) => n + f(x), 0);
}

/** Failures by site over every worker. */
function mergeSites(parts: readonly SearchPart[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of parts) for (const [k, n] of x.failureSites) m.set(k, (m.get(k) ?? 0) + n);
  return m;
}

function coverage(
  parts: readonly SearchPart[],
  states: number,
  shallow: number,
  table: SharedFingerprintTable,
  exhaustive: boolean,
  jobs: number,
  depth: number,
): string {
  const sum = (f: (x: SearchPart) => number): number => sumOf(parts, f);
  const split = `${shallow} above step ${depth}, searched by every worker, and ${states - shallow} below it, dealt out`;
  const what = `${states} states (${split}), ${sum((x) => x.transitions)} transitions, ${sum((x) => x.slept)} transitions skipped by sleep sets, ${sum((x) => x.localCuts)} branches cut after local steps, depth ${Math.max(...parts.map((x) => x.maxDepth))}, ${sum((x) => x.executions)} executions on ${jobs} workers`;
  const odds = collisionOdds(states);
  if (exhaustive) return `exhaustive stateful search: every reachable state explored (${what}; ${odds})`;
  const why = parts.some((x) => x.tableFull)
    ? `; the shared table is full (${table.capacity} slots): give --max-states to size it`
    : parts.some((x) => x.stoppedAtLimit)
      ? "; --max-states reached"
      : "";
  return `stateful search stopped before the end (${what}${why}; ${sum((x) => x.pendingBranches)} branches pending on the workers' stacks)`;
}
