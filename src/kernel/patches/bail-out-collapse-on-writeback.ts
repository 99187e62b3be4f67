import type { Patch } from "./types.js";

export const patch: Patch = {
  name: "bail-out-collapse-on-writeback",
  title: "mm, thp: bail out early in collapse_file for writeback page",
  commit: "74c42e1baacf",
  landed: true,
  source: "Rongwei Wang and Xu Yu; in mainline before v5.15 final",
  effect:
    "collapse_file fails with SCAN_FAIL on a PageWriteback page before trylock (mm/khugepaged.c:1769–1772 " +
    "in 5.15.24) and re-checks PageDirty || PageWriteback under the page lock (:1808–1809).",
};
