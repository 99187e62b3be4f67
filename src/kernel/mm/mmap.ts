/**
 * mm/mmap.c: creating and removing a process's mapping of a file, as far as the page cache sees it.
 *
 * mmap_region (:1716) makes the VMA, lets the file set its vm_ops (generic_file_mmap, mm/filemap.c:3380)
 * and links it into the file's i_mmap tree under i_mmap_rwsem (vma_link, :686), from which on
 * unmap_mapping_range reaches its PTEs. munmap (__do_munmap, :2796) zaps the VMA's PTEs, unlinks it from
 * i_mmap (free_pgtables → unlink_file_vma, :163) and only then, at tlb_finish_mmu, drops the pages'
 * references (unmap_region, :2640). Line numbers are v5.15-rc3's (mm/mmap.c is the same in 5.15.24).
 *
 * Context: the caller holds mmap_lock for write, which the model does not keep: each modelled process has
 * one thread, and nothing else takes its mmap_lock. Lock ordering: mmap_lock → i_mmap_rwsem.
 */
import { enter, type Gen, leave, note } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import type { file } from "../fs/open.js";
import { down_write, up_write } from "../kernel/locking/rwsem.js";
import { generic_file_vm_ops } from "./filemap_fault.js";
import { i_mmap, mmu_gather, tlb_finish_mmu, unmap_vmas, vm_area_struct } from "./memory.js";

const F = "mm/mmap.c";

const FN_vma_link = fn("vma_link", F, 686);
const S_vma_link = site(F, 701, "vma_link", "__vma_link_file(vma); i_mmap_unlock_write(mapping)");

/** vma_link (mm/mmap.c:686): insert @vma into the file's i_mmap tree under i_mmap_rwsem. */
function* vma_link(vma: vm_area_struct): Gen<void> {
  const L = enter(FN_vma_link, { vma, mapping: vma.vm_file.f_inode.i_mapping });
  yield* down_write(L.mapping.i_mmap_rwsem);
  i_mmap(L.mapping).push(L.vma); // __vma_link_file (:660)
  up_write(L.mapping.i_mmap_rwsem);
  yield S_vma_link;
  leave(undefined);
}

const FN_mmap_region = fn("mmap_region", F, 1716);

/**
 * mmap_region - map @nr_pages pages of @f from page offset @pgoff into process @mm (mm/mmap.c:1716)
 * @vm_flags: VM_READ | VM_EXEC (the text of a DSO: PROT_READ|PROT_EXEC, MAP_PRIVATE), plus VM_HUGEPAGE
 *   when the caller also did madvise(MADV_HUGEPAGE) (only khugepaged's VMA scan reads it; not modelled)
 *
 * call_mmap → generic_file_mmap sets vm_ops = generic_file_vm_ops; vma_link publishes the VMA.
 * No page is touched: PTEs come with faults.
 * Return: the new VMA. Model: vma_link's steps.
 */
export function* mmap_region(
  mm: string,
  f: file,
  pgoff: number,
  nr_pages: number,
  vm_flags: number,
): Gen<vm_area_struct> {
  const L = enter(FN_mmap_region, { vma: new vm_area_struct(mm, f, pgoff, nr_pages, vm_flags, generic_file_vm_ops) });
  yield* vma_link(L.vma);
  note(() => `${L.vma.vm_mm} maps indices ${L.vma.vm_pgoff}..${L.vma.vm_pgoff + L.vma.nr_pages - 1}`);
  return leave(L.vma);
}

const FN_unlink_file_vma = fn("unlink_file_vma", F, 163);
const S_unlink_file_vma = site(F, 171, "unlink_file_vma", "__remove_shared_vm_struct; i_mmap_unlock_write");

/** unlink_file_vma (mm/mmap.c:163): take @vma out of the file's i_mmap tree under i_mmap_rwsem. */
function* unlink_file_vma(vma: vm_area_struct): Gen<void> {
  const L = enter(FN_unlink_file_vma, { vma, mapping: vma.vm_file.f_inode.i_mapping });
  yield* down_write(L.mapping.i_mmap_rwsem);
  const l = i_mmap(L.mapping);
  const at = l.indexOf(L.vma);
  if (at >= 0) l.splice(at, 1);
  up_write(L.mapping.i_mmap_rwsem);
  yield S_unlink_file_vma;
  leave(undefined);
}

const FN___do_munmap = fn("__do_munmap", F, 2796);
const FN_unmap_region = fn("unmap_region", F, 2640);

/**
 * __do_munmap - unmap the whole of @vma (mm/mmap.c:2796)
 *
 * detach_vmas_to_be_unmapped (the mm's own VMA tree; not shared), then unmap_region (:2640): unmap_vmas
 * zaps every PTE into a gather, free_pgtables unlinks the VMA from i_mmap (unlink_file_vma), and
 * tlb_finish_mmu drops the gathered pages' references. Partial unmaps are not modelled.
 * Model: the zap's steps, unlink_file_vma's, then one step per page released.
 */
export function* __do_munmap(vma: vm_area_struct): Gen<void> {
  const M = enter(FN___do_munmap, { vma });
  const L = enter(FN_unmap_region, { tlb: new mmu_gather() });
  yield* unmap_vmas(L.tlb, M.vma);
  yield* unlink_file_vma(M.vma); // free_pgtables (mm/memory.c:401) → unlink_file_vma
  yield* tlb_finish_mmu(L.tlb);
  leave(undefined);
  leave(undefined);
}
