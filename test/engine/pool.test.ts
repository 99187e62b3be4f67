import { expect, test } from "vitest";
import { runPool } from "../../src/engine/pool.js";

const WORKER = new URL("./poolWorker.mjs", import.meta.url);

test("results come back in input order whatever order jobs finish in, each job started, reported and done once", async () => {
  const inputs = [0, 1, 2, 3, 4, 5, 6, 7];
  const started: number[] = [];
  const progress: number[] = [];
  const done: number[] = [];
  const results = await runPool<number, number, number>(WORKER, inputs, 3, {
    onStart: (n) => started.push(n),
    onProgress: (p) => progress.push(p),
    onDone: (_r, i) => done.push(i),
  });
  expect(results).toEqual(inputs.map((n) => n * n));
  // Jobs are handed out in input order; they finish in another (the busy waits differ).
  expect(started).toEqual(inputs);
  expect([...progress].sort()).toEqual(inputs);
  expect([...done].sort()).toEqual(inputs);
});

test("more workers than jobs, and no jobs at all", async () => {
  expect(await runPool<number, number>(WORKER, [3], 8)).toEqual([9]);
  expect(await runPool<number, number>(WORKER, [], 2)).toEqual([]);
});

test("a job that throws rejects the whole run with its error", async () => {
  await expect(runPool<number, number>(WORKER, [1, 2, -1, 3], 2)).rejects.toThrow("bad job -1");
});
