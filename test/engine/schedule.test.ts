import { describe, expect, test } from "vitest";
import { UsageError } from "../../src/engine/errors.js";
import { runExecution } from "../../src/engine/execution.js";
import { Prng } from "../../src/engine/prng.js";
import { run } from "../../src/engine/runner.js";
import { decodeSchedule, encodeSchedule, SCHEDULE_VERSION } from "../../src/engine/schedule.js";
import { DfsStrategy } from "../../src/engine/strategy/dfs.js";
import { ReplayStrategy } from "../../src/engine/strategy/replay.js";
import { lostUpdate, S_LU_READ } from "./programs.js";

describe("schedule codec goldens", () => {
  test("literal strings", () => {
    expect(SCHEDULE_VERSION).toBe("v1");
    // 123456789 = 21i3v9 in base 36; a2b2 = thread 0 twice, then thread 1 twice.
    expect(encodeSchedule({ program: "lost-update", choices: [0, 0, 1, 1], check: 123456789 })).toBe(
      "v1.lost-update.a2b2.21i3v9",
    );
    // Runs of one are written without a count; a run of 12 with two digits.
    expect(encodeSchedule({ program: "x", choices: [...Array(12).fill(0), 1, 1, 1, 0], check: 0 })).toBe(
      "v1.x.a12b3a.0",
    );
    // Thread 25 is z; the check is unsigned (−1 is 2^32 − 1 = 1z141z3).
    expect(encodeSchedule({ program: "A_b+c~d-9", choices: [25, 2, 2], check: -1 })).toBe("v1.A_b+c~d-9.zc2.1z141z3");
    // No steps at all.
    expect(encodeSchedule({ program: "p", choices: [], check: 17 })).toBe("v1.p.-.h");
    expect(decodeSchedule("v1.p.-.h")).toEqual({ program: "p", choices: [], check: 17 });
    expect(decodeSchedule("  v1.lost-update.a2b2.21i3v9\n")).toEqual({
      program: "lost-update",
      choices: [0, 0, 1, 1],
      check: 123456789,
    });
  });

  test("the lost update found by DFS prints as v1.lost-update.ab2a.1eleoo5", () => {
    /*
     * The failing execution is A reads, B reads, B writes, A writes: choices 0,1,1,0, and every step
     * ends at S_LU_READ (a finishing step keeps the thread's last site). A site's key is the 32-bit
     * FNV-1a hash of "counter.c:11:worker:tmp = x" = 0x34c534a4, whatever the import order. The check
     * folds h = (h ^ key) · 0x01000193 + thread (mod 2^32) from h = 17, which gives 3059265893:
     * 1eleoo5 in base 36.
     */
    expect(S_LU_READ.key).toBe(fnv1a("counter.c:11:worker:tmp = x"));
    expect(S_LU_READ.key).toBe(0x34c534a4);
    let h = 17;
    for (const t of [0, 1, 1, 0]) h = (Math.imul(h ^ S_LU_READ.key, 0x01000193) + t) | 0;
    expect(h >>> 0).toBe(3059265893);

    const r = run(lostUpdate(), new DfsStrategy(1)).first;
    expect(r?.choices).toEqual([0, 1, 1, 0]);
    expect(r?.traceHash).toBe(3059265893);
    const text = encodeSchedule({ program: "lost-update", choices: r?.choices ?? [], check: r?.traceHash ?? 0 });
    expect(text).toBe("v1.lost-update.ab2a.1eleoo5");

    // And back: the decoded string replays to the same execution.
    const s = decodeSchedule(text);
    const again = runExecution(lostUpdate(), new ReplayStrategy(s.choices));
    expect(again.verdict).toBe("bug");
    expect(again.traceHash).toBe(s.check);
  });
});

