/**
 * include/linux/shmem_fs.h: struct shmem_inode_info (the fields the modelled paths use) and the inline
 * helpers collapse_file, split_huge_page and shmem_undo_range share.
 *
 * The model's struct inode (fs.ts) has no shmem part, so SHMEM_I keeps one per inode on the side. Its
 * fields are accounting (swapped, alloced) or fallocend, which only the truncating thread writes and
 * split_huge_page (in the same thread) reads; footprints record them as accesses of the inode.
 */
import { read } from "../../../engine/runtime.js";
import type { file } from "../../fs/open.js";
import type { address_space, inode } from "./fs.js";

export class shmem_inode_info {
  /** Highest fallocated index + 1 beyond i_size (FALLOC_FL_KEEP_SIZE); split keeps pages below it. */
  fallocend = 0;
  /** Pages swapped out (swap is not modelled: stays 0). */
  swapped = 0;
  /** Pages charged to the inode (shmem_charge / shmem_uncharge). */
  alloced = 0;
}

const infos = new WeakMap<inode, shmem_inode_info>();

/** SHMEM_I(inode) (shmem_fs.h:49): the shmem part of a tmpfs inode. */
export function SHMEM_I(ino: inode): shmem_inode_info {
  let info = infos.get(ino);
  if (info === undefined) {
    info = new shmem_inode_info();
    infos.set(ino, info);
  }
  return info;
}

/**
 * The shmem part of @ino if SHMEM_I has made one, without making it: for the state fingerprint, which
 * must reach this side table from the inodes it walks (a WeakMap cannot be walked). No entry means a
 * fresh shmem_inode_info (every field 0).
 */
export function shmem_inode_info_peek(ino: inode): shmem_inode_info | undefined {
  return infos.get(ino);
}

/** shmem_mapping(mapping) (shmem_fs.h:72): a tmpfs mapping (a_ops == &shmem_aops). */
export function shmem_mapping(mapping: address_space | null): boolean {
  return mapping?.shmem === true;
}

/** shmem_file(file) (shmem_fs.h:118): the file's mapping is a tmpfs one. */
export function shmem_file(f: file): boolean {
  return shmem_mapping(f.f_inode.i_mapping);
}

/** shmem_fallocend(inode, eof) (shmem_fs.h:134): max(eof, SHMEM_I(inode)->fallocend). */
export function shmem_fallocend(ino: inode, eof: number): number {
  read(ino.id);
  return Math.max(eof, SHMEM_I(ino).fallocend);
}
