/**
 * `mmrace check --jobs N`: one stateful search of a scenario on N worker threads (StatefulOptions.shared).
 * Above the split depth every worker repeats the same search; the states at that depth are dealt out, and
 * each worker searches below its own with a table of visited states shared by all
 * (engine/state/sharedTable.ts). The verdict and the final states are the single search's; when there is
 * a bug, which counterexample is met first depends on timing (it is then shrunk and proven in this
 * thread, as `check` does). With --checkpoint the shared table is saved at intervals and at the end
 * (sharedCheckpoint.ts), and a later run goes on from it, with any number of workers.
 */
import { runExecution } from "../engine/execution.js";
import { runPool } from "../engine/pool.js";
import type { ExecutionResult } from "../engine/result.js";
import { checkpointNote } from "../engine/resume.js";
import { collisionOdds, collisionProbability } from "../engine/state/hash64.js";
import { SharedFingerprintTable, type SharedTableBuffers } from "../engine/state/sharedTable.js";
import { ReplayStrategy } from "../engine/strategy/replay.js";
import { makeProgram } from "../scenarios/program.js";
import type { Scenario } from "../scenarios/types.js";
import {
  type CheckOptions,
  checkpointFor,
  reportExecution,
  shrinkFailure,
  siteNote,
  withAsked,
} from "./checkScenario.js";
import { SharedSaver, type SharedStart, startShared, type WorkerAccount } from "./sharedCheckpoint.js";
import type { CheckReport } from "./types.js";

/** Distinct states the shared table holds when no --max-states sizes it (2^23 slots, 72 MiB). */
export const DEFAULT_SHARED_STATES = 6_291_456;

/**
 * Steps from the start to the frontier whose states are dealt out to the workers (StatefulOptions.shared).
 * Above it every worker repeats the same search; it must be deep enough for the frontier to hold many
 * more states than there are workers, none of them with most of the work below it, and shallow enough
 * for the repeated part to stay small. collapse-vs-two-truncates on two workers (bench/RESULTS.md §13),
 * wall seconds at split depths 40 / 60 / 90: landed-5.16 + skip-thp-before-put without DEBUG_VM, N=4,
 * 24.3 / 14.5 / 14.0 (at 40 one worker had nearly all the work); the same with Hugh's PageTail deletion
 * and DEBUG_VM, – / 21.2 / 14.1; Hugh's deletions to their bug at N=4, 51.7 / 35.7 / 35.3; Hugh's
 * deletions + skip-thp-before-put at N=2, 23.2 / 22.5 / 23.7 (77,726 states above 90 there, 3,507 at N=4).
 */
export const DEFAULT_SPLIT_DEPTH = 90;

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
  /** A checkpoint is kept: wait between executions when the main thread asks (SharedFingerprintTable). */
  readonly pausable: boolean;
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
  /** The shared states on its DFS stack when it stopped, unfinished, for a checkpoint (StatefulStrategy.sharedStack). */
  readonly stack: readonly number[];
}

/** Progress of one worker: its executions and steps so far. */
export interface SearchProgress {
  readonly executions: number;
  readonly steps: number;
  readonly failures: number;
  /** Sent when the worker pauses for a checkpoint. */
  readonly pause?: Pick<WorkerAccount, "stack" | "terminalStates" | "failureSites">;
}

