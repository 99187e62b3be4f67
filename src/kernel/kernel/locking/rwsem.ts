/**
 * struct rw_semaphore (include/linux/rwsem.h, kernel/locking/rwsem.c): a sleeping reader/writer lock.
 * Used for mapping->invalidate_lock (filemap_invalidate_lock, patched do_dentry_open) and i_mmap_rwsem.
 * A blocked down_write/down_read is a disabled thread, woken when its condition holds.
 */
import { enter, type Gen, leave, lock, newObject, rt, shared, waitUntil } from "../../../engine/runtime.js";
import { fn, site } from "../../../engine/site.js";
import { model_invariant } from "../../bug.js";

export class rw_semaphore {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "name"];
  /** Fields holding a thread id: renamed with the threads when identical threads are swapped (symmetry). */
  static readonly threadIdFields = ["writer"];
  readonly id = newObject();
  /** Writer's thread id, -1 when no writer. */
  writer = -1;
  readers = 0;
  constructor(readonly name: string) {
    // biome-ignore lint/correctness/noConstructorReturn: the footprint audit's hook (runtime.ts shared)
    return shared(this);
  }
}

const FN_down_write = fn("down_write", "kernel/locking/rwsem.c", 1514);
const FN_down_read = fn("down_read", "kernel/locking/rwsem.c", 1461);
const S_dw_wait = site("kernel/locking/rwsem.c", 1514, "down_write", "sleep until the rwsem is free");
const S_dw = site("kernel/locking/rwsem.c", 1514, "down_write", "take the rwsem for write");
const S_dr_wait = site("kernel/locking/rwsem.c", 1461, "down_read", "sleep until no writer holds the rwsem");
const S_dr = site("kernel/locking/rwsem.c", 1461, "down_read", "take the rwsem for read");

export function* down_write(sem: rw_semaphore): Gen<void> {
  const L = enter(FN_down_write, { sem });
  while (L.sem.writer !== -1 || L.sem.readers > 0) {
    yield waitUntil(S_dw_wait, () => L.sem.writer === -1 && L.sem.readers === 0, `rwsem ${L.sem.name} (write)`);
  }
  lock(L.sem.id);
  L.sem.writer = rt.current.id;
  yield S_dw;
  leave(undefined);
}

export function up_write(s: rw_semaphore): void {
  model_invariant(
    s.writer === rt.current.id,
    { file: "kernel/locking/rwsem.c", line: 1567 },
    `up_write of ${s.name} not held for write`,
  );
  lock(s.id);
  s.writer = -1;
}

export function* down_read(sem: rw_semaphore): Gen<void> {
  const L = enter(FN_down_read, { sem });
  while (L.sem.writer !== -1) {
    yield waitUntil(S_dr_wait, () => L.sem.writer === -1, `rwsem ${L.sem.name} (read)`);
  }
  lock(L.sem.id);
  L.sem.readers++;
  yield S_dr;
  leave(undefined);
}

export function up_read(s: rw_semaphore): void {
  model_invariant(s.readers > 0, { file: "kernel/locking/rwsem.c", line: 1557 }, `up_read of ${s.name} not held`);
  lock(s.id);
  s.readers--;
}
