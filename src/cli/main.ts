#!/usr/bin/env node
/** Entry point of the `mmrace` bin. */
import { main } from "./cli.js";

// A reader that stops early (`mmrace check --help | head -3`) closes the pipe: the rest of the output has
// nowhere to go, which is not an error of ours. Without this handler Node throws EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
