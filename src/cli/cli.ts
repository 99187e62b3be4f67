/**
 * The mmrace command line. Exit codes: 0 no bug found, 1 bug found, 2 usage or input error, 3 model error.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../engine/errors.js";
import { runCommand } from "./commands.js";

const EXIT_USAGE = 2;

function int(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}`);
    return n;
  };
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function common(c: Command): Command {
  return c
    .option("--patch <name>", "apply a candidate patch (repeatable); `landed-5.16` = the set that landed", collect, [])
    .option("--no-debug-vm", "model a kernel built without CONFIG_DEBUG_VM")
    .addOption(
      new Option("--hpage-nr <n>", "HPAGE_PMD_NR: subpages of a THP (power of two, 2..512)").argParser((v) => {
        const n = int("--hpage-nr", 2, 512)(v);
        if ((n & (n - 1)) !== 0) throw new InvalidArgumentError("--hpage-nr must be a power of two");
        return n;
      }),
    )
    .option("--json", "print one JSON object instead of text")
    .option("--quiet", "print only the verdict line");
}

function search(c: Command): Command {
  return c
    .addOption(new Option("--strategy <name>", "search strategy").choices(["dfs", "random", "pct"]).default("dfs"))
    .option(
      "--preemptions <n>",
      "DFS: largest preemption bound to try (iteratively from 0)",
      int("--preemptions", 0, 50),
    )
    .option("--seed <n>", "random/PCT: seed", int("--seed", 0, 2 ** 32 - 1))
    .option("--depth <n>", "PCT: bug depth d", int("--depth", 1, 20))
    .option("--max-executions <n>", "stop after this many executions", int("--max-executions", 1))
    .option("--time <seconds>", "stop after this many seconds", int("--time", 1));
}

export function buildCli(): Command {
  const program = new Command();
  program
    .name("mmrace")
    .description("Find, replay and explain concurrency bugs in the Linux page cache (v5.15-rc3 model)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError(false);
  program
    .command("list")
    .description("list the built-in scenarios and candidate patches")
    .option("--json", "print JSON")
    .action((opts) => runCommand("list", [], opts));
  search(common(program.command("check")))
    .argument("[scenario]", "scenario to check (default: collapse-vs-truncate, the seed race)")
    .description("search a scenario's interleavings for a kernel BUG and explain the first one found")
    .addHelpText(
      "after",
      "\nExamples:\n  mmrace check\n  mmrace check truncate-vs-truncate --patch landed-5.16\n  mmrace check collapse-vs-truncate --strategy pct --seed 7 --hpage-nr 512 --json",
    )
    .action((scenario, opts) => runCommand("check", [scenario], opts));
  common(program.command("replay"))
    .argument("<scenario>", "scenario the schedule belongs to")
    .argument("<schedule>", "a schedule string, as printed by check (v1....)")
    .description("re-run one interleaving exactly and print what happens")
    .addHelpText("after", "\nExample:\n  mmrace replay truncate-vs-truncate v1.truncate-vs-truncate~n4.a30b12a9.1x2k3p")
    .action((scenario, schedule, opts) => runCommand("replay", [scenario, schedule], opts));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const cli = buildCli();
    await cli.parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
        return 0;
      return EXIT_USAGE; // commander already printed its one-line message
    }
    if (UsageError.is(e)) {
      process.stderr.write(`mmrace: ${e.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`mmrace: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 3;
  }
}
