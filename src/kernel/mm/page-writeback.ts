/** mm/page-writeback.c: the end of writeback and waiting for it. */
import { enterFn, type Gen, leave, waitUntil } from "../../engine/runtime.js";
import { fn, site } from "../../engine/site.js";
import type { address_space } from "../include/linux/fs.js";
import { page_mapping } from "../include/linux/mm.js";
import type { Page } from "../include/linux/mm_types.js";
import { compound_head, PageWriteback, PG_writeback, TestClearPageWriteback } from "../include/linux/page-flags.js";
import { spin_lock_irq, spin_unlock_irq } from "../kernel/locking/spinlock.js";

const F = "mm/page-writeback.c";

const FN_test_clear_page_writeback = fn("test_clear_page_writeback", F, 2769);
const S_tcpw_clear = site(F, 2781, "test_clear_page_writeback", "TestClearPageWriteback(page)");

/**
 * test_clear_page_writeback (page-writeback.c:2769): with a mapping that uses writeback tags (every
 * modelled file), clears PG_writeback under xa_lock_irqsave (:2780–2800); marks are not modelled.
 * Return: whether PG_writeback was set.
 */
export function* test_clear_page_writeback(page: Page): Gen<boolean> {
  enterFn(FN_test_clear_page_writeback);
  const mapping: address_space | null = page_mapping(page);
  let ret: boolean;
  if (mapping !== null) {
    yield* spin_lock_irq(mapping.i_pages.xa_lock);
    ret = TestClearPageWriteback(page);
    spin_unlock_irq(mapping.i_pages.xa_lock);
  } else {
    ret = TestClearPageWriteback(page);
  }
  yield S_tcpw_clear;
  return leave(ret);
}

const FN_wait_on_page_writeback = fn("wait_on_page_writeback", F, 2879);
const S_wopw_test = site(F, 2881, "wait_on_page_writeback", "PageWriteback(page)");
const S_wopw_wait = site(F, 2883, "wait_on_page_writeback", "sleep until writeback ends");

/** wait_on_page_writeback (page-writeback.c:2879): while PageWriteback, sleep on PG_writeback. */
export function* wait_on_page_writeback(page: Page): Gen<void> {
  enterFn(FN_wait_on_page_writeback);
  for (;;) {
    const wb = PageWriteback(page);
    yield S_wopw_test;
    if (!wb) break;
    const head = compound_head(page);
    yield waitUntil(S_wopw_wait, () => (head.flags & (1 << PG_writeback)) === 0, `writeback of ${head.name}`);
  }
  leave(undefined);
}
