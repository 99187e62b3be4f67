/** include/linux/huge_mm.h helpers. */
import { HPAGE_PMD_NR } from "../../config.js";
import { type Page, PF_COMPOUND, read_field } from "./mm_types.js";
import { PageHead, PageTail } from "./page-flags.js";

/**
 * thp_nr_pages (huge_mm.h:278): HPAGE_PMD_NR for a THP head, 1 otherwise. VM_BUG_ON_PGFLAGS(PageTail) at
 * :280 needs CONFIG_DEBUG_VM_PGFLAGS, off in the configurations we model; a tail is counted as 1 then.
 */
export function thp_nr_pages(page: Page): number {
  if (PageHead(page)) return HPAGE_PMD_NR();
  return 1;
}

/** compound_nr (include/linux/mm.h:983): 1 << compound_order for a head, else 1. */
export function compound_nr(page: Page): number {
  return PageHead(page) ? 1 << compound_order_word(page) : 1;
}

/** compound_order (include/linux/mm.h:946). */
export function compound_order(page: Page): number {
  return PageHead(page) ? compound_order_word(page) : 0;
}

/** The head's compound_order (C: a word of the first tail), recording the read. */
function compound_order_word(head: Page): number {
  read_field(head, PF_COMPOUND);
  return head.compound_order;
}

export { PageTail };
