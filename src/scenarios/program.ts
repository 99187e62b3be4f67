/**
 * Turns a Scenario (data) into an engine Program over the kernel model: configures the kernel, builds
 * the file's initial page cache, gives each thread its kernel entry points, and checks the final state.
 *
 * Final-state invariants (they catch damage whatever CONFIG_DEBUG_VM says): deferred free-time checks
 * (bad_page from the pcp drain), no page left locked, every slot pointing at a live page of this mapping
 * whose index range covers the slot, page-cache references accounted for, no page leaked (alive with no
 * owner) and nr_thps matching the THPs in the cache.
 */

import type { AssertionInfo } from "../engine/errors.js";
import { ModelAssertion } from "../engine/errors.js";
import type { Program, ThreadSpec } from "../engine/program.js";
import { enterFn, type Gen, leave } from "../engine/runtime.js";
import { fn, site } from "../engine/site.js";
import { configure, type KernelConfig, makeConfig } from "../kernel/config.js";
import { do_dentry_open, FMODE_WRITE } from "../kernel/fs/open.js";
import { put_page } from "../kernel/include/linux/mm.js";
import { allPages, as_mapping, type Page } from "../kernel/include/linux/mm_types.js";
import { flagNames, PG_head, PG_locked } from "../kernel/include/linux/page-flags.js";
import { xa_snapshot } from "../kernel/lib/xarray.js";
import { dump_page } from "../kernel/mm/debug.js";
import { end_page_writeback } from "../kernel/mm/filemap.js";
import { collapse_file } from "../kernel/mm/khugepaged.js";
import { drain_pcp_checks, freeChecks } from "../kernel/mm/page_alloc.js";
import { shmem_undo_range } from "../kernel/mm/shmem.js";
import type { Scenario, ThreadOp } from "./types.js";
import { buildWorld, type World } from "./world.js";

export interface RunConfig {
  /** HPAGE_PMD_NR (default: the scenario's, else 4). */
  readonly hpageNr?: number;
  /** CONFIG_DEBUG_VM (default true). */
  readonly debugVm?: boolean;
  /** Candidate patches applied (names from src/kernel/patches). */
  readonly patches?: readonly string[];
}

export interface ScenarioProgram extends Program {
  readonly scenario: Scenario;
  readonly config: KernelConfig;
  readonly patches: readonly string[];
  /** The world of the last execution (for reports after a run). */
  world(): World;
}

const FN_khugepaged_do_scan = fn("khugepaged_do_scan", "mm/khugepaged.c", 2207);
const S_put_hpage = site("mm/khugepaged.c", 2238, "khugepaged_do_scan", "put_page(hpage)");

function* runOp(w: World, op: ThreadOp): Gen<void> {
  switch (op.op) {
    case "open-for-write":
      yield* do_dentry_open({ f_inode: w.inode, f_mode: FMODE_WRITE });
      return;
    case "collapse-file": {
      // khugepaged_do_scan → khugepaged_scan_mm_slot → khugepaged_scan_file → collapse_file; at the end
      // of the scan khugepaged puts a hpage a failed collapse left behind (khugepaged.c:2237–2238, rc3).
      enterFn(FN_khugepaged_do_scan);
      const hpage: { page: Page | null } = { page: null };
      yield* collapse_file(null, { f_inode: w.inode, f_mode: 0 }, op.start, hpage);
      if (hpage.page !== null) {
        put_page(hpage.page);
        yield S_put_hpage;
      }
      leave(undefined);
      return;
    }
    case "end-page-writeback": {
      const page = w.initial[op.index];
      if (page === undefined) throw new Error(`no initial page at index ${op.index}`);
      yield* end_page_writeback(page);
      return;
    }
    case "shmem-truncate":
      yield* shmem_undo_range(w.inode, op.lstart, op.lend, false);
      return;
  }
}

export function programId(s: Scenario, config: KernelConfig): string {
  return `${s.name}~n${config.HPAGE_PMD_NR}${config.DEBUG_VM ? "" : "~nodebug"}`;
}

