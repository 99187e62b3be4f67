/**
 * The visited-state table of a stateful search run by several worker threads at once: 64-bit
 * fingerprints in an open-addressing table over SharedArrayBuffers, with one byte of value per slot (the
 * sleep set a state was explored with), inserted and updated with Atomics so that no lock is needed.
 *
 * A slot is empty while its first word is 0. A writer claims it with a compare-and-swap of that word from 0
 * to the fingerprint's low half, stores the value, then the high half. A reader that meets its low half
 * waits (a few instructions) until the high half is there, so it never mistakes a slot being filled for
 * another fingerprint. Neither half is ever 0 in the table (0 is stored as 1): two fingerprints that differ
 * only there merge, a collision about as likely as any other (2^-32 per state, against the n²/2^65 of the
 * whole table). Beside its value a slot keeps a mark, PENDING until the worker that expands the state
 * says whether it expanded it in full or cut it to one local step. The table does not grow (the workers would have to stop together): its capacity is fixed
 * when it is made, and an insertion past 3/4 of it reports the table full.
 *
 * A checkpoint of a search on several workers is this table, copied while every worker waits between two
 * executions (`requestPause`), and the states then on the workers' DFS stacks; the table it is loaded into
 * reopens those (`reopen`): a resumed search starts again from the initial state, finds every state whose
 * exploration ended in the table, and explores the rest (docs/model.md, "Several workers").
 */

/** What `visit` found: a new state (inserted), or the table full (inserted, but the search must stop). */
export const INSERTED = -1;
export const FULL = -2;

/** A state's mark (`mark`): not yet known, expanded in full, or cut to one local step (stateful.ts). */
export const PENDING = 0;
export const EXPANDED = 1;
export const REDUCED = 2;

/** The shared parts, as sent to a worker (SharedArrayBuffers are shared, not copied, by postMessage). */
export interface SharedTableBuffers {
  readonly slots: SharedArrayBuffer;
  readonly values: SharedArrayBuffer;
  /** One byte per slot: PENDING, EXPANDED or REDUCED. */
  readonly marks: SharedArrayBuffer;
  /**
   * [0]: entries; [1]: a stop flag for the searches that share the table; [2]: a pause is requested;
   * [3]: workers waiting in the pause.
   */
  readonly control: SharedArrayBuffer;
}

export class SharedFingerprintTable {
  private readonly slots: Int32Array;
  private readonly values: Uint8Array;
  private readonly marks: Uint8Array;
  private readonly control: Int32Array;
  private readonly mask: number;
  /** Entries beyond which an insertion reports FULL. */
  readonly limit: number;

  constructor(readonly buffers: SharedTableBuffers) {
    this.slots = new Int32Array(buffers.slots);
    this.values = new Uint8Array(buffers.values);
    this.marks = new Uint8Array(buffers.marks);
    this.control = new Int32Array(buffers.control);
    const n = this.values.length;
    const sizes = this.slots.length === 2 * n && this.marks.length === n && this.control.length >= 4;
    if (n < 2 || (n & (n - 1)) !== 0 || !sizes) {
      throw new RangeError("shared fingerprint table: inconsistent buffers");
    }
    this.mask = n - 1;
    this.limit = Math.floor(n * 0.75);
  }

  /** A new empty table of 2^log2Capacity slots (10 bytes each). */
  static create(log2Capacity: number): SharedFingerprintTable {
    if (!Number.isInteger(log2Capacity) || log2Capacity < 1 || log2Capacity > 28) {
      throw new RangeError("shared fingerprint table: capacity must be 2^1 to 2^28 slots");
    }
    const n = 1 << log2Capacity;
    return new SharedFingerprintTable({
      slots: new SharedArrayBuffer(8 * n),
      values: new SharedArrayBuffer(n),
      marks: new SharedArrayBuffer(n),
      control: new SharedArrayBuffer(16),
    });
  }

  /** The smallest table whose 3/4 holds `states` (at least 2^16 slots). */
  static forStates(states: number): SharedFingerprintTable {
    let log2 = 16;
    while (log2 < 28 && Math.floor((1 << log2) * 0.75) < states) log2++;
    return SharedFingerprintTable.create(log2);
  }

