/**
 * The progress line of a long search: shown on stderr when it is a terminal, not with --json or --quiet,
 * and only once the search has run for a second. With an execution budget it is a bar with an ETA;
 * without one (an exhaustive DFS whose size is unknown in advance) a counter.
 */
import cliProgress from "cli-progress";
import type { RunProgress } from "../engine/runner.js";

export interface Progress {
  readonly onProgress: (p: RunProgress) => void;
  /** Clears the line; call before printing the report. */
  stop(): void;
}

export function makeProgress(
  o: { json?: boolean; quiet?: boolean },
  label: string,
  budget: number | undefined,
): Progress | null {
  if (o.json === true || o.quiet === true || process.stderr.isTTY !== true) return null;
  let bar: cliProgress.SingleBar | null = null;
  const format =
    budget === undefined
      ? `${label} {value} executions | {rate} exec/s | failures {failures} | {secs} s`
      : `${label} [{bar}] {value}/{total} executions | {rate} exec/s | failures {failures} | ETA {eta_formatted}`;
  return {
    onProgress(p: RunProgress): void {
      if (p.elapsedMs < 1000) return;
      const payload = {
        rate: Math.round((p.executions * 1000) / p.elapsedMs),
        failures: p.failures,
        secs: (p.elapsedMs / 1000).toFixed(1),
      };
      if (bar === null) {
        bar = new cliProgress.SingleBar(
          { format, stream: process.stderr, clearOnComplete: true, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(budget ?? 0, p.executions, payload);
      } else {
        bar.update(p.executions, payload);
      }
    },
    stop(): void {
      if (bar !== null) bar.stop();
    },
  };
}
