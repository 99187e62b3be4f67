/**
 * RCU read-side critical sections (include/linux/rcupdate.h). The model keeps the nesting depth per thread
 * (`current.local.rcu`). XArray nodes and struct pages are never reused while a reader may hold a pointer
 * to them (nodes are freed through RCU; struct pages are never unmapped), which the model gets for free:
 * it never reuses a node or a page within an execution. See docs/model.md.
 */
import { rt } from "../../engine/runtime.js";

export function rcu_read_lock(): void {
  const l = rt.current.local;
  l.rcu = ((l.rcu as number | undefined) ?? 0) + 1;
}

export function rcu_read_unlock(): void {
  const l = rt.current.local;
  l.rcu = ((l.rcu as number | undefined) ?? 0) - 1;
}

export function rcu_read_lock_held(): boolean {
  return ((rt.current.local.rcu as number | undefined) ?? 0) > 0;
}
