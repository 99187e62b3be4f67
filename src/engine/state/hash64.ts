/**
 * A 64-bit hash built as two 32-bit lanes (JS has no cheap 64-bit integer arithmetic): MurmurHash3's
 * x86 block mixing on each lane with different seeds and constants, cross-mixed at the end. Words go in one
 * at a time, so a state is hashed as it is walked, without building a string.
 *
 * With n states in the table, the chance that two distinct states share a fingerprint is about n²/2^65
 * (the birthday bound TLC prints), if the two lanes behave like independent uniform hashes.
 */

export class Hash64 {
  lo = 0;
  hi = 0;
  private n = 0;

  reset(): void {
    this.lo = 0x9747b28c;
    this.hi = 0x2f8c1d5e;
    this.n = 0;
  }

  /** Mixes one 32-bit word (numbers are truncated to their low 32 bits). */
  word(x: number): void {
    let k = Math.imul(x | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h = this.lo ^ k;
    h = (h << 13) | (h >>> 19);
    this.lo = (Math.imul(h, 5) + 0xe6546b64) | 0;

    let j = Math.imul(x | 0, 0x85ebca6b);
    j = (j << 17) | (j >>> 15);
    j = Math.imul(j, 0xc2b2ae35);
    let g = this.hi ^ j;
    g = (g << 15) | (g >>> 17);
    this.hi = (Math.imul(g, 9) + 0x38495ab5) | 0;
    this.n++;
  }

  /** Ends the hash: length, avalanche, cross-mix. Leaves `lo`/`hi` as unsigned 32-bit values. */
  finish(): void {
    let h1 = this.lo ^ this.n;
    let h2 = this.hi ^ this.n;
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    h1 = fmix32(h1);
    h2 = fmix32(h2);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    this.lo = h1 >>> 0;
    this.hi = h2 >>> 0;
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Probability that n distinct states collide somewhere in a 64-bit fingerprint table (≈ n²/2^65). */
export function collisionProbability(n: number): number {
  return Math.min(1, (n * n) / 2 ** 65);
}

/** `fingerprint collision probability 6.1e-11` for n states, as the search reports print it. */
export function collisionOdds(n: number): string {
  const p = collisionProbability(n);
  return `fingerprint collision probability ${p < 1e-15 ? "< 1e-15" : p.toExponential(1)}`;
}
