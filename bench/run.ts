/**
 * Runs every bench module: each `*.js` next to this file (once compiled to dist/bench/) that exports
 * `run()`. Arguments, if any, name the modules to run (`node dist/bench/run.js engine`).
 *
 *   npm run bench   # tsc -p tsconfig.json && node dist/bench/run.js
 */
import { readdirSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

interface BenchModule {
  readonly name?: string;
  run(): void | Promise<void>;
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const only = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith(".js") && f !== "run.js")
    .sort();
  console.log(
    `mmrace bench — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPU(s): ` +
      `${cpus()[0]?.model ?? "unknown"}`,
  );
  let ran = 0;
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as Partial<BenchModule>;
    if (typeof mod.run !== "function") continue;
    const name = mod.name ?? f.replace(/\.js$/, "");
    if (only.length > 0 && !only.includes(name)) continue;
    console.log(`\n## ${name}\n`);
    await mod.run();
    ran++;
  }
  if (ran === 0) {
    console.error(`no bench module matched ${only.length > 0 ? only.join(", ") : "(none found)"} in ${here}`);
    process.exitCode = 2;
  }
}

await main();