/** `checkScenario` with the stateful search on `jobs` worker threads. */
export async function checkScenarioParallel(s: Scenario, jobs: number, o: CheckOptions = {}): Promise<CheckReport> {
  const t0 = Date.now();
  const p = makeProgram(s, o);
  const frontier = o.splitDepth ?? DEFAULT_SPLIT_DEPTH;
  const capacity = o.maxStates ?? DEFAULT_SHARED_STATES;
  const ck =
    o.checkpoint === undefined ? undefined : checkpointFor(p, o.checkpoint, o, `stateful-shared split=${frontier}`);
  const { table, earlier }: SharedStart =
    ck === undefined ? { table: SharedFingerprintTable.forStates(capacity), earlier: null } : startShared(ck, capacity);
  const saver = ck === undefined ? null : new SharedSaver(ck, table, jobs, earlier, t0);
  const before = { executions: earlier?.executions ?? 0, steps: earlier?.steps ?? 0 };
  // A resumed run whose search had ended at a failure reports that failure again, as a single search does.
  const stoppedAt = earlier?.firstChoices ?? null;
  const { parts, interrupted } =
    stoppedAt !== null
      ? { parts: [], interrupted: false }
      : await searchOnWorkers(s, jobs, o, { table, frontier, saver, everyMs: ck?.everyMs, before, t0 });
  if (saver?.failure != null) throw saver.failure;
  const first =
    stoppedAt !== null
      ? runExecution(p, new ReplayStrategy(stoppedAt))
      : (parts.find((x) => x.first !== null)?.first ?? null);
  const sum = (f: (x: SearchPart) => number): number => sumOf(parts, f);
  const exhaustive = first === null && parts.every((x) => x.exhausted);
  saver?.saveFinal(first === null ? null : first.choices, exhaustive);
  const shallow = Math.max(0, ...parts.map((x) => x.shallowStates));
  const states = table.size + shallow;
  const note =
    ck === undefined ? "" : checkpointNote(ck, { earlierMs: earlier?.elapsedMs ?? null }, exhaustive || first !== null);
  const run = {
    outcome:
      first?.verdict === "model-error" ? "model-error" : first !== null ? "bug" : exhaustive ? "ok" : "incomplete",
    executions: before.executions + sum((x) => x.executions),
    steps: before.steps + sum((x) => x.steps),
    exhaustive,
    terminalStates: new Set([...(earlier?.terminalStates ?? []), ...parts.flatMap((x) => x.terminalStates)]),
    coverage: `${coverage({ parts, states, shallow, table, exhaustive, jobs, depth: frontier, interrupted, saved: ck !== undefined })}${o.site === undefined ? "" : siteNote(o.site, { failureSites: mergeSites(parts, earlier?.failureSites ?? []) })}${note}`,
  } as const;
  const { failing, fewest } = shrinkFailure(p, first, o, false, run.executions);
  const search = {
    states,
    transitions: sum((x) => x.transitions),
    depth: Math.max(0, ...parts.map((x) => x.maxDepth)),
    collisionProbability: collisionProbability(states),
    bytesPerState: states === 0 ? 0 : Math.round((table.bytes / states) * 10) / 10,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    pendingBranches: sum((x) => x.pendingBranches),
  };
  const report = reportExecution(p, "check", failing, run, "stateful", Date.now() - t0, search, fewest);
  return withAsked(report, o, run.terminalStates);
}

/**
 * The workers' searches, with the progress line summed over them and, with a saver, periodic saves; and
 * whether Ctrl-C stopped them.
 */