  /**
   * A table holding a snapshot's entries (values and marks included), for `states` entries in all or, if
   * the snapshot has more, twice as many as it has: a resumed search may need a larger table than the run
   * that saved it.
   */
  static fromSnapshot(snap: SharedSnapshot, states: number): SharedFingerprintTable {
    const t = SharedFingerprintTable.forStates(Math.max(states, 2 * snap.entries));
    const n = snap.values.length;
    for (let i = 0; i < n; i++) {
      const lo = snap.slots[2 * i] as number;
      if (lo === 0) continue;
      t.visit(lo, snap.slots[2 * i + 1] as number, snap.values[i] as number);
      const at = t.find(lo, snap.slots[2 * i + 1] as number);
      t.marks[at] = snap.marks[i] as number;
    }
    return t;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get bytes(): number {
    return this.slots.byteLength + this.values.byteLength + this.marks.byteLength;
  }

  /** Entries inserted by every worker so far. */
  get size(): number {
    return Atomics.load(this.control, 0);
  }

  /** Whether some worker asked every search on this table to stop. */
  get stopped(): boolean {
    return Atomics.load(this.control, 1) !== 0;
  }

  stop(): void {
    Atomics.store(this.control, 1, 1);
  }

  /** Asks every worker to wait at its next execution boundary (`pauseIfAsked`). */
  requestPause(): void {
    Atomics.store(this.control, 2, 1);
  }

  /** Workers waiting in the pause now. */
  get paused(): number {
    return Atomics.load(this.control, 3);
  }

  /** Lets the paused workers go on. */
  endPause(): void {
    Atomics.store(this.control, 3, 0);
    Atomics.store(this.control, 2, 0);
    Atomics.notify(this.control, 2);
  }

  /**
   * Worker side, between two executions: if a pause is requested, calls `report` (which tells the main
   * thread what this worker's stack holds), counts itself in, and waits until the pause ends.
   */
  pauseIfAsked(report: () => void): void {
    if (Atomics.load(this.control, 2) === 0) return;
    report();
    Atomics.add(this.control, 3, 1);
    while (Atomics.load(this.control, 2) !== 0) Atomics.wait(this.control, 2, 1);
  }

  /**
   * Records what the states on the workers' DFS stacks had really explored, in a table loaded from a
   * snapshot: `stacks` holds triples (fingerprint lo, hi, and the threads whose branches from the state
   * were explored to their end, in canonical slots: StatefulStrategy.sharedStack). Such a state's value
   * becomes every other thread (as though it had been asleep), and its mark PENDING (not expanded in full).
   * A search resumed from this table explores those threads' branches again when it reaches the state, and
   * finds in the table whatever had been explored to its end below them.
   */
  reopen(stacks: readonly number[]): void {
    for (let k = 0; k + 2 < stacks.length; k += 3) {
      const at = this.find(stacks[k] as number, stacks[k + 1] as number);
      if (at < 0) continue;
      Atomics.store(this.values, at, ~(stacks[k + 2] as number) & 0xff);
      Atomics.store(this.marks, at, PENDING);
    }
  }

  /** A copy of the entries, values and marks (take it while no worker inserts: in a pause, or after). */
  snapshot(): SharedSnapshot {
    return new SharedSnapshot(this.slots.slice(), this.values.slice(), this.marks.slice(), this.size);
  }

  /**
   * Looks the fingerprint up and, if absent, inserts it with value `v` and returns INSERTED (or FULL past
   * the limit). If present, ANDs its value with `v` and returns the value it had: for a state's sleep set,
   * what the earlier visit left unexplored, narrowed to what this visit leaves (stateful.ts).
   */
  visit(lo: number, hi: number, v: number): number {
    lo = lo | 0 || 1;
    hi = hi | 0 || 1;
    let i = this.home(lo, hi);
    for (;;) {
      const at = this.locate(lo, hi, i);
      if (at >= 0) return Atomics.and(this.values, at, v);
      i = -1 - at;
      if (Atomics.compareExchange(this.slots, 2 * i, 0, lo) === 0) {
        Atomics.store(this.values, i, v);
        Atomics.store(this.slots, 2 * i + 1, hi);
        return Atomics.add(this.control, 0, 1) + 1 > this.limit ? FULL : INSERTED;
      }
      // Another worker took that slot first: look again from there (it may have inserted this one).
    }
  }

  /** The slot of a fingerprint, or -1. */
  find(lo: number, hi: number): number {
    lo = lo | 0 || 1;
    hi = hi | 0 || 1;
    const at = this.locate(lo, hi, this.home(lo, hi));
    return at >= 0 ? at : -1;
  }

  /** Where linear probing for a fingerprint starts. */
  private home(lo: number, hi: number): number {
    return (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
  }

  /** From slot `i` on: the fingerprint's slot, or -1 - the first empty slot (where it would go). */
  private locate(lo: number, hi: number, i: number): number {
    for (; ; i = (i + 1) & this.mask) {
      const a = Atomics.load(this.slots, 2 * i);
      if (a === 0) return -1 - i;
      if (a === lo && this.highHalf(i) === hi) return i;
    }
  }

  value(slot: number): number {
    return Atomics.load(this.values, slot);
  }

  setValue(slot: number, v: number): void {
    Atomics.store(this.values, slot, v);
  }

  markOf(slot: number): number {
    return Atomics.load(this.marks, slot);
  }

  /** Marks a state REDUCED (whatever it was: one cut is enough for the proviso to count it). */
  markReduced(slot: number): void {
    Atomics.store(this.marks, slot, REDUCED);
  }

  /** Marks a state EXPANDED unless some visit has cut it already (then it stays REDUCED). */
  markExpanded(slot: number): void {
    Atomics.compareExchange(this.marks, slot, PENDING, EXPANDED);
  }

  /** Slot i's high half, once the worker that claimed the slot has written it. */
  private highHalf(i: number): number {
    let h = Atomics.load(this.slots, 2 * i + 1);
    while (h === 0) h = Atomics.load(this.slots, 2 * i + 1);
    return h;
  }
}

/** A copy of a shared table's contents, as a checkpoint holds it. */
export class SharedSnapshot {
  constructor(
    readonly slots: Int32Array,
    readonly values: Uint8Array,
    readonly marks: Uint8Array,
    readonly entries: number,
  ) {
    const n = values.length;
    if (n < 2 || (n & (n - 1)) !== 0 || slots.length !== 2 * n || marks.length !== n) {
      throw new RangeError("shared table snapshot: inconsistent buffers");
    }
  }
}
