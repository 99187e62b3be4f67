/**
 * The footprint audit: checks that every step declares, in its footprint, every access it makes to shared
 * model memory. Partial-order reduction (sleep sets, DPOR) treats two steps as independent when their
 * footprints share nothing written; an access left out of a footprint would make a real race look
 * independent and prune it silently.
 *
 * In an audited run every shared object (struct page, XArray and node, inode, address_space, VMA,
 * spinlock, rw_semaphore) is a Proxy from its constructor on (runtime.ts `shared`), and so are a node's
 * slot array, a VMA's PTE array and a mapping's list of VMAs (i_mmap). While a step runs (`rt.stepping`:
 * not wait conditions, final-state checks or reports) every field access is logged, and after the step
 * each must be covered:
 * - a field with a footprint id (a page field or flag bit, a slot, a node's ->parent, xa_head,
 *   i_writecount, nr_thps, a lock word...): a changed value needs a write (or lock) of that id, a read any
 *   access to it. A read of a page's whole flag word is covered by any of its flag bits (which bit a test
 *   reads is not visible here; every test goes through page-flags.ts `test_bit`, which records its bit);
 * - a field protected by a lock (a node's ->count and ->nr_values, nrpages: xa_lock; the i_mmap list:
 *   i_mmap_rwsem held for write): the thread must hold the lock at the access; then no other thread's
 *   step can touch it while both are enabled;
 * - a field fixed when the object is made (a node's ->shift, a mapping's ->host...): never written later;
 * - labels (ids, names, pfns): not state, not audited.
 * Objects made in the current step are private to it and exempt. Steps that start or end at a wait are
 * not checked: the searches treat them as dependent on every step.
 */
import { runExecution } from "../../src/engine/execution.js";
import type { Program } from "../../src/engine/program.js";
import { READ, rt, type ThreadState } from "../../src/engine/runtime.js";
import { where } from "../../src/engine/site.js";
import type { Strategy } from "../../src/engine/strategy/strategy.js";
import { address_space, inode } from "../../src/kernel/include/linux/fs.js";
import { Page, pageFieldIds } from "../../src/kernel/include/linux/mm_types.js";
import { rw_semaphore } from "../../src/kernel/kernel/locking/rwsem.js";
import { spinlock_t } from "../../src/kernel/kernel/locking/spinlock.js";
import { XArray, xa_node } from "../../src/kernel/lib/xarray_internal.js";
import { mapping_ptes, vm_area_struct } from "../../src/kernel/mm/memory.js";

/** What covers an access to a field. */
type Cover =
  | { readonly ids: readonly number[]; readonly anyOf?: boolean }
  | { readonly lock: spinlock_t | rw_semaphore }
  | "fixed"
  | "label";

interface Access {
  readonly what: string;
  readonly write: boolean;
  readonly cover: Cover;
}

export interface Violation {
  /** `thread site`: where the step ended. */
  readonly step: string;
  readonly access: string;
}

const ALL_FLAG_BITS = (1 << 22) - 1;
const ids = (...xs: number[]): Cover => ({ ids: xs });

/** How an access to `key` of `o` is covered (bits: the flag bits a write changed; all for a read). */
function coverOf(o: object, key: string, write: boolean, bits: number): Cover {
  if (o instanceof Page) {
    if (key === "id" || key === "fid" || key === "pfn" || key === "name") return "label";
    return { ids: pageFieldIds(o, key, bits), anyOf: key === "flags" && !write };
  }
  if (o instanceof xa_node) {
    switch (key) {
      case "id":
      case "slotIds":
        return "label";
      case "parent":
      case "offset":
        return ids(o.id);
      case "count":
      case "nr_values":
      case "array": // set to XA_RCU_FREE by xa_node_free, read by the store's freed-node check: both locked
        return { lock: xaOf.get(o)?.xa_lock as spinlock_t };
      default:
        return "fixed";
    }
  }
  if (o instanceof XArray) return key === "xa_head" ? ids(o.id) : key === "id" || key === "name" ? "label" : "fixed";
  if (o instanceof inode) {
    // i_size: written by shmem_setattr (truncate(2) on tmpfs), read by split_huge_page and filemap_fault.
    if (key === "i_writecount" || key === "i_size") return ids(o.id);
    return key === "id" || key === "name" ? "label" : "fixed";
  }
  if (o instanceof address_space) {
    if (key === "nr_thps") return ids(o.nr_thps_id);
    if (key === "nrpages") return { lock: o.i_pages.xa_lock };
    return key === "id" || key === "nr_thps_id" ? "label" : "fixed";
  }
  if (o instanceof vm_area_struct) {
    if (key === "vm_flags") return ids(o.id);
    return key === "id" || key === "vm_mm" ? "label" : "fixed";
  }
  // A lock word the thread itself holds cannot change under it (assertions read it): see `logAccess`.
  if (o instanceof spinlock_t) return key === "owner" ? ids(o.id) : "label";
  if (o instanceof rw_semaphore) return key === "writer" || key === "readers" ? ids(o.id) : "label";
  return "fixed";
}

