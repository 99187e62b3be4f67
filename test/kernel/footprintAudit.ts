/**
 * The footprint audit: checks that every step declares, in its footprint, every struct page field it
 * touches. Partial-order reduction (sleep sets, DPOR) treats two steps as independent when their
 * footprints share nothing written; a field access left out of a footprint would make a real race look
 * independent and prune it silently.
 *
 * Every struct page is wrapped in a Proxy at allocation (mm_types.ts `setPageWrapper`) that logs the
 * field accesses made while a step runs (`rt.stepping`: not wait conditions, not final-state checks, not
 * reports). After each step, each logged access must be covered by the step's footprint
 * (`pageFieldIds`): a write that changed a field by a write of its id; a read by any access to its id.
 * Flag words are audited per bit for writes (the bits that changed); a read of the flag word is covered
 * by any flag bit of that page in the footprint (which bit a test reads is not visible to the Proxy:
 * every flag test goes through page-flags.ts `test_bit`, which records its bit).
 */
import { runExecution } from "../../src/engine/execution.js";
import type { Program } from "../../src/engine/program.js";
import { READ, rt } from "../../src/engine/runtime.js";
import { where } from "../../src/engine/site.js";
import type { Strategy } from "../../src/engine/strategy/strategy.js";
import { type Page, pageFieldIds, setPageWrapper } from "../../src/kernel/include/linux/mm_types.js";

interface Access {
  readonly page: Page;
  readonly key: string;
  readonly write: boolean;
  /** For a write of `flags`: the bits that changed; for a read of `flags`: every bit. */
  readonly bits: number;
}

export interface Violation {
  /** `thread site`: where the step ended. */
  readonly step: string;
  readonly access: string;
}

const ALL_FLAG_BITS = (1 << 22) - 1;

/** Runs `executions` executions under `strategy` with audited pages; returns the distinct violations. */
export function auditFootprints(program: Program, strategy: Strategy, executions: number): Violation[] {
  const log: Access[] = [];
  const found = new Map<string, Violation>();
  setPageWrapper(
    (page) =>
      new Proxy(page, {
        get(t, key, recv) {
          if (rt.stepping && typeof key === "string") log.push({ page: t, key, write: false, bits: ALL_FLAG_BITS });
          return Reflect.get(t, key, recv);
        },
        set(t, key, value, recv) {
          if (rt.stepping && typeof key === "string") {
            const old = (t as unknown as Record<string, unknown>)[key];
            if (!Object.is(old, value)) {
              const bits = key === "flags" ? (old as number) ^ (value as number) : 0;
              log.push({ page: t, key, write: true, bits });
            }
          }
          return Reflect.set(t, key, value, recv);
        },
      }),
  );
  try {
    for (let i = 0; i < executions && strategy.newExecution(); i++) {
      let pending: Violation[] = [];
      const r = runExecution(program, strategy, {
        onStep: (th) => {
          for (const v of pending) found.set(`${v.step} ${v.access}`, v);
          pending = uncovered(log, `${th.name} ${th.site === null ? "end" : `${where(th.site)} ${th.site.label}`}`);
          log.length = 0;
        },
      });
      // The last step's accesses count only when the step ended normally (a failing step may read
      // anything to report the failure).
      if (r.verdict === "completed") for (const v of pending) found.set(`${v.step} ${v.access}`, v);
      strategy.endExecution(r);
    }
  } finally {
    setPageWrapper(null);
  }
  return [...found.values()];
}

/** The accesses in `log` that the current footprint (rt.fp) does not cover. */
function uncovered(log: readonly Access[], step: string): Violation[] {
  const declared = new Map<number, boolean>(); // id → written
  for (let i = 0; i < rt.fpLen; i++) {
    const e = rt.fp[i] as number;
    const id = e >> 2;
    declared.set(id, (declared.get(id) ?? false) || (e & 3) !== READ);
  }
  const out: Violation[] = [];
  for (const a of log) {
    const ids = pageFieldIds(a.page, a.key, a.bits);
    if (ids.length === 0) continue;
    const ok =
      a.key === "flags" && !a.write
        ? ids.some((id) => declared.has(id))
        : ids.every((id) => (a.write ? declared.get(id) === true : declared.has(id)));
    if (!ok) out.push({ step, access: `${a.write ? "write" : "read"} ${a.page.name}.${a.key}` });
  }
  return out;
}
