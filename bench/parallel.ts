/**
 * One exhaustive stateful search on 1 and on N worker threads (`mmrace check --jobs N`), as a user runs
 * it: the installed bin in a fresh process, wall time, states, executions, and the ratio of the
 * wall times in one run. The runs alternate (1, N, 1, N, ...) so that a noisy machine hits both alike.
 *
 *   npm run bench -- parallel
 *
 * Environment: MMRACE_PARALLEL_JOBS (default 2) workers; MMRACE_PARALLEL_RUNS (default 2) runs of each;
 * MMRACE_PARALLEL_ARGS (default: collapse-vs-two-truncates at HPAGE_PMD_NR=2 under Hugh's deletions and
 * skip-thp-before-put, no bug, ~500,000 states) the check's arguments, space-separated.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { envInt, median } from "./child.js";

export const name = "parallel";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "../bin/main.js");
const DEFAULT_ARGS = "collapse-vs-two-truncates --hpage-nr 2 --patch hugh-deletions --patch skip-thp-before-put";

interface Sample {
  readonly wallS: number;
  readonly states: number;
  readonly executions: number;
  readonly result: string;
}

function once(args: readonly string[], jobs: number): Sample {
  const before = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, "check", ...args, "--jobs", String(jobs), "--json"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallS = Number(process.hrtime.bigint() - before) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`check --jobs ${jobs} failed (${r.status}): ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { result: string; executions: number; search: { states: number } | null };
  return { wallS, states: j.search?.states ?? 0, executions: j.executions, result: j.result };
}

export function run(): void {
  const jobs = envInt("MMRACE_PARALLEL_JOBS", 2);
  const runs = envInt("MMRACE_PARALLEL_RUNS", 2);
  const args = (process.env.MMRACE_PARALLEL_ARGS ?? DEFAULT_ARGS).split(" ").filter((x) => x !== "");
  console.log(`mmrace check ${args.join(" ")} --jobs 1 | ${jobs}, ${runs} runs each, alternating\n`);
  const one: Sample[] = [];
  const many: Sample[] = [];
  for (let k = 0; k < runs; k++) {
    one.push(once(args, 1));
    many.push(once(args, jobs));
  }
  const row = (label: string, xs: readonly Sample[]) => {
    const x = xs[0] as Sample;
    const walls = xs.map((s) => s.wallS.toFixed(1)).join(", ");
    return `${label.padEnd(9)} ${x.result.padEnd(6)} ${String(x.states).padStart(9)} ${String(x.executions).padStart(10)}  ${walls}`;
  };
  console.log(
    `${"--jobs".padEnd(9)} ${"result".padEnd(6)} ${"states".padStart(9)} ${"executions".padStart(10)}  wall s`,
  );
  console.log(row("1", one));
  console.log(row(String(jobs), many));
  const ratio = median(one.map((s) => s.wallS)) / median(many.map((s) => s.wallS));
  console.log(`\nspeed-up (median wall, 1 / ${jobs} workers): ${ratio.toFixed(2)}×`);
}
