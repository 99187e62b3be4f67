/**
 * dump_page (mm/debug.c:176, __dump_page :47): the lines a VM_BUG_ON_PAGE or bad_page prints.
 * Reads the page without recording footprints: a dump happens as the execution ends.
 */

import { as_mapping, type Page, TAIL_MAPPING } from "../include/linux/mm_types.js";
import { flagNames } from "../include/linux/page-flags.js";

/** The struct page's address as a vmemmap pointer (64 bytes per struct page, x86-64 layout). */
export function page_address_of(page: Page): string {
  return (0xffffea0000000000n + BigInt(page.pfn) * 64n).toString(16);
}

function mappingText(m: Page["mapping"]): string {
  if (m === TAIL_MAPPING) return "dead000000000400";
  const real = as_mapping(m);
  if (real === null) return "0000000000000000";
  return (0xffff888100000000n + BigInt(real.id) * 0x100n).toString(16);
}

export function dump_page(page: Page, reason: string): string[] {
  const head = page.compound_head ?? page;
  const isTail = page.compound_head !== null;
  const compound = isTail || (page.flags & (1 << 16)) !== 0;
  // page_mapping(): a tail reports its head's mapping; page_to_pgoff(): head->index + offset for a tail.
  const mapping = as_mapping(isTail ? head.mapping : page.mapping);
  const offset = isTail && head.subpages !== null ? head.subpages.indexOf(page) : 0;
  const index = isTail ? head.index + offset : page.index;
  const mapcount = page._mapcount + 1 + (compound ? head.compound_mapcount + 1 : 0);
  const lines = [
    `page:${page_address_of(page)} refcount:${head._refcount} mapcount:${mapcount} mapping:${mappingText(mapping)} index:0x${index.toString(16)} pfn:0x${page.pfn.toString(16)}`,
  ];
  if (compound) {
    lines.push(
      `head:${page_address_of(head)} order:${head.compound_order} compound_mapcount:${head.compound_mapcount + 1} compound_pincount:0`,
    );
  }
  if (mapping !== null) {
    lines.push(`aops:0x0 ino:${mapping.host.id.toString(16)} dentry name:"${mapping.host.name}"`);
  }
  lines.push(`flags: 0x${head.flags.toString(16)}(${flagNames(head.flags)})`);
  lines.push(
    `raw: ${head.flags.toString(16).padStart(16, "0")} ${isTail ? `${page_address_of(head).slice(0, -1)}1` : "dead000000000100"} dead000000000122 ${mappingText(page.mapping)}`,
  );
  lines.push(
    `raw: ${page.index.toString(16).padStart(16, "0")} 0000000000000000 ${((page._refcount & 0xffffffff) >>> 0).toString(16).padStart(8, "0")}${((page._mapcount & 0xffffffff) >>> 0).toString(16).padStart(8, "0")} 0000000000000000`,
  );
  lines.push(`page dumped because: ${reason}`);
  if (page.freed) lines.push("mmrace: this struct page was already returned to the page allocator");
  return lines;
}
