/** Runs the built CLI as a user would (test helper for the e2e tests). */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../dist/bin/main.js", import.meta.url));

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

/** A usage or input error as users must see it: exit 2, nothing on stdout, one line on stderr, no stack. */
export function expectUsageError(r: Run): void {
  expect(r.code, `stderr: ${r.stderr}`).toBe(2);
  expect(r.stdout).toBe("");
  const err = lines(r.stderr);
  expect(err, r.stderr).toHaveLength(1);
  expect(err[0]).toMatch(/^(mmrace|error): /);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
}
