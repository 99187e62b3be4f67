import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { type CheckpointIdentity, readCheckpoint } from "../../src/engine/checkpoint.js";
import type { Program } from "../../src/engine/program.js";
import { type RunResult, run } from "../../src/engine/runner.js";
import { RandomStrategy } from "../../src/engine/strategy/random.js";
import { StatefulStrategy } from "../../src/engine/strategy/stateful.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";
import { independent } from "./programs.js";
import { increments } from "./statefulPrograms.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmrace-ckpt-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = (): string => path.join(dir, `c${files++}.ckpt`);
const ID: CheckpointIdentity = { program: "p", strategy: "stateful", build: "b" };

/** What a search found: everything but the cost of finding it. */
function outcome(st: StatefulStrategy, r: RunResult) {
  return {
    states: st.states,
    transitions: st.transitions,
    slept: st.slept,
    maxDepth: st.maxDepth,
    exhausted: st.exhausted,
    terminal: [...r.terminalStates].sort(),
    sites: [...r.failureSites].sort(),
    verdicts: { ...r.verdicts, pruned: 0 },
  };
}

/**
 * Runs the search in pieces: each piece a fresh strategy (as a new process would have) that resumes from
 * the file, stops after `per` executions or `perStates` more states, and saves.
 */
function inPieces(makeProg: () => Program, per: { executions?: number; states?: number }, stopOnFailure = false) {
  const file = freshFile();
  let st = new StatefulStrategy();
  let r: RunResult | null = null;
  let pieces = 0;
  while (r === null || !st.exhausted) {
    const maxStates = per.states === undefined ? undefined : (pieces + 1) * per.states;
    st = new StatefulStrategy({ maxStates });
    r = run(makeProg(), st, {
      stopOnFailure,
      maxExecutions: per.executions,
      checkpoint: { path: file, identity: ID, everyMs: 1e9 },
    });
    pieces++;
    if (r.first !== null && stopOnFailure) break;
    if (pieces > 10_000) throw new Error("no progress");
  }
  return { st, r, pieces };
}

describe("checkpoints of the stateful search", () => {
  test.each([
    ["grid 3x3", () => independent(3, 3)],
    ["three increments, symmetric", () => increments(3, true)],
  ])("%s: stopped every few executions and resumed, the same states, transitions and outcomes", (_n, prog) => {
    const st = new StatefulStrategy();
    const whole = run(prog(), st, { stopOnFailure: false });
    const pieces = inPieces(prog, { executions: 3 });
    expect(pieces.pieces).toBeGreaterThan(3);
    expect(outcome(pieces.st, pieces.r)).toEqual(outcome(st, whole));
    // Stopping between executions costs nothing: not one execution more.
    expect(pieces.st.executions).toBe(st.executions);
  });

  test("a kernel scenario (truncate-vs-truncate, landed-5.16, N=4) cut by --max-states gives the same result", () => {
    const s = findScenario("truncate-vs-truncate");
    const prog = () =>
      makeProgram(s, { patches: ["remove-find-lock-entries-index-check", "lock-filemap-when-truncating"] });
    const st = new StatefulStrategy();
    const whole = run(prog(), st, { stopOnFailure: false });
    expect(st.exhausted).toBe(true);
    const pieces = inPieces(prog, { states: 40 });
    expect(pieces.pieces).toBeGreaterThan(4);
    expect(outcome(pieces.st, pieces.r)).toEqual(outcome(st, whole));
    // A --max-states stop cuts an execution short at a new state; the next piece replays its path again:
    // one execution more per such stop (all pieces but the last).
    expect(pieces.st.executions).toBe(st.executions + pieces.pieces - 1);
  });

  test("a search that stopped at its bug reports the same bug when resumed, without searching on", () => {
    const s = findScenario("collapse-vs-truncate");
    const prog = () => makeProgram(s, {});
    const file = freshFile();
    const cfg = { path: file, identity: ID };
    const first = run(prog(), new StatefulStrategy(), { checkpoint: cfg });
    expect(first.outcome).toBe("bug");
    const again = run(prog(), new StatefulStrategy(), { checkpoint: cfg });
    expect(again.outcome).toBe("bug");
    expect(again.first?.choices).toEqual(first.first?.choices);
    expect(again.executions).toBe(first.executions);
  });

  test("a checkpoint of another program, strategy or build is refused, and the file left as it was", () => {
    const file = freshFile();
    run(independent(2, 2), new StatefulStrategy(), { checkpoint: { path: file, identity: ID } });
    const before = fs.readFileSync(file);
    for (const other of [
      { ...ID, program: "q" },
      { ...ID, strategy: "stateful sleep-sets=false" },
      { ...ID, build: "c" },
    ]) {
      expect(() =>
        run(independent(2, 2), new StatefulStrategy(), { checkpoint: { path: file, identity: other } }),
      ).toThrow(/checkpoint .*(is for|another build)/);
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  test("writing goes through a temporary file of its own: a user's FILE.tmp is not touched", () => {
    const file = freshFile();
    fs.writeFileSync(`${file}.tmp`, "mine\n");
    run(independent(2, 2), new StatefulStrategy(), { checkpoint: { path: file, identity: ID } });
    expect(fs.readFileSync(`${file}.tmp`, "utf8")).toBe("mine\n");
    expect(readCheckpoint(file, ID)).not.toBeNull();
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(file)) && f.endsWith(".tmp"))).toEqual([
      `${path.basename(file)}.tmp`,
    ]);
  });

  test("a file that is not a checkpoint is refused and not overwritten", () => {
    const file = freshFile();
    fs.writeFileSync(file, "my notes\n");
    expect(() => run(independent(2, 2), new StatefulStrategy(), { checkpoint: { path: file, identity: ID } })).toThrow(
      /not a readable mmrace checkpoint/,
    );
    expect(fs.readFileSync(file, "utf8")).toBe("my notes\n");
  });

  test("an unwritable place fails before the search starts; a strategy that cannot resume is refused", () => {
    const missing = path.join(dir, "no-such-dir", "x.ckpt");
    expect(() =>
      run(independent(2, 2), new StatefulStrategy(), { checkpoint: { path: missing, identity: ID } }),
    ).toThrow(/cannot write checkpoint/);
    expect(() =>
      run(independent(2, 2), new RandomStrategy(1), { checkpoint: { path: freshFile(), identity: ID } }),
    ).toThrow(/needs a search that can resume/);
  });

  test("a saved path that no longer leads to its states (the model changed) is caught on replay", () => {
    const file = freshFile();
    // Stop mid-search so that the checkpoint holds a DFS path to replay.
    run(independent(2, 3), new StatefulStrategy(), { maxExecutions: 2, checkpoint: { path: file, identity: ID } });
    expect(readCheckpoint(file, ID)).not.toBeNull();
    // Same identity (the guard a changed build would trip is bypassed on purpose), same threads, but one
    // more piece of shared state: every state on the saved path now hashes differently.
    const base = independent(2, 3);
    const changed: Program = { ...base, stateRoots: () => ["one more field", ...(base.stateRoots?.() ?? [])] };
    expect(() => run(changed, new StatefulStrategy(), { checkpoint: { path: file, identity: ID } })).toThrow(
      /does not lead to the states it recorded/,
    );
  });
});
