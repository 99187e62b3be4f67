/**
 * Independent jobs on worker threads: at most `jobs` run at once, each worker takes the next input when it
 * finishes one, and the results come back in the order of the inputs (whatever order they finished in).
 * The worker module (see `serveJobs`) answers each input with its result, and may report progress between.
 * The engine's part of "across cores": it knows nothing of what a job is.
 */
import { parentPort, Worker } from "node:worker_threads";

/** Messages from a worker: progress of the job it runs, or the job's result. */
type FromWorker<R, P> =
  | { readonly kind: "progress"; readonly index: number; readonly progress: P }
  | { readonly kind: "done"; readonly index: number; readonly result: R };

interface ToWorker<T> {
  readonly index: number;
  readonly input: T;
}

export interface PoolEvents<T, R, P> {
  /** A job was handed to a worker. */
  readonly onStart?: (input: T, index: number) => void;
  readonly onProgress?: (progress: P, index: number) => void;
  readonly onDone?: (result: R, index: number) => void;
}

/**
 * Runs `inputs` on up to `jobs` workers started from `workerUrl`. Rejects with the first error a worker
 * throws (the other workers are stopped).
 */
export function runPool<T, R, P = never>(
  workerUrl: URL,
  inputs: readonly T[],
  jobs: number,
  events: PoolEvents<T, R, P> = {},
): Promise<R[]> {
  return new Promise((resolve, reject) => {
    const results: R[] = new Array(inputs.length);
    if (inputs.length === 0) {
      resolve(results);
      return;
    }
    const workers: Worker[] = [];
    const stopping = new Set<Worker>();
    let next = 0;
    let finished = 0;
    let failed = false;
    const stop = (w: Worker): void => {
      stopping.add(w);
      void w.terminate();
    };
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) stop(w);
      reject(e);
    };
    const give = (w: Worker): void => {
      if (next >= inputs.length) {
        stop(w);
        return;
      }
      const index = next++;
      const input = inputs[index] as T;
      events.onStart?.(input, index);
      w.postMessage({ index, input } satisfies ToWorker<T>);
    };
    for (let k = 0; k < Math.max(1, Math.min(jobs, inputs.length)); k++) {
      const w = new Worker(workerUrl);
      workers.push(w);
      w.on("message", (m: FromWorker<R, P>) => {
        if (failed) return;
        if (m.kind === "progress") {
          events.onProgress?.(m.progress, m.index);
          return;
        }
        results[m.index] = m.result;
        finished++;
        events.onDone?.(m.result, m.index);
        if (finished === inputs.length) {
          for (const x of workers) stop(x);
          resolve(results);
        } else give(w);
      });
      w.on("error", fail);
      w.on("exit", (code) => {
        if (!stopping.has(w)) fail(new Error(`a worker thread exited with code ${code} before its job was done`));
      });
      give(w);
    }
  });
}

/**
 * The worker side: answers each job message with `work(input, progress)`'s result. Call once at the top
 * of a worker module.
 */
export function serveJobs<T, R, P = never>(work: (input: T, progress: (p: P) => void) => R): void {
  const port = parentPort;
  if (port === null) throw new Error("serveJobs() runs in a worker thread only");
  port.on("message", ({ index, input }: ToWorker<T>) => {
    const progress = (p: P): void =>
      port.postMessage({ kind: "progress", index, progress: p } satisfies FromWorker<R, P>);
    const result = work(input, progress);
    port.postMessage({ kind: "done", index, result } satisfies FromWorker<R, P>);
  });
}
