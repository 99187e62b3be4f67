import { expect, test } from "vitest";
import { Prng } from "../../../src/engine/prng.js";
import { FingerprintTable } from "../../../src/engine/state/fingerprintTable.js";
import { collisionProbability, Hash64 } from "../../../src/engine/state/hash64.js";

test("fingerprints and their values survive growth; absent ones are not found", () => {
  const t = new FingerprintTable(4); // 16 slots: grows many times below
  const rng = new Prng(9);
  const keys: [number, number, number][] = [];
  for (let i = 0; i < 20_000; i++) {
    const k: [number, number, number] = [rng.nextU32(), rng.nextU32(), i & 0xff];
    if (t.find(k[0], k[1]) >= 0) continue; // a 64-bit repeat: vanishingly unlikely
    t.insert(k[0], k[1], k[2]);
    keys.push(k);
  }
  expect(t.size).toBe(keys.length);
  for (const [lo, hi, v] of keys) {
    const slot = t.find(lo, hi);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(t.value(slot)).toBe(v);
  }
  for (let i = 0; i < 1000; i++) expect(t.find(rng.nextU32(), rng.nextU32() | 1)).toBe(-1);
  // 9 bytes per slot, at most 3/4 full and, after growing by a quarter, at least 3/5 full: between 12 and
  // 15 bytes per entry. (A table still at its first size, 2^16 slots here, may be emptier.)
  const perEntry = t.bytes / t.size;
  expect(perEntry).toBeGreaterThanOrEqual(12);
  expect(perEntry).toBeLessThanOrEqual(15);
});

test("at every size it has grown to, the table costs at most 15 bytes per entry", () => {
  // Right after growing from n slots: 9·⌈1.25n⌉ bytes for ⌊0.75n⌋ + 1 entries, at most 15 + 12/n bytes
  // each; the worst is taken over tables of 1,000 slots or more (≤ 15.012).
  const t = new FingerprintTable(4);
  let worst = 0;
  let grown = 0;
  for (let i = 1; i <= 200_000; i++) {
    const before = t.capacity;
    t.insert(i * 2654435761, i ^ 0x5bd1e995, 0);
    if (t.capacity !== before) grown++;
    if (t.capacity >= 1000) worst = Math.max(worst, t.bytes / t.size);
  }
  expect(grown).toBeGreaterThan(30); // ×1.25 from 16 slots past 200,000 entries: ~44 growths
  expect(worst).toBeLessThanOrEqual(15.012);
  expect(worst).toBeGreaterThan(14.9); // and it does get there: the bound is tight
});

test("(0, 0), the empty-slot marker, is stored as (1, 0)", () => {
  const t = new FingerprintTable(4);
  t.insert(0, 0, 7);
  expect(t.value(t.find(0, 0))).toBe(7);
  expect(t.find(1, 0)).toBe(t.find(0, 0));
});

test("Hash64: one word changes both lanes; order matters; the birthday bound", () => {
  const h = new Hash64();
  const of = (words: number[]) => {
    h.reset();
    for (const w of words) h.word(w);
    h.finish();
    return [h.lo, h.hi];
  };
  const a = of([1, 2, 3]);
  const b = of([1, 2, 4]);
  const c = of([2, 1, 3]);
  expect(a[0]).not.toBe(b[0]);
  expect(a[1]).not.toBe(b[1]);
  expect(a).not.toEqual(c);
  expect(of([1, 2, 3])).toEqual(a);
  // n states: n²/2^65.
  expect(collisionProbability(2 ** 20)).toBeCloseTo(2 ** 40 / 2 ** 65, 20);
});
