/**
 * BUG_ON, VM_BUG_ON, VM_BUG_ON_PAGE, WARN_ON and the model's own invariants.
 *
 * VM_BUG_ON* fire only with CONFIG_DEBUG_VM (include/linux/mmdebug.h); BUG_ON always. A firing check throws
 * a ModelAssertion carrying the kernel file:line and, for the _PAGE forms, a dump_page() of the page, so
 * the engine ends the execution with a `bug` verdict and the stacks as they were.
 * WARN_ON does not stop the kernel: it is recorded in the execution's log (kernel/printk.ts).
 * With CONFIG_DEBUG_VM off, damage must be caught by `model_invariant` checks (use after free, refcount
 * underflow, a page freed while still in the cache or mapped, a slot pointing at the wrong page).
 */
import { ModelAssertion } from "../engine/errors.js";
import { kconfig } from "./config.js";
import type { Page } from "./include/linux/mm_types.js";
import { dump_page } from "./mm/debug.js";
import { printk } from "./printk.js";

export interface KSite {
  readonly file: string;
  readonly line: number;
}

function fire(kind: string, at: KSite, condition: string, detail: string[], fatal = true): never {
  throw new ModelAssertion({
    kind,
    site: at,
    condition,
    message: `kernel BUG at ${at.file}:${at.line}!`,
    detail,
    fatal,
  });
}

/** BUG_ON(cond): always compiled in. */
export function BUG_ON(cond: boolean, at: KSite, condition: string): void {
  if (cond) fire("BUG_ON", at, condition, []);
}

/** VM_BUG_ON(cond): only with CONFIG_DEBUG_VM. */
export function VM_BUG_ON(cond: boolean, at: KSite, condition: string): void {
  if (cond && kconfig.current.DEBUG_VM) fire("VM_BUG_ON", at, condition, []);
}

/**
 * VM_BUG_ON_PAGE(cond, page): only with CONFIG_DEBUG_VM. `cond` is a thunk because with DEBUG_VM off the
 * kernel does not evaluate it (BUILD_BUG_ON_INVALID): the model must not record its reads either.
 */
export function VM_BUG_ON_PAGE(cond: () => boolean, page: Page, at: KSite, condition: string): void {
  if (kconfig.current.DEBUG_VM && cond()) {
    fire("VM_BUG_ON_PAGE", at, condition, dump_page(page, `VM_BUG_ON_PAGE(${condition})`));
  }
}

/** VM_BUG_ON with a thunk, for conditions with reads the kernel would not do without DEBUG_VM. */
export function VM_BUG_ON_LAZY(cond: () => boolean, at: KSite, condition: string): void {
  if (kconfig.current.DEBUG_VM && cond()) fire("VM_BUG_ON", at, condition, []);
}

/** WARN_ON(cond): logs a warning and returns cond; the kernel goes on. */
export function WARN_ON(cond: boolean, at: KSite, condition: string): boolean {
  if (cond) printk(`WARNING: CPU: ? at ${at.file}:${at.line} (${condition})`);
  return cond;
}

/** WARN_ON_ONCE: as WARN_ON (once per execution is enough for the model's log). */
export function WARN_ON_ONCE(cond: boolean, at: KSite, condition: string): boolean {
  return WARN_ON(cond, at, condition);
}

/**
 * A model invariant: damage the real kernel would not notice at once (or only much later), caught where
 * it happens. Fires whatever CONFIG_DEBUG_VM says; `at` is where in the model's kernel code it was seen.
 */
export function model_invariant(cond: boolean, at: KSite, what: string, page?: Page): void {
  if (cond) return;
  throw new ModelAssertion({
    kind: "invariant",
    site: at,
    condition: what,
    message: `mmrace: kernel state damaged at ${at.file}:${at.line}: ${what}`,
    detail: page === undefined ? [] : dump_page(page, what),
    fatal: true,
  });
}

/** A bad_page() report: the kernel taints itself and leaks the page; the model ends the execution. */
export function report_bad_page(page: Page, reason: string, at: KSite): never {
  throw new ModelAssertion({
    kind: "bad_page",
    site: at,
    condition: reason,
    message: `BUG: Bad page state in process ${String(page.pfn)}`,
    detail: dump_page(page, reason),
    fatal: false,
  });
}
