/**
 * Canonical walk of model memory, for state fingerprints.
 *
 * The walk visits values depth-first from the roots it is given, in a deterministic order (array order,
 * own enumerable property order), and names each object by the order in which it is first reached: a
 * second reference to an object is written as a back-reference to that number. Two heaps that are equal up
 * to the identity of their objects (isomorphic from the roots) therefore give the same word sequence, and
 * heaps that differ in any reachable primitive, in shape, or in sharing give different sequences.
 *
 * Everything reachable is state except functions (model closures such as free-time checks, which are
 * rebuilt each execution) and symbol-keyed properties. Objects whose properties were added in different
 * orders walk differently: that can only make two equal states look different (less pruning), never the
 * reverse.
 *
 * The sink is a hash (the fast path) or, for the soundness checks, a text of the same words.
 */

import { knownText } from "./knownText.js";

/** Where the walk's words go. */
export interface StateSink {
  word(x: number): void;
  text(s: string): void;
  /** The same words as `text(k.text)`, for a string the walk meets in every state (a class label). */
  known(k: KnownText): void;
}

/** A string with its hash words computed once (knownText.ts). */
export interface KnownText {
  readonly text: string;
  readonly a: number;
  readonly b: number;
}

const T_NULL = 1;
const T_UNDEF = 2;
const T_TRUE = 3;
const T_FALSE = 4;
const T_INT = 5;
const T_FLOAT = 6;
const T_STRING = 7;
const T_ARRAY = 8;
const T_OBJECT = 9;
const T_REF = 10;
const T_MAP = 11;
const T_SET = 12;
const T_FUNCTION = 13;
const T_BIGINT = 14;
const T_TYPED = 15;

/** A walked object, seen through the walker's symbol-keyed properties (stamp, shape tag). */
type Stamped = Record<symbol, number | undefined>;
/** Key lists remembered per class or function (an object matching none is walked by a one-off list). */
const MAX_SHAPES = 7;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Key lists of class instances, by constructor: instances of one class share their own keys. */
interface Shape {
  /** Every own enumerable key, in order (to recognise the shape). */
  readonly all: readonly string[];
  /** The keys that are state. */
  readonly keys: readonly string[];
  /** Class name and state keys in one string: written once per object instead of a name per key. */
  readonly label: KnownText;
  /** Per key: whether it holds a thread id (the class lists it in `static threadIdFields`). */
  readonly tid: readonly boolean[];
  /**
   * Walks the state keys' values in order: a function made for this key list, so that each read is a
   * read of a named property (one hidden class per site) instead of a generic `o[key]` over every class,
   * about a fifth of the walk's time (bench/RESULTS.md §12). Same words as walking the keys in a loop.
   */
  readonly walk: (w: CanonicalWalker, o: object) => void;
}

/**
 * A class may list fields that are not state in `static notState`: names and numbers that only label an
 * object for reports and footprints (ids, pfns, names), fixed when it is made. Leaving them out lets two
 * states that differ only in which object got which label (allocation order) count once; nothing the
 * threads do may depend on them (docs/model.md, "What a state is").
 */
function shapeOf(ctor: unknown, o: object): Shape {
  const c = ctor as { threadIdFields?: readonly string[]; notState?: readonly string[] };
  const tidFields = c.threadIdFields ?? [];
  const skip = c.notState ?? [];
  const all = Object.keys(o);
  const keys = all.filter((k) => !skip.includes(k));
  const name = (ctor as { name?: string }).name ?? "";
  const tid = keys.map((k) => tidFields.includes(k));
  return { all, keys, label: knownText(`${name}{${keys.join(",")}}`), tid, walk: fieldWalker(keys, tid) };
}

/**
 * `(w, o) => { w.value(o["k1"]); w.threadId(o["k2"]); ... }` for a key list. The keys are property names
 * of the model's own classes and frames (never text from a scenario file), quoted with JSON.stringify.
 */
