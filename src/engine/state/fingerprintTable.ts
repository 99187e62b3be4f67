/**
 * A set of 64-bit fingerprints in an open-addressing table over one Uint32Array (lo, hi per slot), with
 * linear probing, and one byte of value per slot (the sleep set a state was explored with). 9 bytes per
 * slot. The table grows by a quarter when 3/4 full, so it is between 3/5 and 3/4 full: 12–15 bytes per
 * state at any size (doubling would leave it 3/8 full after a growth, 24 bytes per state; re-inserting
 * more often costs ~5 moves per state in all, nanoseconds against the ~100 µs a state costs the search).
 * A JS Set stops at 2^24 entries and costs ~50 bytes per entry; this holds 2^28 slots before it refuses
 * to grow.
 *
 * (0, 0) marks an empty slot, so a fingerprint of (0, 0) is stored as (1, 0): two fingerprints merge, a
 * collision no likelier than any other.
 */

const MAX_SLOTS = 2 ** 28;
const MAX_LOAD = 0.75;
const GROWTH = 1.25;

export class FingerprintTable {
  private slots: Uint32Array;
  private values: Uint8Array;
  /** Slots: any whole number ≥ 2 (not a power of two: the home slot is a 32-bit hash modulo it). */
  private n: number;
  private limit: number;
  size = 0;

  constructor(log2Capacity = 16) {
    this.n = 2 ** log2Capacity;
    this.slots = new Uint32Array(2 * this.n);
    this.values = new Uint8Array(this.n);
    this.limit = Math.floor(this.n * MAX_LOAD);
  }

  /** Slots allocated (capacity), for the bytes-per-state figure. */
  get capacity(): number {
    return this.n;
  }

  get bytes(): number {
    return this.slots.byteLength + this.values.byteLength;
  }

  /** The table's arrays as bytes (views, not copies), for a checkpoint. */
  bytesOf(): [Uint8Array, Uint8Array] {
    return [new Uint8Array(this.slots.buffer, this.slots.byteOffset, this.slots.byteLength), this.values];
  }

  /** Takes over the arrays `bytesOf` gave (a checkpoint's), holding `size` fingerprints. */
  load(slots: Uint8Array, values: Uint8Array, size: number): void {
    const n = values.length;
    if (n < 2 || slots.byteLength !== 8 * n || size >= n) {
      throw new RangeError("fingerprint table of a checkpoint: inconsistent sizes");
    }
    this.slots = new Uint32Array(slots.buffer, slots.byteOffset, 2 * n);
    this.values = values;
    this.n = n;
    this.limit = Math.floor(n * MAX_LOAD);
    this.size = size;
  }

  /** The slot holding a fingerprint, or -1. Valid until the next insertion. */
  find(lo: number, hi: number): number {
    if ((lo | hi) === 0) lo = 1;
    const s = this.slots;
    const n = this.n;
    let i = home(lo, hi, n);
    for (;;) {
      const a = s[2 * i] as number;
      const b = s[2 * i + 1] as number;
      if ((a | b) === 0) return -1;
      if (a === lo >>> 0 && b === hi >>> 0) return i;
      if (++i === n) i = 0;
    }
  }

  value(slot: number): number {
    return this.values[slot] as number;
  }

  setValue(slot: number, v: number): void {
    this.values[slot] = v;
  }

  /** Inserts a fingerprint known to be absent, with a value. */
  insert(lo: number, hi: number, v: number): void {
    if ((lo | hi) === 0) lo = 1;
    place(this.slots, this.values, this.n, lo, hi, v);
    if (++this.size > this.limit) this.grow();
  }

  private grow(): void {
    const old = this.slots;
    const oldValues = this.values;
    const n = Math.ceil(this.n * GROWTH);
    if (n > MAX_SLOTS) throw new RangeError(`fingerprint table full: more than ${this.limit} states`);
    this.slots = new Uint32Array(2 * n);
    this.values = new Uint8Array(n);
    this.n = n;
    this.limit = Math.floor(n * MAX_LOAD);
    for (let j = 0; j < old.length; j += 2) {
      const lo = old[j] as number;
      const hi = old[j + 1] as number;
      if ((lo | hi) !== 0) place(this.slots, this.values, n, lo, hi, oldValues[j >> 1] as number);
    }
  }
}

/** Where probing for a fingerprint starts in a table of n slots. */
function home(lo: number, hi: number, n: number): number {
  return ((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) % n;
}

/** Puts a fingerprint (absent, not (0, 0)) in the first free slot from its home. */
function place(s: Uint32Array, values: Uint8Array, n: number, lo: number, hi: number, v: number): void {
  let i = home(lo, hi, n);
  while (((s[2 * i] as number) | (s[2 * i + 1] as number)) !== 0) if (++i === n) i = 0;
  s[2 * i] = lo;
  s[2 * i + 1] = hi;
  values[i] = v;
}
