/**
 * Checkpoints of `check --jobs N` (checkParallel.ts). The file holds the table of visited states that the
 * workers share, copied while every worker waits between two executions, the states then on their DFS
 * stacks with the branches each had finished, and the totals of the runs so far. A resumed search loads the
 * table, reopens those states (SharedFingerprintTable.reopen) and starts again from the initial state:
 * every state whose exploration had ended is found there and not expanded again, and the unfinished ones
 * are explored again but for their finished branches (docs/model.md,
 * "Several workers"). Nothing of a worker's own stack is kept, so a search saved with one number of
 * workers may go on with another.
 */
import { readCheckpoint, writeCheckpoint } from "../engine/checkpoint.js";
import { UsageError } from "../engine/errors.js";
import type { CheckpointOptions } from "../engine/runner.js";
import { SharedFingerprintTable, SharedSnapshot } from "../engine/state/sharedTable.js";

/** What the runs of a shared search have seen, as its checkpoint keeps it. */
export interface SharedTotals {
  readonly executions: number;
  readonly steps: number;
  readonly terminalStates: readonly string[];
  readonly failureSites: readonly (readonly [string, number])[];
  /** Wall time of every run so far. */
  readonly elapsedMs: number;
  /** The schedule of the failure that ended the search, if one did (a resumed run reports it again). */
  readonly firstChoices: readonly number[] | null;
  /** Whether the search had explored every reachable state (absent in files of earlier builds). */
  readonly exhaustive?: boolean;
}

/** The table a search starts or goes on with, and what the runs it resumes had seen (null: none). */
export interface SharedStart {
  readonly table: SharedFingerprintTable;
  readonly earlier: SharedTotals | null;
}

/** What the strategy part of the file holds beside the table's three buffers. */
interface SavedTable {
  readonly entries: number;
  /** The workers' stack states, to reopen (StatefulStrategy.sharedStack triples). */
  readonly stacks: readonly number[];
}

/**
 * Reads the checkpoint if there is one (its table, in a table sized for `states` or twice its entries);
 * otherwise makes an empty table and saves it at once, so that an unwritable path fails now rather than
 * after an hour of search.
 */
export function startShared(ck: CheckpointOptions, states: number): SharedStart {
  const saved = readCheckpoint(ck.path, ck.identity);
  if (saved === null) {
    const table = SharedFingerprintTable.forStates(states);
    saveShared(ck, table.snapshot(), [], {
      executions: 0,
      steps: 0,
      terminalStates: [],
      failureSites: [],
      elapsedMs: 0,
      firstChoices: null,
    });
    return { table, earlier: null };
  }
  const [slots, values, marks] = saved.strategy.buffers;
  const data = saved.strategy.data as SavedTable;
  const parts = slots !== undefined && values !== undefined && marks !== undefined;
  if (!parts || typeof data?.entries !== "number" || !Array.isArray(data.stacks)) {
    throw new UsageError(`checkpoint ${ck.path}: missing parts of the shared table`);
  }
  let snap: SharedSnapshot;
  try {
    snap = new SharedSnapshot(
      new Int32Array(slots.buffer, slots.byteOffset, slots.byteLength >> 2),
      values,
      marks,
      data.entries,
    );
  } catch {
    throw new UsageError(`checkpoint ${ck.path}: the shared table in it is damaged`);
  }
  const table = SharedFingerprintTable.fromSnapshot(snap, states);
  table.reopen(data.stacks);
  return { table, earlier: saved.runner as SharedTotals };
}

/**
 * Writes a checkpoint: the snapshot, the states of the workers' stacks to reopen when it is loaded (triples
 * from StatefulStrategy.sharedStack: fingerprint and finished branches), and the totals.
 */
export function saveShared(ck: CheckpointOptions, snap: SharedSnapshot, stacks: readonly number[], t: SharedTotals) {
  const slots = new Uint8Array(snap.slots.buffer, snap.slots.byteOffset, snap.slots.byteLength);
  writeCheckpoint(ck.path, {
    identity: ck.identity,
    runner: t,
    strategy: {
      data: { entries: snap.entries, stacks } satisfies SavedTable,
      buffers: [slots, snap.values, snap.marks],
    },
  });
}

