/**
 * spinlock_t (include/linux/spinlock.h). A CPU spinning on a held lock does nothing another CPU can
 * observe, so the model disables a thread waiting for a spinlock until the lock is free instead of letting
 * it spin (blocking as a condition; see docs/model.md). Lockless RCU readers are unaffected by the lock.
 *
 * Acquiring is a step of its own (it is a right-mover: nothing another CPU does can tell whether it happened
 * a little later). Releasing is folded into the holder's current step (a left-mover), so callers need not
 * yield after spin_unlock.
 */
import { enter, type Gen, leave, lock, newObject, rt, shared, waitUntil } from "../../../engine/runtime.js";
import { fn, site } from "../../../engine/site.js";
import { model_invariant } from "../../bug.js";

export class spinlock_t {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "name"];
  /** Fields holding a thread id: renamed with the threads when identical threads are swapped (symmetry). */
  static readonly threadIdFields = ["owner"];
  readonly id = newObject();
  /** Thread id of the holder, -1 when free. */
  owner = -1;
  constructor(readonly name: string) {
    // biome-ignore lint/correctness/noConstructorReturn: the footprint audit's hook (runtime.ts shared)
    return shared(this);
  }
}

const FN_spin_lock = fn("spin_lock_irq", "include/linux/spinlock.h", 386);
const S_spin_wait = site("include/linux/spinlock.h", 388, "spin_lock_irq", "wait for the spinlock");
const S_spin_taken = site("include/linux/spinlock.h", 388, "spin_lock_irq", "take the spinlock");

/** spin_lock_irq(lock): waits (disabled) while another CPU holds it, then takes it. */
export function* spin_lock_irq(l: spinlock_t): Gen<void> {
  const L = enter(FN_spin_lock, { lock: l });
  const me = rt.current.id;
  model_invariant(l.owner !== me, { file: "include/linux/spinlock.h", line: 386 }, `recursive ${l.name} acquisition`);
  while (L.lock.owner !== -1) {
    yield waitUntil(S_spin_wait, () => L.lock.owner === -1, `spinlock ${L.lock.name}`);
  }
  lock(L.lock.id);
  L.lock.owner = me;
  yield S_spin_taken;
  leave(undefined);
}

/** spin_unlock_irq(lock): releases; part of the caller's current step. */
export function spin_unlock_irq(l: spinlock_t): void {
  model_invariant(
    l.owner === rt.current.id,
    { file: "include/linux/spinlock.h", line: 411 },
    `${l.name} released by a CPU that does not hold it`,
  );
  lock(l.id);
  l.owner = -1;
}

export function spin_is_locked_by_me(l: spinlock_t): boolean {
  return l.owner === rt.current.id;
}
