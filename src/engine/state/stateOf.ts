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
import type { CanonicalWalker } from "./canon.js";

export function walkState(w: CanonicalWalker, program: Program, threads: readonly ThreadState[]): void {
  w.begin();
  const sink = w.sink;
  const roots = program.stateRoots?.() ?? [];
  sink.word(roots.length);
  for (let i = 0; i < roots.length; i++) w.value(roots[i]);
  sink.word(threads.length);
  for (let t = 0; t < threads.length; t++) walkThread(w, threads[t] as ThreadState);
}

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
    sink.text(f.fn.name);
    sink.word(f.site === null ? 0 : f.site.key);
    sink.word(f.calls);
    w.value(f.locals);
  }
  w.value(th.local);
}