export function makeProgram(scenario: Scenario, rc: RunConfig = {}): ScenarioProgram {
  const config = makeConfig({
    HPAGE_PMD_NR: rc.hpageNr ?? scenario.hpageNr ?? 4,
    DEBUG_VM: rc.debugVm ?? true,
  });
  const patches = [...(rc.patches ?? [])];
  let world: World | null = null;
  const program: ScenarioProgram = {
    id: programId(scenario, config),
    scenario,
    config,
    patches,
    world: () => {
      if (world === null) throw new Error("no execution has run yet");
      return world;
    },
    setup(): ThreadSpec[] {
      configure(config, patches);
      const w = buildWorld(scenario.file);
      world = w;
      freeChecks.push((page) => cachedAt(w, page));
      return scenario.threads.map((t) => ({
        name: t.name,
        local: { cpu: t.cpu, comm: t.comm },
        run: function* (): Gen<void> {
          for (const op of t.ops) yield* runOp(w, op);
        },
      }));
    },
    finish(): AssertionInfo | null {
      drain_pcp_checks();
      return finalInvariants(world as World);
    },
    stateKey(): string {
      return stateKey(world as World);
    },
  };
  return program;
}

/** Where a page is still referenced by the page cache, or null. */
function cachedAt(w: World, page: Page): string | null {
  const slots = xa_snapshot(w.mapping.i_pages);
  for (let i = 0; i < slots.length; i++) {
    const e = slots[i];
    if (e === page || page.subpages?.includes(e as Page)) {
      return `still in the page cache of ${w.inode.name} at index ${i}`;
    }
  }
  return null;
}

function damage(what: string, page?: Page): AssertionInfo {
  return {
    kind: "invariant",
    site: { file: "mmrace:final-state", line: 0 },
    condition: what,
    message: `mmrace: kernel state damaged: ${what}`,
    detail: page === undefined ? [] : dump_page(page, what),
    fatal: true,
  };
}

/** The final-state invariants: what a quiescent page cache must look like. */
function finalInvariants(w: World): AssertionInfo | null {
  const slots = xa_snapshot(w.mapping.i_pages);
  const cacheRefs = new Map<Page, number>();
  for (let i = 0; i < slots.length; i++) {
    const e = slots[i];
    if (e === null || e === undefined || !(e instanceof Object) || !("pfn" in e)) continue;
    const page = e as Page;
    if (page.freed) return damage(`slot ${i} points at freed page ${page.name}`, page);
    if (as_mapping(page.mapping) !== w.mapping) {
      return damage(`slot ${i} holds ${page.name}, whose ->mapping is not this file's`, page);
    }
    const nr = page.subpages === null ? 1 : page.subpages.length;
    if (i < page.index || i >= page.index + nr) {
      return damage(`slot ${i} holds ${page.name}, which covers indices ${page.index}..${page.index + nr - 1}`, page);
    }
    cacheRefs.set(page, (cacheRefs.get(page) ?? 0) + 1);
  }
  let thps = 0;
  for (const p of allPages) {
    if (p.compound_head !== null) continue; // tails are checked with their head
    if ((p.flags & (1 << PG_locked)) !== 0 && !p.freed) return damage(`${p.name} left locked`, p);
    const refs = cacheRefs.get(p) ?? 0;
    if (p.freed) continue;
    if (refs === 0) {
      return damage(`${p.name} leaked: not freed, not in the page cache (refcount ${p._refcount})`, p);
    }
    const mapped = p._mapcount + 1;
    if (p._refcount !== refs + mapped) {
      return damage(
        `${p.name} has refcount ${p._refcount}, expected ${refs + mapped} (page cache ${refs}, mapped ${mapped})`,
        p,
      );
    }
    if ((p.flags & (1 << PG_head)) !== 0) thps++;
  }
  if (!w.mapping.shmem && w.mapping.nr_thps !== thps) {
    return damage(`mapping->nr_thps is ${w.mapping.nr_thps} but the page cache holds ${thps} THP(s)`);
  }
  return null;
}

/** Canonical text of the final state: slots, then every page's state. */
function stateKey(w: World): string {
  const slots = xa_snapshot(w.mapping.i_pages)
    .map((e) => (e === null || e === undefined ? "-" : "pfn" in (e as object) ? (e as Page).name : "v"))
    .join(",");
  const pages = allPages
    .map(
      (p) =>
        `${p.name}:${p.freed ? "freed" : `${p._refcount}/${flagNames(p.flags)}/${p.mapping === null ? "0" : "m"}`}`,
    )
    .join(" ");
  return `${slots}|thps=${w.mapping.nr_thps}|wc=${w.inode.i_writecount}|${pages}`;
}

export { ModelAssertion };
