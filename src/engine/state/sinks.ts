/**
 * The two sinks of a canonical walk: a 64-bit hash (what the stateful search stores) and a text of the
 * same words (what the soundness checks compare, to show that equal fingerprints mean equal states).
 */
import type { KnownText, StateSink } from "./canon.js";
import { Hash64 } from "./hash64.js";
import { stringHash } from "./knownText.js";

/** Hashes words as they come; strings are hashed once and cached (names repeat in every state). */
export class HashSink implements StateSink {
  readonly h = new Hash64();
  /** Two independent 32-bit hashes per string, so strings do not weaken the 64-bit fingerprint. */
  private readonly strings = new Map<string, readonly [number, number]>();

  word(x: number): void {
    this.h.word(x);
  }

  text(s: string): void {
    let k = this.strings.get(s);
    if (k === undefined) {
      k = stringHash(s);
      // Bounded cache: model text is a small vocabulary; anything unbounded is simply not cached.
      if (this.strings.size < 1 << 16) this.strings.set(s, k);
    }
    this.h.word(s.length);
    this.h.word(k[0]);
    this.h.word(k[1]);
  }

  known(k: KnownText): void {
    this.h.word(k.text.length);
    this.h.word(k.a);
    this.h.word(k.b);
  }
}

/** Keeps the words as text: exact, slow, for debugging and soundness tests. */
export class TextSink implements StateSink {
  readonly parts: string[] = [];

  word(x: number): void {
    this.parts.push(String(x | 0));
  }

  text(s: string): void {
    this.parts.push(JSON.stringify(s));
  }

  known(k: KnownText): void {
    this.text(k.text);
  }

  take(): string {
    const s = this.parts.join(" ");
    this.parts.length = 0;
    return s;
  }
}
