/** foldAlike: long runs of lines that differ only in numbers are folded in the text narrative. */
import { expect, test } from "vitest";
import { foldAlike } from "../../src/report/narrative.js";

const slot = (i: number) => `xas_store: libtest.so.i_pages N10[${i}]: P${i} → N`;

test("a run of more than six alike lines keeps its first two and last two around a count", () => {
  const lines = [
    "do_dentry_open: nr_thps = 1",
    ...Array.from({ length: 512 }, (_, i) => slot(i)),
    "stops at x (a.c:1)",
  ];
  expect(foldAlike(lines)).toEqual([
    "do_dentry_open: nr_thps = 1",
    slot(0),
    slot(1),
    "… 508 more like these …",
    slot(510),
    slot(511),
    "stops at x (a.c:1)",
  ]);
});

test("six alike lines, or lines that differ in words, stay as they are", () => {
  const six = Array.from({ length: 6 }, (_, i) => slot(i));
  expect(foldAlike(six)).toEqual(six);
  const mixed = [slot(0), "find_get_entry: found H at index 0", slot(1), slot(2)];
  expect(foldAlike(mixed)).toEqual(mixed);
});