/** The XArray each node was made for (its ->array becomes XA_RCU_FREE when freed). */
const xaOf = new WeakMap<xa_node, XArray>();

function nameOf(o: object): string {
  if (o instanceof Page) return o.name;
  if (o instanceof xa_node) return `N${o.id}`;
  const n = (o as { name?: unknown }).name;
  return `${o.constructor.name}${typeof n === "string" ? ` ${n}` : ""}`;
}

/** Runs `executions` executions under `strategy` with audited shared objects; the distinct violations. */
export function auditFootprints(program: Program, strategy: Strategy, executions: number): Violation[] {
  const log: Access[] = [];
  const made = new WeakMap<object, number>(); // object → the step it was made in
  let step = 0;
  let quiet = false;
  const found = new Map<string, Violation>();

  const logAccess = (target: object, key: string, write: boolean, bits: number, label: string): void => {
    if (quiet || !rt.stepping || made.get(target) === step) return;
    if (!write && target instanceof spinlock_t && target.owner === rt.current.id) return;
    const cover = coverOf(target, key, write, bits);
    if (cover === "label" || (cover === "fixed" && !write)) return;
    if (typeof cover === "object" && "lock" in cover && holds(cover.lock)) return;
    log.push({ what: `${write ? "write" : "read"} ${label}`, write, cover });
  };
  /** Whether the running thread holds `lock` (for write, if a rw_semaphore). */
  const holds = (lock: spinlock_t | rw_semaphore): boolean => {
    quiet = true; // the audit's own read of the lock word is not the step's
    const held = (lock instanceof spinlock_t ? lock.owner : lock.writer) === rt.current.id;
    quiet = false;
    return held;
  };
  const fieldTrap = (): ProxyHandler<object> => ({
    get(t, key, recv) {
      if (typeof key === "string") logAccess(t, key, false, ALL_FLAG_BITS, `${nameOf(t)}.${key}`);
      return Reflect.get(t, key, recv);
    },
    set(t, key, value, recv) {
      if (typeof key === "string") {
        const old = (t as Record<string, unknown>)[key];
        if (!Object.is(old, value)) {
          const bits = key === "flags" ? (old as number) ^ (value as number) : 0;
          logAccess(t, key, true, bits, `${nameOf(t)}.${key}`);
        }
      }
      return Reflect.set(t, key, value, recv);
    },
  });
  /** A Proxy for an owner's array whose element i is covered by `idOf(i)`. */
  const arrayTrap = (owner: object, idOf: (i: number) => number, label: string): ProxyHandler<unknown[]> => {
    const at = (key: string | symbol): number => (typeof key === "string" ? Number(key) : Number.NaN);
    const log1 = (key: string | symbol, write: boolean) => {
      const i = at(key);
      if (!Number.isInteger(i) || !rt.stepping || made.get(owner) === step) return;
      log.push({ what: `${write ? "write" : "read"} ${label}[${i}]`, write, cover: ids(idOf(i)) });
    };
    return {
      get(t, key, recv) {
        log1(key, false);
        return Reflect.get(t, key, recv);
      },
      set(t, key, value, recv) {
        if (!Object.is(Reflect.get(t, key), value)) log1(key, true);
        return Reflect.set(t, key, value, recv);
      },
    };
  };

  /** A Proxy for a list all of whose accesses (elements and length) need `lock` held by the thread. */
  const lockedListTrap = (owner: object, lock: rw_semaphore, label: string): ProxyHandler<unknown[]> => {
    const log1 = (key: string | symbol, write: boolean) => {
      if (typeof key !== "string" || (key !== "length" && !Number.isInteger(Number(key)))) return;
      if (quiet || !rt.stepping || made.get(owner) === step || holds(lock)) return;
      log.push({ what: `${write ? "write" : "read"} ${label}[${key}]`, write, cover: { lock } });
    };
    return {
      get(t, key, recv) {
        log1(key, false);
        return Reflect.get(t, key, recv);
      },
      set(t, key, value, recv) {
        log1(key, true);
        return Reflect.set(t, key, value, recv);
      },
      deleteProperty(t, key) {
        log1(key, true);
        return Reflect.deleteProperty(t, key);
      },
    };
  };

  rt.wrapShared = (o) => {
    const when = rt.stepping ? step : -1; // -1: made by setup, shared from the start
    made.set(o, when);
    if (o instanceof xa_node) {
      xaOf.set(o, o.array as XArray);
      const node = o;
      (o as { slots: unknown[] }).slots = new Proxy(
        o.slots,
        arrayTrap(o, (i) => node.slotIds[i] as number, `N${o.id}.slots`),
      );
    }
    if (o instanceof vm_area_struct) {
      const vma = o;
      (o as { ptes: unknown[] }).ptes = new Proxy(
        o.ptes,
        arrayTrap(o, () => vma.id, `VMA ${o.vm_mm}.ptes`),
      );
    }
    const p = new Proxy(o, fieldTrap());
    made.set(p, when);
    if (o instanceof address_space) {
      // memory.ts i_mmap() finds this list for the mapping the model holds (the Proxy).
      const list = new Proxy([], lockedListTrap(p, o.i_mmap_rwsem, `${nameOf(o)}.i_mmap`)) as vm_area_struct[];
      mapping_ptes.set(p as address_space, list);
    }
    return p;
  };
  try {
    for (let i = 0; i < executions && strategy.newExecution(); i++) {
      const waited = new Set<number>(); // threads whose last step ended at a wait
      let pending: Violation[] = [];
      const r = runExecution(program, strategy, {
        onStep: (th: ThreadState) => {
          for (const v of pending) found.set(`${v.step} ${v.access}`, v);
          const skip = th.wait !== null || waited.has(th.id);
          if (th.wait !== null) waited.add(th.id);
          else waited.delete(th.id);
          pending = skip
            ? []
            : uncovered(log, `${th.name} ${th.site === null ? "end" : `${where(th.site)} ${th.site.label}`}`);
          log.length = 0;
          step++;
        },
      });
      // The last step counts only when the execution ended normally (a failing step may read anything to
      // report the failure).
      if (r.verdict === "completed") for (const v of pending) found.set(`${v.step} ${v.access}`, v);
      strategy.endExecution(r);
    }
  } finally {
    rt.wrapShared = null;
  }
  return [...found.values()];
}

/** The logged accesses the current footprint (rt.fp) does not cover. */
function uncovered(log: readonly Access[], step: string): Violation[] {
  const declared = new Map<number, boolean>(); // id → written or locked
  for (let i = 0; i < rt.fpLen; i++) {
    const e = rt.fp[i] as number;
    const id = e >> 2;
    declared.set(id, (declared.get(id) ?? false) || (e & 3) !== READ);
  }
  const out: Violation[] = [];
  for (const a of log) {
    // Only accesses that need a footprint are logged: labels never, fixed fields and locked ones only
    // when they break their rule (a later write; no lock held).
    const c = a.cover;
    if (c === "label") continue;
    if (c === "fixed") out.push({ step, access: a.what });
    else if ("lock" in c) out.push({ step, access: `${a.what} without its lock` });
    else {
      const ok =
        c.anyOf === true
          ? c.ids.some((id) => declared.has(id))
          : c.ids.every((id) => (a.write ? declared.get(id) === true : declared.has(id)));
      if (!ok) out.push({ step, access: a.what });
    }
  }
  return out;
}
