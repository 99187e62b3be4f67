/**
 * What a state is, for the stateful search: the program's shared memory (walked from its `stateRoots`) and,
 * for every thread, whether it finished, what it waits for, and its frames — function, the site it stopped
 * at, its locals — plus its model-owned per-thread record (`local`: CPU, RCU nesting, process state).
 *
 * JavaScript variables of a generator are not part of this: a model function keeps everything it uses
 * after a yield in its frame's locals (docs/model.md, "What a state is"). Frames are walked after the
 * shared memory, with one object numbering, so a local pointing at a page and the page cache pointing at
 * it are recognised as the same page.
 */
import type { Program } from "../program.js";
import type { ThreadState } from "../runtime.js";
import type { FnInfo } from "../site.js";
import type { CanonicalWalker, KnownText } from "./canon.js";
import { Hash64 } from "./hash64.js";
import { knownText } from "./knownText.js";

/**
 * Walks the state. With `perm` (thread id → slot; symmetry), thread `t` is walked in slot `perm[t]` and
 * every thread id stored in the model is renamed the same way, so swapping identical threads gives the
 * same words.
 */
export function walkState(
  w: CanonicalWalker,
  program: Program,
  threads: readonly ThreadState[],
  perm: readonly number[] | null = null,
): void {
  w.begin();
  w.threadMap = perm;
  const sink = w.sink;
  const roots = program.stateRoots?.() ?? [];
  sink.word(roots.length);
  for (let i = 0; i < roots.length; i++) w.value(roots[i]);
  sink.word(threads.length);
  if (perm === null) {
    for (let t = 0; t < threads.length; t++) walkThread(w, threads[t] as ThreadState);
  } else {
    for (let slot = 0; slot < threads.length; slot++) walkThread(w, threads[perm.indexOf(slot)] as ThreadState);
  }
  w.threadMap = null;
}

/** Every renaming of threads that permutes each group of identical threads among itself (capped). */
export function symmetryPerms(n: number, groups: readonly (readonly number[])[], cap = 120): number[][] {
  let perms: number[][] = [Array.from({ length: n }, (_, i) => i)];
  for (const g of groups) {
    if (g.length < 2) continue;
    const next: number[][] = [];
    for (const base of perms) {
      for (const order of permutations(g.length)) {
        const p = base.slice();
        for (let i = 0; i < g.length; i++) p[g[i] as number] = g[order[i] as number] as number;
        next.push(p);
        if (next.length > cap) throw new RangeError(`more than ${cap} symmetric renamings of threads`);
      }
    }
    perms = next;
  }
  return perms;
}

function permutations(k: number): number[][] {
  if (k === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(k - 1)) {
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), k - 1, ...p.slice(i)]);
  }
  return out;
}

/** Function names with their hash words, by function (FnInfo objects are made once, at module load). */
const fnNames = new WeakMap<FnInfo, KnownText>();

function fnName(fn: FnInfo): KnownText {
  let k = fnNames.get(fn);
  if (k === undefined) {
    k = knownText(fn.name);
    fnNames.set(fn, k);
  }
  return k;
}

/**
 * A cheap summary of a thread's control state: whether it finished, the site it waits at, the site it is
 * stopped at, and each frame's function, site and call count. It never includes the thread's id, so two
 * interchangeable threads in swapped states get swapped signatures. Symmetry orders interchangeable
 * threads by it (probe.ts); equal signatures, or a collision of this 32-bit mix, only mean that order
 * cannot decide and every renaming is walked.
 */
export function threadSignature(th: ThreadState): number {
  const h = signatureHash;
  h.reset();
  h.word(th.done ? 1 : 0);
  h.word(th.wait === null ? 0 : th.wait.site.key);
  h.word(th.site === null ? 0 : th.site.key);
  const frames = th.frames;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as (typeof frames)[number];
    h.word(fnName(f.fn).a);
    h.word(f.site === null ? 0 : f.site.key);
    h.word(f.calls);
  }
  h.finish();
  return h.lo;
}

const signatureHash = new Hash64();

export function walkThread(w: CanonicalWalker, th: ThreadState): void {
  const sink = w.sink;
  sink.word(th.done ? 1 : 0);
  const wait = th.wait;
  if (wait === null) sink.word(0);
  else {
    sink.word(wait.site.key);
    sink.text(wait.what);
  }
  sink.word(th.site === null ? 0 : th.site.key);
  const frames = th.frames;
  sink.word(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as (typeof frames)[number];
    sink.known(fnName(f.fn));
    sink.word(f.site === null ? 0 : f.site.key);
    sink.word(f.calls);
    w.locals(f.fn, f.locals);
  }
  w.value(th.local);
}
