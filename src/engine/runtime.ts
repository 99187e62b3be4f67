/**
 * The model-facing runtime: what code running inside a simulated thread may use.
 *
 * Model code runs one step at a time, so the engine can keep "the current thread" and "the current step's
 * footprint" in module state, as the kernel keeps `current`: model functions need no context argument and
 * keep their C signatures. Only the engine (execution.ts) writes `rt`.
 *
 * - `yield someSite` ends the current atomic step at that site.
 * - `yield waitUntil(site, cond, what)` ends the step and disables the thread until `cond()` holds.
 * - `yield call(gen)` runs `gen` on the thread's explicit generator stack (an alternative to `yield*`,
 *   measured in bench/).
 * - `enter(fn, locals)` / `leave(value)` keep the thread's call trace: the frames an oops prints.
 * - `read(obj)`, `write(obj)`, `lock(obj)` record the step's footprint on shared objects.
 */
import type { FnInfo, Site } from "./site.js";

/** Suspends the thread until `cond()` holds: blocking as a condition, never a spin. */
export interface Wait {
  readonly op: 1;
  readonly site: Site;
  readonly cond: () => boolean;
  /** What the thread waits for, for deadlock reports ("page lock of page 3"). */
  readonly what: string;
}

/** Runs a callee on the thread's explicit generator stack; its return value is sent back. */
export interface Call {
  readonly op: 2;
  readonly gen: Gen<unknown>;
}

/** What a model generator may yield. */
export type Yielded = Site | Wait | Call;

/** A model function that may stop: a generator of Yielded returning R. */
export type Gen<R = void> = Generator<Yielded, R, unknown>;

/** One active function of a thread: what a call trace line and a state fingerprint are made of. */
export interface Frame {
  readonly fn: FnInfo;
  /** The site this frame last stopped at (for the top frame: where the thread is now). */
  site: Site | null;
  /** The locals that steer this function (cursor, loop index, pagevec...), readable by the engine. */
  readonly locals: object | null;
  /**
   * Calls this frame made since it last stopped at a site of its own. While a callee runs, the caller's
   * resume point is "after its n-th call since `site`": part of the state, because two calls of one
   * function from one caller (same site, same locals) return to different code.
   */
  calls: number;
}

/** Scheduler-visible state of a simulated thread. */
export interface ThreadState {
  readonly id: number;
  readonly name: string;
  readonly frames: Frame[];
  /** Model-owned per-thread data (CPU number, RCU nesting...), opaque to the engine. */
  readonly local: Record<string, unknown>;
  site: Site | null;
  wait: Wait | null;
  done: boolean;
}

/** Footprint entry kinds, packed as `obj * 4 + kind`. */
export const READ = 1;
export const WRITE = 2;
export const LOCK = 3;

/** Engine-owned module state. Model code reads `rt.current`; only the engine assigns. */
export const rt: {
  current: ThreadState;
  /** Footprint of the step being run, `obj * 4 + kind`; `fpLen` entries are valid. */
  fp: number[];
  fpLen: number;
  /** Next fresh shared-object id (ids restart at 1 every execution). */
  nextObject: number;
  /** Next fresh field id (`newFieldIds`; restart at FIELD_IDS every execution). */
  nextField: number;
  /** True while a step runs (model code between two yields), false while the engine works between steps. */
  stepping: boolean;
  /** Debug hook (the footprint audit): wraps every shared model object as it is made; null normally. */
  wrapShared: ((o: object) => object) | null;
  /** When true, `note()` keeps what the model says about the current step (trace recording). */
  recording: boolean;
  /** Notes of the current step, when recording. */
  notes: string[];
} = {
  current: undefined as unknown as ThreadState,
  fp: [],
  fpLen: 0,
  nextObject: 1,
  nextField: 0,
  stepping: false,
  wrapShared: null,
  recording: false,
  notes: [],
};

/**
 * Attaches a human-readable remark to the current step ("returns tail page H+3 at index 3"), for the
 * narrative and the viewer. The text is built only while a trace is being recorded.
 */
export function note(text: () => string): void {
  if (!rt.recording) return;
  const f = rt.current.frames;
  let i = f.length - 1;
  while (i >= 0 && (f[i] as Frame).fn.inline === true) i--;
  const where = i >= 0 ? `${(f[i] as Frame).fn.name}: ` : "";
  rt.notes.push(where + text());
}

/** A fresh shared-object id, unique within the current execution (ids restart every execution). */
export function newObject(): number {
  if (rt.nextObject >= FIELD_IDS) throw new RangeError("newObject: more than 2^22 shared objects in one execution");
  return rt.nextObject++;
}

/**
 * Where field ids start: above any object id an execution hands out, so that an object's fields can be
 * footprinted apart (a struct page's flag bits, refcount, mapping...) without changing object ids, which
 * reports show (node `N10`). Footprint entries are `id * 4 + kind` in 32 bits: ids stay below 2^29.
 */
export const FIELD_IDS = 1 << 22;

/**
 * `n` consecutive fresh ids for the fields of one object: steps that touch different fields of it are
 * independent (partial-order reduction).
 */
export function newFieldIds(n: number): number {
  const first = FIELD_IDS + rt.nextField;
  rt.nextField += n;
  if (first + n >= 1 << 29) throw new RangeError("newFieldIds: more than 2^29 shared-object ids in one execution");
  return first;
}

/**
 * What a constructor of shared model memory (a struct page, an XArray node, an inode...) returns: the
 * object itself, or what the debug hook `rt.wrapShared` makes of it (the footprint audit's Proxy).
 */
export function shared<T extends object>(o: T): T {
  const w = rt.wrapShared;
  return w === null ? o : (w(o) as T);
}

/** Records that the current step read shared object `obj`. */
export function read(obj: number): void {
  rt.fp[rt.fpLen++] = obj * 4 + READ;
}

/** Records that the current step wrote shared object `obj`. */
export function write(obj: number): void {
  rt.fp[rt.fpLen++] = obj * 4 + WRITE;
}

/** Records that the current step acquired or released lock object `obj`. */
export function lock(obj: number): void {
  rt.fp[rt.fpLen++] = obj * 4 + LOCK;
}

/** Pushes a frame for `fn` on the current thread; returns `locals` for the caller to use. */
export function enter<L extends object>(fnInfo: FnInfo, locals: L): L {
  const f = rt.current.frames;
  if (f.length > 0) (f[f.length - 1] as Frame).calls++;
  f.push({ fn: fnInfo, site: null, locals, calls: 0 });
  return locals;
}

/** Pushes a frame with no locals. */
export function enterFn(fnInfo: FnInfo): void {
  const f = rt.current.frames;
  if (f.length > 0) (f[f.length - 1] as Frame).calls++;
  f.push({ fn: fnInfo, site: null, locals: null, calls: 0 });
}

/**
 * Pops the current thread's top frame and passes `value` through, for `return leave(x)`.
 * Frames are not popped when a model assertion throws: the oops needs the stack as it was.
 */
export function leave<T>(value: T): T {
  rt.current.frames.pop();
  return value;
}

/** A wait: yield it to block until `cond()` holds. */
export function waitUntil(s: Site, cond: () => boolean, what: string): Wait {
  return { op: 1, site: s, cond, what };
}

/** An explicit-stack call: `const r = (yield call(f(x))) as R`. */
export function call(gen: Gen<unknown>): Call {
  return { op: 2, gen };
}
