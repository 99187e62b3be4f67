/**
 * Exit codes, in process: the result → code mapping (exitFor), errors → code (exitForError, every
 * commander error code), the option parsers, and main() run twice in one process (the exit code is
 * returned, not left in process.exitCode for the next command to find).
 */
import { CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, type MockInstance, test, vi } from "vitest";
import { exitForError, int, main } from "../../src/cli/cli.js";
import { EXIT, exitFor } from "../../src/cli/commands.js";
import { UsageError } from "../../src/engine/errors.js";

let stderr: MockInstance<typeof process.stderr.write>;
let stdout: MockInstance<typeof process.stdout.write>;

beforeEach(() => {
  stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
});

function written(m: MockInstance<typeof process.stderr.write>): string {
  return m.mock.calls.map((c) => String(c[0])).join("");
}

describe("exitFor: a report's result → exit code", () => {
  test.each([
    ["bug", 1],
    ["ok", 0],
    ["incomplete", 0],
    ["model-error", 3],
  ] as const)("%s → %i", (result, code) => expect(exitFor(result)).toBe(code));

  test("the codes", () => expect(EXIT).toEqual({ ok: 0, bug: 1, usage: 2, modelError: 3 }));
});

describe("exitForError: an error that ends a command → exit code and one line", () => {
  // Every code commander 14 throws under exitOverride (lib/command.js).
  test.each([
    "commander.error",
    "commander.missingArgument",
    "commander.optionMissingArgument",
    "commander.missingMandatoryOptionValue",
    "commander.conflictingOption",
    "commander.unknownOption",
    "commander.excessArguments",
    "commander.unknownCommand",
    "commander.invalidArgument",
    "commander.executeSubCommandAsync",
  ])("%s → 2", (code) => {
    expect(exitForError(new CommanderError(1, code, "error: x"))).toBe(2);
    expect(written(stderr)).toBe(""); // commander printed its own line already
  });

  test("help and version → 0; help shown because no command was given → 2", () => {
    expect(exitForError(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"))).toBe(0);
    expect(exitForError(new CommanderError(0, "commander.version", "0.1.0"))).toBe(0);
    expect(exitForError(new CommanderError(0, "commander.help", "(outputHelp)"))).toBe(0);
    expect(exitForError(new CommanderError(1, "commander.help", "(outputHelp)"))).toBe(2);
  });

  test("a UsageError → 2, its message on one line", () => {
    expect(exitForError(new UsageError("unknown scenario 'x'"))).toBe(2);
    expect(written(stderr)).toBe("mmrace: unknown scenario 'x'\n");
  });

  test("any other exception (a model error) → 3, one line, no stack", () => {
    const e = new TypeError("Cannot read properties of undefined (reading 'index')\n    at xas_load (xarray.js:1:1)");
    expect(exitForError(e)).toBe(3);
    expect(exitForError("thrown string")).toBe(3);
    const out = written(stderr)
      .split("\n")
      .filter((l) => l !== "");
    expect(out).toEqual([
      "mmrace: model error (a bug in mmrace, not in the kernel): TypeError: Cannot read properties of undefined (reading 'index') at xas_load (xarray.js:1:1)",
      "mmrace: model error (a bug in mmrace, not in the kernel): thrown string",
    ]);
  });
});

describe("int(): whole numbers in range only", () => {
  const seed = int("--seed", 0, 2 ** 32 - 1);
  const time = int("--time", 1);
  test("accepts", () => {
    expect(seed("0")).toBe(0);
    expect(seed("4294967295")).toBe(4294967295);
    expect(time("007")).toBe(7);
  });
  test.each(["-1", "1.5", "x", "", " 1", "1e3", "0x10", "4294967296", "99999999999999999999"])("--seed %j", (v) =>
    expect(() => seed(v)).toThrow(/^--seed must be a whole number from 0 to 4294967295$/),
  );
  test.each(["0", "-1", "0.5"])("--time %j", (v) =>
    expect(() => time(v)).toThrow(/^--time must be a whole number of at least 1$/),
  );
});

describe("main(), in process", () => {
  test.each([
    [["--help"], 0],
    [["-V"], 0],
    [["help"], 0],
    [["help", "check"], 0],
    [["check", "--help"], 0],
    [[], 2],
    [["check", "--seed", "-1"], 2],
    [["check", "--bogus"], 2],
    [["bogus"], 2],
    [["replay"], 2],
    [["check", "a", "b"], 2],
    [["check", "--patch"], 2],
    [["check", "no-such-scenario"], 2],
    [["replay", "truncate-vs-truncate", "v9.x.a.0"], 2],
  ] as [string[], number][])("%j → %i", async (argv, code) => {
    expect(await main(argv)).toBe(code);
    if (code === 2 && argv.length > 0) {
      expect(
        written(stderr)
          .split("\n")
          .filter((l) => l !== ""),
      ).toHaveLength(1);
    }
  });

  test("each call returns its own code: a bug, then a clean list", async () => {
    expect(await main(["check", "truncate-vs-truncate", "--quiet"])).toBe(1);
    expect(written(stdout)).toBe("truncate-vs-truncate: bug: VM_BUG_ON_PAGE at mm/truncate.c:213\n");
    expect(await main(["list"])).toBe(0);
    expect(process.exitCode).toBeUndefined();
  });
});
