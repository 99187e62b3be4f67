/**
 * Errors by kind. A model assertion (a kernel BUG, a bad_page report, a model invariant) is a value the
 * engine turns into a `bug` result; misuse of the engine (a bad schedule, an unknown strategy) throws a
 * UsageError whose message is one line a user can act on. Both carry a `kind` field so they survive
 * crossing workers and JSON, where classes are lost: test `kind`, not `instanceof`.
 */

/** What a model assertion carries. */
export interface AssertionInfo {
  /** Which checker fired: e.g. `VM_BUG_ON_PAGE`, `BUG_ON`, `bad_page`, `invariant`. */
  readonly kind: string;
  /** `file:line` it models, e.g. `mm/truncate.c:213`. */
  readonly site: { readonly file: string; readonly line: number };
  /** The condition as written in the source, e.g. `PageTail(page)`. */
  readonly condition: string;
  /** One-line message, e.g. `kernel BUG at mm/truncate.c:213!`. */
  readonly message: string;
  /** Model-specific detail (a page dump...), already rendered as lines. */
  readonly detail: readonly string[];
  /** Whether execution is fatal (BUG) or the model may keep going (WARN, bad_page). */
  readonly fatal: boolean;
}

const ASSERTION = Symbol.for("mmrace.assertion");
const USAGE = Symbol.for("mmrace.usage");

/** Thrown by model code when an assertion fires; the engine catches it and ends the execution. */
export class ModelAssertion extends Error {
  readonly [ASSERTION] = true;
  constructor(readonly info: AssertionInfo) {
    super(info.message);
  }
  static is(e: unknown): e is ModelAssertion {
    return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[ASSERTION] === true;
  }
}

/** Bad input to a public entry point: a one-line message, exit code 2 from the CLI. */
export class UsageError extends Error {
  readonly [USAGE] = true;
  static is(e: unknown): e is UsageError {
    return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[USAGE] === true;
  }
}

/** Fails with a one-line message when `cond` is false (debug-time invariants of the engine). */
export function invariant(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new Error(`engine invariant violated: ${msg}`);
}
