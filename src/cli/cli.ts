/**
 * The mmrace command line. Exit codes: 0 no bug found (and --help, --version), 1 bug found, 2 usage or
 * input error, 3 model error. Every error is one line on stderr: commander's own start with `error:`,
 * ours with `mmrace:`; no help text follows an error and no stack trace is printed.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../engine/errors.js";
import { DEFAULT_STRATEGY, STRATEGIES } from "../report/checkScenario.js";
import { STRESS_DEFAULT_TIME_MS, STRESS_HPAGE_NR, STRESS_SCENARIO, STRESS_STRATEGIES } from "../report/stress.js";
import { DEFAULT_SCENARIO } from "../scenarios/index.js";
import { checkpointCommand } from "./checkpoint.js";
import { type CliOptions, checkParallelCommand, EXIT, runCommand } from "./commands.js";
import { DEFAULT_CELL_SECONDS, type MatrixCliOptions, matrixCommand } from "./matrix.js";
import { stressCommand } from "./stress.js";

/** A parser for a whole-number option in [min, max]; anything else (-1, 1.5, x, 0x10) is refused. */
export function int(name: string, min: number, max?: number): (v: string) => number {
  const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
  return (v: string): number => {
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!(n >= min && n <= (max ?? Number.MAX_SAFE_INTEGER))) {
      throw new InvalidArgumentError(`${name} must be a whole number ${range}`);
    }
    return n;
  };
}

function hpageNr(v: string): number {
  const n = int("--hpage-nr", 2, 512)(v);
  if ((n & (n - 1)) !== 0) throw new InvalidArgumentError("--hpage-nr must be a power of two from 2 to 512");
  return n;
}

