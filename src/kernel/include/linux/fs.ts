/**
 * struct address_space and struct inode (include/linux/fs.h), the fields the modelled paths use.
 */
import { newObject, read, shared, write } from "../../../engine/runtime.js";
import { rw_semaphore } from "../../kernel/locking/rwsem.js";
import { XArray } from "../../lib/xarray.js";

/** AS_THP_SUPPORT (include/linux/pagemap.h): the filesystem supports THPs natively (shmem/tmpfs). */
export const AS_THP_SUPPORT = 1 << 6;

export class inode {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "name"];
  readonly id = newObject();
  /** i_writecount: >0 = open for write (atomic_t). */
  i_writecount = 0;
  i_size = 0;
  i_mapping!: address_space;
  constructor(readonly name: string) {
    // biome-ignore lint/correctness/noConstructorReturn: the footprint audit's hook (runtime.ts shared)
    return shared(this);
  }
}

export class address_space {
  /** Labels for reports and footprints, not state (engine/state/canon.ts). */
  static readonly notState = ["id", "nr_thps_id"];
  readonly id = newObject();
  /** Separate object id for nr_thps, so its accesses do not conflict with other mapping fields. */
  readonly nr_thps_id = newObject();
  readonly i_pages: XArray;
  nrpages = 0;
  /** atomic_t nr_thps (CONFIG_READ_ONLY_THP_FOR_FS). */
  nr_thps = 0;
  flags = 0;
  readonly invalidate_lock: rw_semaphore;
  readonly i_mmap_rwsem: rw_semaphore;
  readonly host: inode;
  /** shmem mapping (shmem_mapping()). */
  readonly shmem: boolean;

  constructor(host: inode, opts: { shmem?: boolean } = {}) {
    this.host = host;
    this.shmem = opts.shmem ?? false;
    if (this.shmem) this.flags |= AS_THP_SUPPORT;
    this.i_pages = new XArray(`${host.name}.i_pages`);
    this.invalidate_lock = new rw_semaphore(`${host.name}.invalidate_lock`);
    this.i_mmap_rwsem = new rw_semaphore(`${host.name}.i_mmap_rwsem`);
    const self = shared(this);
    host.i_mapping = self; // the object the constructor returns (the audit's Proxy, in an audited run)
    // biome-ignore lint/correctness/noConstructorReturn: the footprint audit's hook (runtime.ts shared)
    return self;
  }
}

/** inode_is_open_for_write: atomic_read(&inode->i_writecount) > 0 (include/linux/fs.h:3064). */
export function inode_is_open_for_write(ino: inode): boolean {
  read(ino.id);
  return ino.i_writecount > 0;
}

/** get_write_access's successful path: atomic_inc of i_writecount (fs/open.c:787–797 via get_write_access). */
export function i_writecount_inc(ino: inode): void {
  write(ino.id);
  ino.i_writecount++;
}

export function i_writecount_dec(ino: inode): void {
  write(ino.id);
  ino.i_writecount--;
}
