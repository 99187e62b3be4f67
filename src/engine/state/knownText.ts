/**
 * Strings in a state walk are written as their length and two independent 32-bit hashes (so that strings
 * do not weaken the 64-bit fingerprint). Strings met in every state (class labels, function names) carry
 * their hash words with them, computed once.
 */
import type { KnownText } from "./canon.js";

/** The two hash words of a string (FNV-1a and a Murmur-style lane). */
export function stringHash(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a, b];
}

export function knownText(text: string): KnownText {
  const [a, b] = stringHash(text);
  return { text, a, b };
}
