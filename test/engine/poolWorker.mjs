// A worker for pool.test.ts: squares its input after a short busy wait that depends on it (so jobs finish
// out of order), reports the input as progress first, and throws on a negative input. It imports the
// built pool (worker threads load JavaScript; `npm test` builds dist/ first).
import { serveJobs } from "../../dist/src/engine/pool.js";

serveJobs((n, progress) => {
  if (n < 0) throw new Error(`bad job ${n}`);
  progress(n);
  const end = Date.now() + ((7 - n) % 4) * 15;
  while (Date.now() < end) {
    // busy: a job that takes a while
  }
  return n * n;
});
