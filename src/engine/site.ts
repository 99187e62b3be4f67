/**
 * Sites: the named places where a thread may stop.
 *
 * Every `yield` in a model names a Site: a static object made once at module load with the source
 * location it stands for (for the kernel model, a v5.15-rc3 `file:line`) and a short label. Sites get
 * dense numeric ids in creation order (for tables), and a `key` hashed from their text, which does not
 * depend on import order: schedule checks hash keys, so a schedule recorded by one program replays in
 * another that loaded the modules in a different order.
 */

/** A yield point: where a thread stops between two atomic steps. */
export interface Site {
  /** Discriminates a Site from the engine's other yield values (always 0). */
  readonly op: 0;
  /** Dense id, unique in this process (depends on import order: never persist it). */
  readonly id: number;
  /** 32-bit hash of file, line, function and label: stable across processes and builds. */
  readonly key: number;
  /** Source file the site models, e.g. `mm/filemap.c`. */
  readonly file: string;
  /** Line in that file. */
  readonly line: number;
  /** Function the site belongs to, as named in the modelled source. */
  readonly fn: string;
  /** What the step that ends here did, in a few words. */
  readonly label: string;
}

/** A function that can appear in a thread's call trace. */
export interface FnInfo {
  /** Name as in the modelled source, e.g. `truncate_inode_pages_range`. */
  readonly name: string;
  /** Source file that defines it. */
  readonly file: string;
  /** First line of its definition (for links), 0 if unknown. */
  readonly line: number;
  /**
   * True for a function whose frame exists only to hold locals that live across a yield (so that they are
   * part of the thread's state fingerprint) and which a kernel call trace would not show (inlined in C, or
   * a model helper). Call traces skip such frames.
   */
  readonly inline?: boolean;
}

const sites: Site[] = [];

/** Makes a site. Call at module load only, never inside a step (ids must be stable). */
export function site(file: string, line: number, fn: string, label: string): Site {
  const s: Site = { op: 0, id: sites.length, key: fnv1a(`${file}:${line}:${fn}:${label}`), file, line, fn, label };
  sites.push(s);
  return s;
}

/** The site with this id, if any. */
export function siteById(id: number): Site | undefined {
  return sites[id];
}

/** `file:line` of a site, the form a kernel developer greps for. */
export function where(s: { file: string; line: number }): string {
  return `${s.file}:${s.line}`;
}

/** Describes a function for call traces. */
export function fn(name: string, file: string, line = 0): FnInfo {
  return { name, file, line };
}

/** Describes a function whose frame holds state but is left out of call traces (see FnInfo.inline). */
export function inlineFn(name: string, file: string, line = 0): FnInfo {
  return { name, file, line, inline: true };
}

/** FNV-1a, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