function fieldWalker(keys: readonly string[], tid: readonly boolean[]): Shape["walk"] {
  const body = keys.map((k, i) => `w.${tid[i] === true ? "threadId" : "value"}(o[${JSON.stringify(k)}]);`).join("\n");
  return new Function("w", "o", body) as Shape["walk"];
}

export class CanonicalWalker {
  /**
   * Debug mode (soundness tests): check every object's keys on every walk, and throw if an object's keys
   * changed after they were checked (the walk assumes they never do; see `object`).
   */
  static checkKeysAlways = false;
  private count = 0;
  /**
   * Objects are numbered by a stamp, `base + n` for the n-th object of the current walk, kept on the
   * object under this walker's own symbol (a Map from object to stamp cost a hash lookup per object and
   * per walk: bench/RESULTS.md §12). Stamps of earlier walks are below `base`, which only grows (a double:
   * exact up to 2^53, ~10^12 walks of a thousand objects), so nothing is ever cleared. Symbol-keyed
   * properties are not state: the walk and `sameKeys` see string keys only.
   */
  private base = 0;
  private readonly stampKey = Symbol("canon stamp");
  /**
   * Under this symbol an object keeps k > 0 when its keys were found equal to the k-th key list of its
   * class (or of its function, for a frame's locals) the first time it was walked; see `shapeFor`.
   */
  private readonly tagKey = Symbol("canon shape");
  /** Key lists of class instances, kept on the class, and of frames' locals, kept on the function. */
  private readonly shapesKey = Symbol("canon shapes");

  /**
   * Symmetry: thread id → the id it is renamed to in this walk (fields a class declares in
   * `static threadIdFields` are written renamed; -1 stays -1). Null: no renaming.
   */
  threadMap: readonly number[] | null = null;

  constructor(readonly sink: StateSink) {}

  /** Starts a new state: object numbering restarts. */
  begin(): void {
    this.base += this.count + 1;
    this.count = 0;
  }

  value(v: unknown): void {
    const sink = this.sink;
    switch (typeof v) {
      case "number":
        if ((v | 0) === v) {
          sink.word(T_INT);
          sink.word(v);
        } else {
          f64[0] = v;
          sink.word(T_FLOAT);
          sink.word(u32[0] as number);
          sink.word(u32[1] as number);
        }
        return;
      case "string":
        sink.word(T_STRING);
        sink.text(v);
        return;
      case "boolean":
        sink.word(v ? T_TRUE : T_FALSE);
        return;
      case "undefined":
        sink.word(T_UNDEF);
        return;
      case "function":
        sink.word(T_FUNCTION);
        return;
      case "bigint":
        sink.word(T_BIGINT);
        sink.text(v.toString());
        return;
      case "symbol":
        sink.word(T_STRING);
        sink.text(String(v));
        return;
    }
    if (v === null) {
      sink.word(T_NULL);
      return;
    }
    this.object(v as object);
  }

  /**
   * The locals object of a frame of function `fn`: a plain object whose keys, for one function, are
   * nearly always the same; its key list is hashed once per function (as a class instance's is per class)
   * while the object's keys match it. The words differ from `value(locals)`'s, consistently.
   */
  locals(fn: object, o: object | null): void {
    const stamp = o === null ? undefined : (o as Stamped)[this.stampKey];
    if (
      o === null ||
      (stamp !== undefined && stamp >= this.base) ||
      (o as { constructor?: unknown }).constructor !== Object
    ) {
      this.value(o);
      return;
    }
    const shape = this.shapeFor(fn, Object, o, this.base + this.count++);
    this.sink.word(T_OBJECT);
    this.fields(o as Record<string, unknown>, shape);
  }

