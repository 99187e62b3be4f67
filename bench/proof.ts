/**
 * The shrinker's proof of the fewest preemptions: iterative bounded DFS looking for the same failure at
 * bounds 0 .. p − 1, without and with the state cache (strategy/dfs.ts `cacheFromBound`). For each
 * configuration: the failure the default search finds, shrunk, and its preemptions p; then the passes,
 * run to their end (no failure is expected below p), each timed and counted, the two ways alternating
 * (a warm-up pass first: the comparison is of warm code). The last column is the ratio of the times.
 *
 *   npm run bench -- proof
 *
 * Environment: MMRACE_PROOF_SECONDS (default 60) caps each way of each configuration.
 */
import { runExecution } from "../src/engine/execution.js";
import type { Program } from "../src/engine/program.js";
import type { ExecutionResult } from "../src/engine/result.js";
import { failureKey, run as search } from "../src/engine/runner.js";
import { PROOF_CACHE_FROM, shrink } from "../src/engine/shrink.js";
import { DfsStrategy } from "../src/engine/strategy/dfs.js";
import { StatefulStrategy } from "../src/engine/strategy/stateful.js";
import { resolvePatches } from "../src/kernel/patches/index.js";
import { findScenario } from "../src/scenarios/index.js";
import { makeProgram } from "../src/scenarios/program.js";
import { envInt } from "./child.js";

export const name = "proof";

const CONFIGS: readonly (readonly [string, readonly string[]])[] = [
  ["collapse-vs-truncate", []],
  ["collapse-vs-truncate", ["hugh-deletions"]],
  ["collapse-vs-two-truncates", ["landed-5.16"]],
  ["truncate-vs-truncate", []],
];

interface Pass {
  readonly bound: number;
  readonly executions: number;
  readonly ms: number;
}

/** Passes 0..maxBound looking for `key`, to their end or to `capMs` (then the last pass is partial). */
function passes(p: Program, key: string, maxBound: number, cacheFromBound: number | undefined, capMs: number) {
  const dfs = new DfsStrategy(maxBound, 0, { localSteps: true, cacheFromBound });
  const out: Pass[] = [];
  const t0 = performance.now();
  let bound = 0;
  let executions = 0;
  let tPass = t0;
  let found: ExecutionResult | null = null;
  while (dfs.newExecution()) {
    if (dfs.bound !== bound) {
      out.push({ bound, executions, ms: performance.now() - tPass });
      bound = dfs.bound;
      executions = 0;
      tPass = performance.now();
    }
    const r = runExecution(p, dfs, {});
    dfs.endExecution(r);
    executions++;
    if (r.verdict !== "completed" && r.verdict !== "pruned" && failureKey(r) === key) {
      found = r;
      break;
    }
    if (performance.now() - t0 > capMs) {
      out.push({ bound, executions, ms: performance.now() - tPass });
      return { out, finished: false, found };
    }
  }
  out.push({ bound, executions, ms: performance.now() - tPass });
  return { out, finished: true, found };
}

export function run(): void {
  const capMs = envInt("MMRACE_PROOF_SECONDS", 60) * 1000;
  console.log(`passes at bounds 0 .. p−1 (HPAGE_PMD_NR=4), cache from bound ${PROOF_CACHE_FROM} in the product\n`);
  console.log(
    `${"configuration".padEnd(44)} ${"p".padStart(2)} bound  executions: plain  cached(0)  cached(3)   ms: plain  cached(0)  cached(3)`,
  );
  for (const [scenario, patches] of CONFIGS) {
    const p = makeProgram(findScenario(scenario), { hpageNr: 4, patches: resolvePatches(patches) });
    const first = search(p, new StatefulStrategy()).first;
    if (first === null) continue;
    const shrunk = shrink(p, first, { maxExecutions: 3000 });
    const pre = shrunk.result.preemptions;
    const key = failureKey(shrunk.result);
    passes(p, key, Math.min(2, pre - 1), undefined, capMs); // warm-up
    const plain = passes(p, key, pre - 1, undefined, capMs);
    const all = passes(p, key, pre - 1, 0, capMs);
    const from3 = passes(p, key, pre - 1, PROOF_CACHE_FROM, capMs);
    const label = `${scenario} ${patches.join("+") || "rc3"} (${key})`;
    for (let b = 0; b < pre; b++) {
      const cell = (x: { out: Pass[]; finished: boolean }, f: (q: Pass) => string) => {
        const q = x.out[b];
        return q === undefined ? "—" : `${f(q)}${!x.finished && b === x.out.length - 1 ? "+" : ""}`;
      };
      const n = (q: Pass) => String(q.executions);
      const ms = (q: Pass) => q.ms.toFixed(0);
      console.log(
        `${(b === 0 ? label : "").padEnd(44)} ${(b === 0 ? String(pre) : "").padStart(2)} ${String(b).padStart(5)}  ${cell(plain, n).padStart(17)} ${cell(all, n).padStart(10)} ${cell(from3, n).padStart(10)}   ${cell(plain, ms).padStart(9)} ${cell(all, ms).padStart(10)} ${cell(from3, ms).padStart(10)}`,
      );
    }
    const total = (x: { out: Pass[] }) => x.out.reduce((a, q) => a + q.ms, 0);
    const verdict = (x: { finished: boolean; found: ExecutionResult | null }) =>
      x.found !== null ? `found with ${x.found.preemptions}` : x.finished ? "none: p is the fewest" : "cap reached";
    console.log(
      `${"".padEnd(44)}    total: plain ${total(plain).toFixed(0)} ms (${verdict(plain)}), cached(3) ${total(from3).toFixed(0)} ms (${verdict(from3)}); plain/cached(3) ${(total(plain) / total(from3)).toFixed(2)}×\n`,
    );
  }
  console.log(
    "'+': the pass was cut by MMRACE_PROOF_SECONDS (its figures so far). cached(0): the cache in every pass.",
  );
}