/** FNV-1a over UTF-16 code units, 32 bits: an independent statement of how site keys are made. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

describe("schedule codec roundtrip", () => {
  test("random choice lists survive encode/decode, and encoding is canonical", () => {
    const rng = new Prng(20241125);
    for (let i = 0; i < 500; i++) {
      const threads = 1 + rng.below(26);
      const len = rng.below(300);
      const choices: number[] = [];
      while (choices.length < len) {
        // Runs of random length, so counts of one, two and three digits all occur.
        const t = rng.below(threads);
        const runLen = rng.below(4) === 0 ? 1 + rng.below(150) : 1 + rng.below(3);
        for (let j = 0; j < runLen && choices.length < len; j++) choices.push(t);
      }
      const check = rng.nextU32();
      const program = `prog-${i}`;
      const text = encodeSchedule({ program, choices, check });
      expect(text.split(".")).toHaveLength(4);
      const back = decodeSchedule(text);
      expect(back).toEqual({ program, choices, check });
      expect(encodeSchedule(back)).toBe(text);
    }
  });

  test("encoding refuses what it cannot write", () => {
    expect(() => encodeSchedule({ program: "has.dot", choices: [0], check: 0 })).toThrow(/cannot go in a schedule/);
    expect(() => encodeSchedule({ program: "p", choices: [26], check: 0 })).toThrow(/at most 26 threads/);
  });
});

describe("malformed schedule strings", () => {
  const cases: [string, string, RegExp][] = [
    ["empty", "", /must start with 'v1\.'/],
    ["no version", "lost-update.a2b2.0", /must start with 'v1\.'/],
    ["upper-case version", "V1.lost-update.a2b2.0", /must start with 'v1\.'/],
    ["wrong version", "v2.lost-update.a2b2.0", /version 'v2' is not supported/],
    ["version only", "v1", /expected v1\.<scenario>\.<steps>\.<check>/],
    ["missing check", "v1.lost-update.a2b2", /expected v1\.<scenario>\.<steps>\.<check>/],
    ["extra part", "v1.lost-update.a2b2.0.1", /expected v1\.<scenario>\.<steps>\.<check>/],
    ["empty program", "v1..a2b2.0", /bad scenario part ''/],
    ["space in program", "v1.lost update.a2b2.0", /bad scenario part 'lost update'/],
    ["slash in program", "v1.a/b.a2.0", /bad scenario part 'a\/b'/],
    ["newline in program", "v1.lost\nupdate.a2.0", /bad scenario part 'lost\\x0aupdate'/],
    ["empty steps", "v1.lost-update..0", /empty steps part/],
    ["upper-case letter", "v1.lost-update.A2.0", /expected a thread letter at step part position 0/],
    ["count first", "v1.lost-update.2a.0", /expected a thread letter at step part position 0/],
    ["punctuation", "v1.lost-update.a2%.0", /expected a thread letter at step part position 2/],
    ["zero count", "v1.lost-update.a0.0", /bad run length at position 0/],
    ["empty check", "v1.lost-update.a2b2.", /bad check part ''/],
    ["upper-case check", "v1.lost-update.a2b2.ZZ", /bad check part 'ZZ'/],
    ["check too long", "v1.lost-update.a2b2.12345678", /bad check part '12345678'/],
    ["check over 32 bits", "v1.lost-update.a2b2.zzzzzzz", /bad check part 'zzzzzzz'/],
  ];
  for (const [what, text, msg] of cases) {
    test(`${what}: UsageError with a one-line message`, () => {
      let err: unknown = null;
      try {
        decodeSchedule(text);
      } catch (e) {
        err = e;
      }
      expect(UsageError.is(err)).toBe(true);
      const message = (err as Error).message;
      expect(message).toMatch(msg);
      expect(message).not.toMatch(/[\n\r]/);
      expect(message.length).toBeLessThan(160);
    });
  }

  test("a very long bad part is clipped", () => {
    const long = "x".repeat(200);
    expect(() => decodeSchedule(`v1.${long}!.a.0`)).toThrow(/bad scenario part 'x{37}\.\.\.'/);
  });
});