async function searchOnWorkers(
  s: Scenario,
  jobs: number,
  o: CheckOptions,
  w: {
    readonly table: SharedFingerprintTable;
    readonly frontier: number;
    readonly saver: SharedSaver | null;
    readonly everyMs: number | undefined;
    /** What the runs this one resumes had done. */
    readonly before: { readonly executions: number; readonly steps: number };
    readonly t0: number;
  },
): Promise<{ parts: SearchPart[]; interrupted: boolean }> {
  const { table, saver, before } = w;
  const inputs: SearchJob[] = Array.from({ length: jobs }, (_, worker) => ({
    scenario: s.path ?? s.name,
    config: { hpageNr: o.hpageNr, debugVm: o.debugVm, patches: o.patches ?? [] },
    table: table.buffers,
    worker,
    workers: jobs,
    frontier: w.frontier,
    maxStates: o.maxStates,
    timeMs: o.timeMs,
    site: o.site,
    pausable: saver !== null,
  }));
  const last: (SearchProgress | undefined)[] = inputs.map(() => undefined);
  const timer = saver === null ? null : setInterval(() => void saver.save(), w.everyMs ?? 60_000);
  // Ctrl-C: the workers stop at their next execution boundary and the run ends as a budget ends it (saved,
  // with --checkpoint, and reported). The main thread is free to see the signal, the search being in the
  // workers. A second Ctrl-C ends the process at once.
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    table.stop();
    process.removeListener("SIGINT", interrupt);
  };
  process.on("SIGINT", interrupt);
  try {
    const parts = await runPool<SearchJob, SearchPart, SearchProgress>(
      new URL("./checkWorker.js", import.meta.url),
      inputs,
      jobs,
      {
        onProgress: (x, k) => {
          last[k] = x;
          if (x.pause !== undefined) saver?.paused(k, { ...x, ...x.pause });
          const seen = last.filter((y) => y !== undefined);
          o.onProgress?.({
            executions: before.executions + seen.reduce((n, y) => n + y.executions, 0),
            steps: before.steps + seen.reduce((n, y) => n + y.steps, 0),
            failures: Math.max(0, ...seen.map((y) => y.failures)),
            elapsedMs: Date.now() - w.t0,
            detail: `${table.size} states in the shared table, ${jobs} workers`,
          });
        },
        onDone: (x, k) => saver?.done(k, x),
      },
    );
    return { parts, interrupted };
  } catch (e) {
    saver?.end();
    throw e;
  } finally {
    if (timer !== null) clearInterval(timer);
    process.removeListener("SIGINT", interrupt);
  }
}

function sumOf(parts: readonly SearchPart[], f: (x: SearchPart) => number): number {
  return parts.reduce((n, x) => n + f(x), 0);
}

/** Failures by site over every worker (and the runs resumed). */
function mergeSites(
  parts: readonly SearchPart[],
  earlier: readonly (readonly [string, number])[],
): Map<string, number> {
  const m = new Map<string, number>(earlier);
  for (const x of parts) for (const [k, n] of x.failureSites) m.set(k, (m.get(k) ?? 0) + n);
  return m;
}

/** The coverage line of a shared search. */
function coverage(c: {
  readonly parts: readonly SearchPart[];
  readonly states: number;
  /** States above the split depth. */
  readonly shallow: number;
  readonly table: SharedFingerprintTable;
  readonly exhaustive: boolean;
  readonly jobs: number;
  /** The split depth. */
  readonly depth: number;
  readonly interrupted: boolean;
  /** A checkpoint was saved (a resumed run may give the table more room). */
  readonly saved: boolean;
}): string {
  const { parts, states, shallow, table, exhaustive, jobs, depth, interrupted } = c;
  const sum = (f: (x: SearchPart) => number): number => sumOf(parts, f);
  const split = `${shallow} above step ${depth}, searched by every worker, and ${states - shallow} below it, dealt out`;
  const what = `${states} states (${split}), ${sum((x) => x.transitions)} transitions, ${sum((x) => x.slept)} transitions skipped by sleep sets, ${sum((x) => x.localCuts)} branches cut after local steps, depth ${Math.max(0, ...parts.map((x) => x.maxDepth))}, ${sum((x) => x.executions)} executions on ${jobs} workers`;
  const odds = collisionOdds(states);
  if (exhaustive) return `exhaustive stateful search: every reachable state explored (${what}; ${odds})`;
  const why = interrupted
    ? "; interrupted (Ctrl-C)"
    : parts.some((x) => x.tableFull)
      ? `; the shared table is full (${table.capacity} slots): ${c.saved ? "the same command goes on with a table twice as large, or " : ""}give --max-states to size it`
      : parts.some((x) => x.stoppedAtLimit)
        ? "; --max-states reached"
        : "";
  return `stateful search stopped before the end (${what}${why}; ${sum((x) => x.pendingBranches)} branches pending on the workers' stacks)`;
}