  /**
   * Numbers `o` with `stamp` in this walk and returns the key list to walk it by, remembered under `owner`
   * (its class, or the function of a frame's locals); `o` keeps which list matched. An
   * object's keys are compared with the remembered lists only the first time it is walked: the model's
   * objects get all their keys when they are made (class fields, object literals) and never add or delete
   * one (no `delete`, no `Object.assign`/`defineProperty` on model objects), so the match holds for the
   * object's life. The soundness tests walk with `checkKeysAlways`, which checks that on every walk.
   */
  private shapeFor(owner: object, ctor: unknown, o: object, stamp: number): Shape {
    const rec = o as Stamped;
    rec[this.stampKey] = stamp;
    const holder = owner as Record<symbol, Shape[] | undefined>;
    let list = holder[this.shapesKey];
    if (list === undefined) {
      list = [];
      holder[this.shapesKey] = list;
    }
    let tag = rec[this.tagKey] ?? 0;
    if (tag > 0 && CanonicalWalker.checkKeysAlways && !sameKeys((list[tag - 1] as Shape).all, o)) {
      throw new Error(`the keys of a ${(ctor as { name?: string }).name} object changed after it was first walked`);
    }
    if (tag === 0) {
      const i = list.findIndex((sh) => sameKeys(sh.all, o));
      if (i >= 0) tag = i + 1;
      else if (list.length < MAX_SHAPES) {
        list.push(shapeOf(ctor, o));
        tag = list.length;
      }
      if (tag > 0) rec[this.tagKey] = tag;
    }
    return tag > 0 ? (list[tag - 1] as Shape) : shapeOf(ctor, o);
  }

  /** A class instance's (or known plain object's) fields, in its shape's order, after its label. */
  private fields(rec: Record<string, unknown>, shape: Shape): void {
    this.sink.known(shape.label);
    shape.walk(this, rec);
  }

  /** A field that holds a thread id: renamed by `threadMap` (symmetry) unless it is -1. */
  threadId(v: unknown): void {
    const map = this.threadMap;
    if (map !== null && typeof v === "number" && v >= 0) this.value(map[v] ?? v);
    else this.value(v);
  }

  private object(o: object): void {
    const sink = this.sink;
    const seen = (o as Stamped)[this.stampKey];
    if (seen !== undefined && seen >= this.base) {
      sink.word(T_REF);
      sink.word(seen - this.base);
      return;
    }
    const stamp = this.base + this.count++;
    const kind = Array.isArray(o)
      ? T_ARRAY
      : o instanceof Map
        ? T_MAP
        : o instanceof Set
          ? T_SET
          : ArrayBuffer.isView(o)
            ? T_TYPED
            : T_OBJECT;
    const ctor = (o as { constructor?: { name?: string } }).constructor;
    if (kind === T_OBJECT && ctor !== Object && ctor !== undefined) {
      // A class instance: its keys are its class's, whose name and key list are hashed once per walk.
      const shape = this.shapeFor(ctor, ctor, o, stamp);
      sink.word(T_OBJECT);
      this.fields(o as Record<string, unknown>, shape);
      return;
    }
    (o as Stamped)[this.stampKey] = stamp;
    sink.word(kind);
    switch (kind) {
      case T_ARRAY: {
        const a = o as unknown[];
        sink.word(a.length);
        for (let i = 0; i < a.length; i++) this.value(a[i]);
        return;
      }
      case T_MAP: {
        const m = o as Map<unknown, unknown>;
        sink.word(m.size);
        for (const [k, x] of m) {
          this.value(k);
          this.value(x);
        }
        return;
      }
      case T_SET: {
        const set = o as Set<unknown>;
        sink.word(set.size);
        for (const k of set) this.value(k);
        return;
      }
      case T_TYPED: {
        const v = o as ArrayBufferView;
        const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        sink.word(bytes.length);
        for (let i = 0; i < bytes.length; i++) sink.word(bytes[i] as number);
        return;
      }
    }
    const rec = o as Record<string, unknown>;
    const keys = Object.keys(o);
    sink.word(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      sink.text(k);
      this.value(rec[k]);
    }
  }
}

/** Whether `o`'s own enumerable keys are exactly these, in this order. */
function sameKeys(keys: readonly string[], o: object): boolean {
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) return false;
    if (keys[n] !== k) return false;
    n++;
  }
  return n === keys.length;
}
