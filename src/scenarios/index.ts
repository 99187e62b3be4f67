/** The scenario registry: built-ins by name. */
import { UsageError } from "../engine/errors.js";
import { BUILTIN_SCENARIOS, DEFAULT_SCENARIO } from "./builtins.js";
import { loadScenarioFile } from "./load.js";
import type { Scenario } from "./types.js";

export type { Scenario };
export { BUILTIN_SCENARIOS, DEFAULT_SCENARIO };

/** A built-in by name, or a user scenario from a `.json` file path. */
export function findScenario(name: string): Scenario {
  if (name.endsWith(".json")) return loadScenarioFile(name);
  const s = BUILTIN_SCENARIOS.find((x) => x.name === name);
  if (s === undefined) {
    throw new UsageError(`unknown scenario '${name}' (built-in: ${BUILTIN_SCENARIOS.map((x) => x.name).join(", ")})`);
  }
  return s;
}
