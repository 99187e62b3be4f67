/**
 * The canonical walk (src/engine/state/canon.ts): two heaps give the same words exactly when they are
 * isomorphic from the roots — same values, same shape, same sharing — up to the labels a class declares
 * not state. These are the properties the stateful search's soundness rests on.
 */
import { describe, expect, test } from "vitest";
import { CanonicalWalker } from "../../../src/engine/state/canon.js";
import { knownText } from "../../../src/engine/state/knownText.js";
import { HashSink, TextSink } from "../../../src/engine/state/sinks.js";

const hashWalker = new CanonicalWalker(new HashSink());
const textWalker = new CanonicalWalker(new TextSink());

/** The 64-bit hash of a walk of `roots`, as a string. */
function hash(...roots: unknown[]): string {
  const sink = hashWalker.sink as HashSink;
  sink.h.reset();
  hashWalker.begin();
  for (const r of roots) hashWalker.value(r);
  sink.h.finish();
  return `${sink.h.hi}:${sink.h.lo}`;
}

/** The text of a walk of `roots`. */
function text(...roots: unknown[]): string {
  textWalker.begin();
  for (const r of roots) textWalker.value(r);
  return (textWalker.sink as TextSink).take();
}

class Node {
  static readonly notState = ["id"];
  static readonly threadIdFields = ["owner"];
  constructor(
    readonly id: number,
    public value: number,
    public next: Node | null = null,
    public owner = -1,
  ) {}
}

describe("canonical walk", () => {
  test("isomorphic heaps give the same words; object identity and labels do not matter", () => {
    const a = new Node(1, 5, new Node(2, 6));
    const b = new Node(7, 5, new Node(9, 6)); // other ids (not state), same values and shape
    expect(hash(a)).toBe(hash(b));
    expect(text(a)).toBe(text(b));
  });

  test("a different value, shape or sharing gives different words", () => {
    const shared = new Node(1, 1);
    const twoRefs = [shared, shared];
    const twoCopies = [new Node(1, 1), new Node(2, 1)];
    expect(hash(twoRefs)).not.toBe(hash(twoCopies));
    expect(hash(new Node(1, 5))).not.toBe(hash(new Node(1, 6)));
    const extra = new Node(1, 5) as Node & { more?: number };
    extra.more = 0; // a key the class's other instances do not have
    expect(hash(extra)).not.toBe(hash(new Node(1, 5)));
    expect(hash({ x: 1, y: 2 })).not.toBe(hash({ y: 2, x: 1 })); // key order is shape
  });

  test("numbering restarts with every walk, whatever was walked before", () => {
    const x = new Node(1, 1, new Node(2, 2));
    const first = hash(x);
    // Walk other heaps that reach x's objects in another order, and many fresh objects.
    const y = [x.next, x, new Node(3, 3)];
    hash(y);
    for (let i = 0; i < 100; i++) hash(Array.from({ length: 1000 }, (_, k) => ({ k })));
    expect(hash(x)).toBe(first);
  });

  test("two walkers over the same objects keep their own numbering (each stamps under its own symbol)", () => {
    // The hash and text walkers meet the same model objects; one's stamps must never read as the
    // other's. Interleave them over shared objects reached in different orders and compare with a walker
    // that has never seen them.
    const shared = new Node(1, 1, new Node(2, 2));
    const fresh = () => {
      const w = new CanonicalWalker(new TextSink());
      w.begin();
      w.value([shared, shared.next, shared]);
      return (w.sink as TextSink).take();
    };
    const expected = fresh();
    for (let i = 0; i < 3; i++) {
      hash([shared.next, new Node(3, 3), shared]);
      expect(text([shared, shared.next, shared])).toBe(expected);
      text([new Node(4, 4), shared.next]);
    }
    expect(Object.keys(shared)).toEqual(["id", "value", "next", "owner"]); // stamps are not keys
  });

  test("a cycle walks as a back-reference", () => {
    const a = new Node(1, 1);
    a.next = a;
    const b = new Node(2, 1);
    b.next = new Node(3, 1);
    expect(hash(a)).not.toBe(hash(b));
    expect(text(a)).toContain("10 0"); // T_REF to object 0
  });

  test("thread-id fields are renamed under a thread map", () => {
    const owned0 = new Node(1, 1, null, 0);
    const owned1 = new Node(1, 1, null, 1);
    const plain0 = hash(owned0);
    expect(plain0).not.toBe(hash(owned1));
    hashWalker.threadMap = [1, 0];
    const swapped1 = hash(owned1);
    hashWalker.threadMap = null;
    expect(swapped1).toBe(plain0);
  });

  test("known strings hash as their text does", () => {
    const h1 = new HashSink();
    const h2 = new HashSink();
    h1.h.reset();
    h2.h.reset();
    h1.text("truncate_inode_pages_range");
    h2.known(knownText("truncate_inode_pages_range"));
    h1.h.finish();
    h2.h.finish();
    expect([h1.h.hi, h1.h.lo]).toEqual([h2.h.hi, h2.h.lo]);
    const t1 = new TextSink();
    const t2 = new TextSink();
    t1.text("x");
    t2.known(knownText("x"));
    expect(t1.take()).toBe(t2.take());
  });

  test("a frame's locals: the same per function, different values differ, a shared object is a reference", () => {
    const fn = { name: "f" };
    const walkLocals = (locals: object, before: unknown = null): string => {
      const sink = hashWalker.sink as HashSink;
      sink.h.reset();
      hashWalker.begin();
      hashWalker.value(before);
      hashWalker.locals(fn, locals);
      sink.h.finish();
      return `${sink.h.hi}:${sink.h.lo}`;
    };
    expect(walkLocals({ i: 1, page: null })).toBe(walkLocals({ i: 1, page: null }));
    expect(walkLocals({ i: 1, page: null })).not.toBe(walkLocals({ i: 2, page: null }));
    expect(walkLocals({ i: 1, page: null })).not.toBe(walkLocals({ i: 1, other: null }));
    const locals = { i: 1 };
    // Reached first from the roots, the locals object is then a back-reference, not a second copy.
    expect(walkLocals(locals, [locals])).not.toBe(walkLocals({ i: 1 }, [{ i: 1 }]));
  });

  test("instances of one class with different keys each walk by their own key list", () => {
    class Bag {
      a = 1;
    }
    const plain = new Bag();
    const more = Object.assign(new Bag(), { b: 2 });
    expect(text(plain)).toContain('"Bag{a}"');
    expect(text(more)).toContain('"Bag{a,b}"');
    expect(text(plain)).not.toBe(text(more));
    expect(hash(plain)).toBe(hash(new Bag()));
  });

  test("keys are compared once per object; checkKeysAlways catches an object that changed them", () => {
    // The walk's assumption (model objects never gain or lose keys after they are made) is what this
    // debug mode checks in the soundness tests; an object breaking it is reported, not walked wrongly.
    class Bag {
      a = 1;
    }
    const bag = new Bag();
    hash(bag);
    (bag as unknown as { b: number }).b = 2;
    CanonicalWalker.checkKeysAlways = true;
    try {
      expect(() => hash(bag)).toThrow(/keys of a Bag object changed after it was first walked/);
    } finally {
      CanonicalWalker.checkKeysAlways = false;
    }
  });
});
