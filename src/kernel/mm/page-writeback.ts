/** mm/page-writeback.c: the end of writeback and waiting for it. */
import { enter, type Gen, leave, waitUntil } from "../../engine/runtime.js";
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
  const L = enter(FN_test_clear_page_writeback, { page, mapping: null as address_space | null, ret: false });
  L.mapping = page_mapping(page);
  if (L.mapping !== null) {
    yield* spin_lock_irq(L.mapping.i_pages.xa_lock);
    L.ret = TestClearPageWriteback(L.page);
    spin_unlock_irq(L.mapping.i_pages.xa_lock);
  } else {
    L.ret = TestClearPageWriteback(L.page);
  }
  yield S_tcpw_clear;
  return leave(L.ret);
}

const FN_wait_on_page_writeback = fn("wait_on_page_writeback", F, 2879);
const S_wopw_test = site(F, 2881, "wait_on_page_writeback", "PageWriteback(page)");
const S_wopw_wait = site(F, 2883, "wait_on_page_writeback", "sleep until writeback ends");

/** wait_on_page_writeback (page-writeback.c:2879): while PageWriteback, sleep on PG_writeback. */
export function* wait_on_page_writeback(page: Page): Gen<void> {
  // wb: the model's PageWriteback read, tested after its step; head: the page the wait is on.
  const L = enter(FN_wait_on_page_writeback, { page, wb: false, head: null as Page | null });
  for (;;) {
    L.wb = PageWriteback(L.page);
    yield S_wopw_test;
    if (!L.wb) break;
    // Alias of L.head, which does not change while the thread waits.
    const head = compound_head(L.page);
    L.head = head;
    yield waitUntil(S_wopw_wait, () => (head.flags & (1 << PG_writeback)) === 0, `writeback of ${head.name}`);
    L.head = null;
  }
  leave(undefined);
}
