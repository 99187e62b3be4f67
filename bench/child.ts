/**
 * Helpers shared by the benches that time cold processes: run this file's module again as a child with a
 * JSON job and read its last stdout line back as JSON; medians. Not a bench module itself (no `run`).
 */
import { spawnSync } from "node:child_process";

/** Runs `self --child <job>` in a fresh Node process and parses the last line it prints. */
export function runChildJob<R>(self: string, job: unknown): R {
  const r = spawnSync(process.execPath, [self, "--child", JSON.stringify(job)], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bench child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() as string) as R;
}

/** Median (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A whole number ≥ 0 from the environment (bench knobs such as MMRACE_BENCH_SEEDS), or the default. */
export function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number`);
  return n;
}
