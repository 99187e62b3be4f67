/**
 * The schedule codec: one execution as a short ASCII string that fits a commit message line.
 *
 *   v1.<program>.<runs>.<check>
 *
 * - `v1`        format version; a reader refuses other versions.
 * - `<program>` the program id ([A-Za-z0-9_+~-]), so a schedule cannot silently run on another scenario.
 * - `<runs>`    the thread chosen at each step, run-length encoded: a thread letter (a = thread 0 ...
 *               z = thread 25) followed by how many consecutive steps it ran, omitted when 1.
 *               `a12b3a` = thread 0 for 12 steps, thread 1 for 3, thread 0 for 1.
 * - `<check>`   base-36 hash of the (thread, site) sequence the recorded execution went through. A replay
 *               that runs the same choices but reaches other sites has diverged: the model changed or is
 *               not deterministic.
 *
 * Example: `v1.lost-update.a3b4a.1k2jz9`.
 */
import { UsageError } from "./errors.js";

export const SCHEDULE_VERSION = "v1";

export interface Schedule {
  readonly program: string;
  readonly choices: readonly number[];
  /** traceHash of the recorded execution. */
  readonly check: number;
}

const PROGRAM_RE = /^[A-Za-z0-9_+~-]+$/;

/** Encodes a schedule. */
export function encodeSchedule(s: Schedule): string {
  if (!PROGRAM_RE.test(s.program)) throw new Error(`program id '${s.program}' cannot go in a schedule`);
  let runs = "";
  let i = 0;
  while (i < s.choices.length) {
    const t = s.choices[i] as number;
    if (t < 0 || t > 25) throw new Error(`thread ${t} cannot be encoded (at most 26 threads)`);
    let j = i + 1;
    while (j < s.choices.length && s.choices[j] === t) j++;
    runs += String.fromCharCode(97 + t) + (j - i > 1 ? String(j - i) : "");
    i = j;
  }
  return `${SCHEDULE_VERSION}.${s.program}.${runs || "-"}.${(s.check >>> 0).toString(36)}`;
}

/** Decodes a schedule string; a malformed one is a UsageError saying what is wrong. */
export function decodeSchedule(text: string): Schedule {
  const str = text.trim();
  const parts = str.split(".");
  const version = parts[0] ?? "";
  if (!/^v\d+$/.test(version)) {
    throw new UsageError(`malformed schedule string '${clip(str)}': it must start with '${SCHEDULE_VERSION}.'`);
  }
  if (version !== SCHEDULE_VERSION) {
    throw new UsageError(
      `schedule string version '${version}' is not supported (this mmrace reads ${SCHEDULE_VERSION})`,
    );
  }
  if (parts.length !== 4) {
    throw new UsageError(`malformed schedule string '${clip(str)}': expected v1.<scenario>.<steps>.<check>`);
  }
  const [, program, runs, checkText] = parts as [string, string, string, string];
  if (!PROGRAM_RE.test(program)) {
    throw new UsageError(`malformed schedule string: bad scenario part '${clip(program)}'`);
  }
  if (!/^[0-9a-z]{1,7}$/.test(checkText) || Number.parseInt(checkText, 36) > 0xffffffff) {
    throw new UsageError(`malformed schedule string: bad check part '${clip(checkText)}'`);
  }
  if (runs === "") {
    throw new UsageError("malformed schedule string: empty steps part (an execution of no steps is written '-')");
  }
  const choices: number[] = [];
  if (runs !== "-") {
    let i = 0;
    while (i < runs.length) {
      const c = runs.charCodeAt(i);
      if (c < 97 || c > 122) {
        throw new UsageError(`malformed schedule string: expected a thread letter at step part position ${i}`);
      }
      let j = i + 1;
      while (j < runs.length && runs.charCodeAt(j) >= 48 && runs.charCodeAt(j) <= 57) j++;
      const count = j > i + 1 ? Number(runs.slice(i + 1, j)) : 1;
      if (count < 1 || count > 10_000_000) {
        throw new UsageError(`malformed schedule string: bad run length at position ${i}`);
      }
      for (let k = 0; k < count; k++) choices.push(c - 97);
      i = j;
    }
  }
  return { program, choices, check: Number.parseInt(checkText, 36) };
}

/** Quotes user input in a one-line message: control characters (a pasted newline) are escaped. */
function clip(s: string): string {
  let out = "";
  for (const ch of s.length > 40 ? `${s.slice(0, 37)}...` : s) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : ch;
  }
  return out;
}
