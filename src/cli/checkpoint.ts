/** `mmrace checkpoint FILE`: what a saved search is and how far it got (report/checkpointInfo.ts). */
import { checkpointInfo, renderCheckpointInfo } from "../report/checkpointInfo.js";
import { SCHEMA_VERSION } from "../report/types.js";
import { EXIT, write } from "./commands.js";

export function checkpointCommand(file: string, o: { json?: boolean }): number {
  const info = checkpointInfo(file);
  write(
    o.json === true
      ? JSON.stringify({ schemaVersion: SCHEMA_VERSION, command: "checkpoint", ...info }, null, 2)
      : renderCheckpointInfo(info),
  );
  return EXIT.ok;
}