/** A failure site as reports print it: `file:line`, or the verdict of a failure without an assertion. */
function siteArg(v: string): string {
  if (/^[\w./+-]+\.[ch]:\d+$/.test(v) || ["deadlock", "step-limit", "model-error"].includes(v)) return v;
  throw new InvalidArgumentError("--site must be a kernel file:line such as mm/truncate.c:213, or deadlock");
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** Folds a multi-line message (commander's "(Did you mean ...?)" goes on a second line) into one line. */
function oneLine(s: string): string {
  return s.trim().replace(/\s*\n\s*/g, " ");
}

/** mmrace's version, from the package.json above this file (src/cli or dist/src/cli). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const f = join(dir, "package.json");
    if (existsSync(f)) {
      try {
        const pkg = JSON.parse(readFileSync(f, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "mmrace" && typeof pkg.version === "string") return pkg.version;
      } catch {
        // not ours: keep looking
      }
    }
    dir = dirname(dir);
  }
  return "unknown";
}

function common(c: Command, hpageHelp = "HPAGE_PMD_NR: subpages of a THP (power of two, 2..512)"): Command {
  return c
    .option("--patch <name>", "apply a candidate patch (repeatable); `landed-5.16` = the set that landed", collect, [])
    .option("--no-debug-vm", "model a kernel built without CONFIG_DEBUG_VM")
    .addOption(new Option("--hpage-nr <n>", hpageHelp).argParser(hpageNr))
    .option("--json", "print one JSON object instead of text")
    .option("--quiet", "print only the verdict line")
    .option("--no-links", "no terminal hyperlinks on kernel file:line sites (also MMRACE_NO_LINKS=1)");
}

function steps(c: Command): Command {
  return c.option("--steps", "list every step (CPU, file:line, function, notes) instead of the condensed narrative");
}

function search(c: Command): Command {
  return c
    .addOption(
      new Option(
        "--strategy <name>",
        "search strategy: stateful (exhaustive, every reachable state once), dfs (preemption-bounded), dpor (stateless, one execution per trace), pos/pct/random (randomized, for HPAGE_PMD_NR=512)",
      )
        .choices(STRATEGIES)
        .default(DEFAULT_STRATEGY),
    )
    .option(
      "--preemptions <n>",
      "dfs: largest preemption bound to try (iteratively from 0; default 3); dpor: prune beyond it (bug hunting)",
      int("--preemptions", 0, 50),
    )
    .option("--seed <n>", "random/PCT/POS: seed (default 1)", int("--seed", 0, 2 ** 32 - 1))
    .option("--depth <n>", "PCT: bug depth d (default 3)", int("--depth", 1, 20))
    .option("--max-executions <n>", "stop after this many executions", int("--max-executions", 1))
    .option("--max-states <n>", "stateful: stop after this many distinct states", int("--max-states", 1))
    .option("--list-states", "with --json: add terminalStateHashes, the sorted hashes of the distinct final states")
    .option("--count-traces", "also count the Mazurkiewicz traces (what stateless DPOR would run; small scenarios)")
    .option("--time <seconds>", "stop after this many seconds", int("--time", 1))
    .option(
      "--checkpoint <file>",
      "stateful: resume from <file> if it exists, and save the search there as it goes and when it stops (for runs of hours)",
    )
    .option(
      "--checkpoint-every <seconds>",
      "with --checkpoint: seconds between saves (default 60)",
      int("--checkpoint-every", 1),
    )
    .option("--no-shrink", "report the first failure as found, without shrinking it (shrinking stops after 10 s)")
    .addOption(
      new Option(
        "--site <file:line>",
        "look for a failure at this site only (e.g. include/linux/page_ref.h:184, or deadlock); others are passed by",
      ).argParser(siteArg),
    );
}

function html(c: Command): Command {
  return c
    .option("--html <file>", "also write the counterexample as a self-contained HTML viewer to <file>")
    .option("--force", "let --html overwrite an existing file");
}

function stress(c: Command): Command {
  return c
    .addOption(new Option("--strategy <name>", "search strategy").choices(STRESS_STRATEGIES).default("pct"))
    .option(
      "--seed <n>",
      "seed of the search (default 1; another seed explores other interleavings)",
      int("--seed", 0, 2 ** 32 - 1),
    )
    .option("--depth <n>", "PCT: bug depth d (default 3)", int("--depth", 1, 20))
    .option(
      "--time <seconds>",
      `stop after this many seconds (default ${STRESS_DEFAULT_TIME_MS / 1000} unless --max-executions is given)`,
      int("--time", 1),
    )
    .option("--max-executions <n>", "stop after this many executions", int("--max-executions", 1))
    .option(
      "--jobs <n>",
      "worker threads, one seed each (seed, seed+1, ...); default: one per core, or 1 with --max-executions",
      int("--jobs", 1, 256),
    )
    .option("--no-shrink", "report the first failure as found, without shrinking it (shrinking stops after 10 s)");
}

const REPLAY_EXAMPLE = "v1.truncate-vs-truncate~n4.a12b35a17b14a4.typ2ta";

/**
 * Builds the commander program; each command's exit code is passed to `setExit`. Parse errors throw a
 * CommanderError (exitOverride) after printing one line; command errors throw from the action.
 */
export function buildCli(setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name("mmrace")
    .description("Find, replay and explain concurrency bugs in the Linux page cache (v5.15-rc3 model)")
    .version(packageVersion(), "-V, --version", "print mmrace's version")
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`${oneLine(s)}\n`),
    })
    .showHelpAfterError(false)
    .helpCommand(false);
  program
    .command("list")
    .description("list the built-in scenarios and candidate patches")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  mmrace list\n  mmrace list --json")
    .action((opts: CliOptions) => setExit(runCommand("list", [], opts)));
  html(steps(search(common(program.command("check")))))
    .argument("[scenario]", `scenario to check (default: ${DEFAULT_SCENARIO}, the seed race)`)
    .description("search a scenario's interleavings for a kernel BUG and explain the first one found")
    .addHelpText(
      "after",
      "\nExamples:\n  mmrace check\n  mmrace check truncate-vs-truncate --patch landed-5.16\n  mmrace check truncate-vs-truncate --steps\n  mmrace check truncate-vs-truncate --html race.html\n  mmrace check collapse-vs-truncate --strategy pct --seed 7 --hpage-nr 512 --json\n  mmrace check collapse-vs-two-truncates --patch hugh-deletions --time 3600 --checkpoint cv2t.ckpt   # run again to go on\n  mmrace check collapse-vs-truncate --patch hugh-deletions --patch skip-thp-before-put --jobs 2\n  mmrace check collapse-vs-two-truncates --patch hugh-deletions --patch skip-thp-before-put --jobs 2 --max-states 60000000 --time 3600 --checkpoint cv2t-2.ckpt",
    )
    .option(
      "--jobs <n>",
      "stateful: worker threads sharing the search's table of visited states (default 1; the verdict is the same, which counterexample comes first is not)",
      int("--jobs", 1, 256),
    )
    .option(
      "--split-depth <steps>",
      "with --jobs: the states this many steps in are dealt out among the workers; above, each repeats the search (default 90)",
      int("--split-depth", 1, 100000),
    )
    .action(async (scenario: string | undefined, opts: CliOptions) =>
      setExit(await checkParallelCommand(scenario, opts)),
    );
  html(steps(common(program.command("replay"))))
    .argument("<scenario>", "scenario the schedule belongs to")
    .argument("<schedule>", "a schedule string, as printed by check (v1....)")
    .description("re-run one interleaving exactly and print what happens")
    .addHelpText(
      "after",
      `\nExamples:\n  mmrace replay truncate-vs-truncate ${REPLAY_EXAMPLE}\n  mmrace replay truncate-vs-truncate ${REPLAY_EXAMPLE} --html race.html --force`,
    )
    .action((scenario: string, schedule: string, opts: CliOptions) =>
      setExit(runCommand("replay", [scenario, schedule], opts)),
    );
  steps(common(program.command("explain")))
    .argument("<scenario>", "scenario the schedule belongs to")
    .argument("<schedule>", "a schedule string, as printed by check (v1....)")
    .description("tell one interleaving as a numbered story (no oops); --steps lists every step")
    .addHelpText(
      "after",
      `\nExamples:\n  mmrace explain truncate-vs-truncate ${REPLAY_EXAMPLE}\n  mmrace explain truncate-vs-truncate ${REPLAY_EXAMPLE} --steps`,
    )
    .action((scenario: string, schedule: string, opts: CliOptions) =>
      setExit(runCommand("explain", [scenario, schedule], opts)),
    );
  html(stress(common(program.command("stress"), `HPAGE_PMD_NR (default ${STRESS_HPAGE_NR}; power of two, 2..512)`)))
    .argument("[scenario]", `workload to stress (default: ${STRESS_SCENARIO}, stress_madvise_dso.c)`)
    .description("run random or PCT search until a time or execution budget, count failures by site, explain the first")
    .addHelpText(
      "after",
      `\nRuns on after the first failure. Reports executions, executions/s, the failures by site with the first
counterexample of each, and the first failure shrunk and explained as check does. Exit 1 if any failed.

Examples:
  mmrace stress
  mmrace stress --time 300 --seed 7
  mmrace stress --strategy random --max-executions 5000 --json
  mmrace stress --hpage-nr 4 --max-executions 1000 --seed 5
  mmrace stress --patch hugh-deletions --time 30`,
    )
    .action(async (scenario: string | undefined, opts: CliOptions) => setExit(await stressCommand(scenario, opts)));
  common(program.command("matrix"))
    .option("--scenario <name>", "only this scenario (repeatable); default: every built-in", collect, [])
    .option(
      "--preemptions <n>",
      "for a bug, bound of the search for its fewest preemptions (default 6; 3 with three threads)",
      int("--preemptions", 0, 50),
    )
    .option("--time <seconds>", `time budget per cell (default ${DEFAULT_CELL_SECONDS})`, int("--time", 1))
    .option(
      "--jobs <n>",
      "cells run at once, each on its own worker thread (default: the number of cores)",
      int("--jobs", 1, 256),
    )
    .description("run every scenario under every patch column and tabulate which patch closes which race")
    .addHelpText(
      "after",
      "\nExamples:\n  mmrace matrix\n  mmrace matrix --scenario collapse-vs-truncate --patch landed-5.16 --json\n  mmrace matrix --no-debug-vm --jobs 1",
    )
    .action(async (opts: MatrixCliOptions) => setExit(await matrixCommand(opts)));
  program
    .command("checkpoint")
    .argument("<file>", "a file written by check --checkpoint")
    .option("--json", "print JSON")
    .description("say what a saved search is, how far it got, and whether this build can go on with it")
    .addHelpText("after", "\nExamples:\n  mmrace checkpoint cv2t.ckpt\n  mmrace checkpoint cv2t.ckpt --json")
    .action((file: string, opts: { json?: boolean }) => setExit(checkpointCommand(file, opts)));
  program
    .command("help")
    .argument("[command]", "command to explain")
    .description("display help for a command")
    .action((name: string | undefined) => {
      const sub = name === undefined ? program : program.commands.find((c) => c.name() === name);
      if (sub === undefined) {
        const known = program.commands.map((c) => c.name()).join(", ");
        throw new UsageError(`unknown command '${name}' (commands: ${known})`);
      }
      sub.outputHelp();
      setExit(EXIT.ok);
    });
  return program;
}

/** The exit code for an error that ended a command, after printing it (commander printed its own). */
export function exitForError(e: unknown): number {
  if (e instanceof CommanderError) {
    // --help, help and --version exit 0; help shown because no command was given exits like an error.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return EXIT.ok;
    if (e.code === "commander.help") return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return EXIT.usage;
  }
  if (UsageError.is(e)) {
    process.stderr.write(`mmrace: ${oneLine(e.message)}\n`);
    return EXIT.usage;
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  process.stderr.write(`mmrace: model error (a bug in mmrace, not in the kernel): ${oneLine(msg)}\n`);
  return EXIT.modelError;
}

/** Runs the command line `argv` (without node and the script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await buildCli((c) => {
      code = c;
    }).parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    return exitForError(e);
  }
}
