/**
 * A set of 64-bit fingerprints in an open-addressing table over one Uint32Array (lo, hi per slot), with
 * linear probing, and one byte of value per slot (the sleep set a state was explored with). 9 bytes per
 * slot; the table doubles when 3/4 full, so it costs 12–24 bytes per state (about 16 on average over a
 * run). A JS Set stops at 2^24 entries and costs ~50 bytes per entry; this holds 2^28 states before it
 * refuses to grow.
 *
 * (0, 0) marks an empty slot, so a fingerprint of (0, 0) is stored as (1, 0): two fingerprints merge, a
 * collision no likelier than any other.
 */

const MAX_LOG2 = 28;

export class FingerprintTable {
  private slots: Uint32Array;
  private values: Uint8Array;
  private mask: number;
  private limit: number;
  size = 0;

  constructor(log2Capacity = 16) {
    this.slots = new Uint32Array(2 << log2Capacity);
    this.values = new Uint8Array(1 << log2Capacity);
    this.mask = (1 << log2Capacity) - 1;
    this.limit = Math.floor((this.mask + 1) * 0.75);
  }

  /** Slots allocated (capacity), for the bytes-per-state figure. */
  get capacity(): number {
    return this.mask + 1;
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
    if (n < 2 || (n & (n - 1)) !== 0 || slots.byteLength !== 8 * n || size >= n) {
      throw new RangeError("fingerprint table of a checkpoint: inconsistent sizes");
    }
    this.slots = new Uint32Array(slots.buffer, slots.byteOffset, 2 * n);
    this.values = values;
    this.mask = n - 1;
    this.limit = Math.floor(n * 0.75);
    this.size = size;
  }

  /** The slot holding a fingerprint, or -1. Valid until the next insertion. */
  find(lo: number, hi: number): number {
    if ((lo | hi) === 0) lo = 1;
    const s = this.slots;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = s[2 * i] as number;
      const b = s[2 * i + 1] as number;
      if ((a | b) === 0) return -1;
      if (a === lo >>> 0 && b === hi >>> 0) return i;
      i = (i + 1) & this.mask;
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
    const s = this.slots;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    while (((s[2 * i] as number) | (s[2 * i + 1] as number)) !== 0) i = (i + 1) & this.mask;
    s[2 * i] = lo;
    s[2 * i + 1] = hi;
    this.values[i] = v;
    if (++this.size > this.limit) this.grow();
  }

  private grow(): void {
    const old = this.slots;
    const oldValues = this.values;
    const log2 = Math.log2(this.mask + 1) + 1;
    if (log2 > MAX_LOG2) throw new RangeError(`fingerprint table full: more than ${this.limit} states`);
    this.slots = new Uint32Array(2 << log2);
    this.values = new Uint8Array(1 << log2);
    this.mask = (1 << log2) - 1;
    this.limit = Math.floor((this.mask + 1) * 0.75);
    const s = this.slots;
    for (let j = 0; j < old.length; j += 2) {
      const lo = old[j] as number;
      const hi = old[j + 1] as number;
      if ((lo | hi) === 0) continue;
      let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
      while (((s[2 * i] as number) | (s[2 * i + 1] as number)) !== 0) i = (i + 1) & this.mask;
      s[2 * i] = lo;
      s[2 * i + 1] = hi;
      this.values[i] = oldValues[j >> 1] as number;
    }
  }
}