/** What one worker has seen and holds on its stack, as it last said (in a pause, or when it finished). */
export interface WorkerAccount {
  readonly executions: number;
  readonly steps: number;
  readonly terminalStates: readonly string[];
  readonly failureSites: readonly (readonly [string, number])[];
  /** The shared states on its DFS stack, with their finished branches (StatefulStrategy.sharedStack). */
  readonly stack: readonly number[];
}

/**
 * Saves a running shared search: at intervals (`save`, between executions of every worker) and when it
 * ends (`saveFinal`). Workers' accounts come in as they pause or finish.
 */
export class SharedSaver {
  private readonly pausedAccounts = new Map<number, WorkerAccount>();
  private readonly finished = new Map<number, WorkerAccount>();
  private saving = false;
  private ended = false;
  /** Why a periodic save failed (a full disk, say): the search stops, and the run reports it. */
  failure: unknown = null;

  constructor(
    private readonly ck: CheckpointOptions,
    private readonly table: SharedFingerprintTable,
    private readonly jobs: number,
    private readonly earlier: SharedTotals | null,
    private readonly t0: number,
  ) {}

  /** Worker k's account in the current pause. */
  paused(k: number, a: WorkerAccount): void {
    this.pausedAccounts.set(k, a);
  }

  /** Worker k's final account. */
  done(k: number, a: WorkerAccount): void {
    this.finished.set(k, a);
  }

  /**
   * Asks every running worker to pause, waits until each has said what its stack holds, copies the table,
   * lets them go on, and writes the copy. Does nothing while an earlier save runs or after the end.
   */
  async save(): Promise<void> {
    if (this.saving || this.ended) return;
    this.saving = true;
    this.pausedAccounts.clear();
    this.table.requestPause();
    try {
      for (;;) {
        if (this.ended) return;
        const running = this.jobs - this.finished.size;
        const told = [...this.pausedAccounts.keys()].filter((k) => !this.finished.has(k)).length;
        if (told >= running && this.table.paused >= running) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const snap = this.table.snapshot();
      const accounts = this.accounts();
      this.table.endPause();
      this.write(snap, accounts, null);
    } catch (e) {
      // The file keeps the previous save (checkpoint.ts writes a new file, then renames it).
      this.failure ??= e;
      this.table.stop();
    } finally {
      this.table.endPause();
      this.saving = false;
    }
  }

  /** After the workers are done: the table as it is, the failure that ended the search if any, and whether it ended. */
  saveFinal(firstChoices: readonly number[] | null, exhaustive: boolean): void {
    this.end();
    this.write(this.table.snapshot(), this.accounts(), firstChoices, exhaustive);
  }

  /** No more saves (the search ended, or failed): a save waiting for its pause gives up. */
  end(): void {
    this.ended = true;
    this.table.endPause();
  }

  private accounts(): WorkerAccount[] {
    const out: WorkerAccount[] = [];
    for (let k = 0; k < this.jobs; k++) {
      const a = this.finished.get(k) ?? this.pausedAccounts.get(k);
      if (a !== undefined) out.push(a);
    }
    return out;
  }

  private write(
    snap: SharedSnapshot,
    accounts: readonly WorkerAccount[],
    firstChoices: readonly number[] | null,
    exhaustive = false,
  ) {
    const e = this.earlier;
    const sites = new Map<string, number>(e?.failureSites ?? []);
    for (const a of accounts) for (const [k, n] of a.failureSites) sites.set(k, (sites.get(k) ?? 0) + n);
    const totals: SharedTotals = {
      executions: (e?.executions ?? 0) + accounts.reduce((n, a) => n + a.executions, 0),
      steps: (e?.steps ?? 0) + accounts.reduce((n, a) => n + a.steps, 0),
      terminalStates: [...new Set([...(e?.terminalStates ?? []), ...accounts.flatMap((a) => a.terminalStates)])],
      failureSites: [...sites],
      elapsedMs: (e?.elapsedMs ?? 0) + (Date.now() - this.t0),
      firstChoices,
      exhaustive,
    };
    saveShared(
      this.ck,
      snap,
      accounts.flatMap((a) => a.stack),
      totals,
    );
  }
}
