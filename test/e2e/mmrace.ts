/** Runs the built CLI as a user would (test helper for the e2e tests). */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `mmrace ...args` from the repository root, with a timeout. */
export function mmraceIn(timeoutMs: number, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: timeoutMs });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Non-empty lines. */
export function lines(s: string): string[] {
  return s.split("\n").filter((l) => l !== "");
}
