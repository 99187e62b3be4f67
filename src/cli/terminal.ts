/**
 * Colour and hyperlinks for text reports on a terminal. Reports are rendered as plain text (src/report);
 * this module decorates the finished text line by line, so pipes, files and --json get exactly the plain
 * text and the tests that pipe output see no escape codes.
 *
 * Colour (SGR codes): only when stdout is a terminal. There, FORCE_COLOR decides if set (`0` or `false`
 * turn colour off, any other value on); otherwise NO_COLOR (set to anything, https://no-color.org)
 * or TERM=dumb turn it off. The `kernel BUG at ...` line of an oops and bug verdicts are red, "no bug"
 * green, an incomplete search yellow; stack-trace headers of other CPUs and statistics are dim.
 *
 * Hyperlinks (OSC 8): every kernel `file:line` links to the v5.15-rc3 source on Elixir, as in the HTML
 * viewer. Only on a terminal, independent of colour: off with --no-links, MMRACE_NO_LINKS (any value but
 * empty or `0`) or TERM=dumb.
 */
import { elixirUrl, SITE_PATTERN } from "../report/html/escape.js";

export interface Terminal {
  readonly color: boolean;
  readonly links: boolean;
}

/** Plain text: what pipes, files and tests get. */
export const PLAIN: Terminal = { color: false, links: false };

type Env = Readonly<Record<string, string | undefined>>;

/** Whether an environment flag is on: set, not empty, not `0` or `false`. */
function on(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/**
 * What a report written to `stream` may use. `links: false` is --no-links. Pass `env` and `isTTY` to
 * decide for another process or a test.
 */
export function terminalFor(
  o: { readonly links?: boolean },
  isTTY: boolean = process.stdout.isTTY === true,
  env: Env = process.env,
): Terminal {
  if (!isTTY) return PLAIN;
  const dumb = env.TERM === "dumb";
  const force = env.FORCE_COLOR;
  const color = force !== undefined ? on(force) || force === "" : env.NO_COLOR === undefined && !dumb;
  const links = o.links !== false && !on(env.MMRACE_NO_LINKS) && !dumb;
  return { color, links };
}

// ===== primitives =====

const ESC = "\u001b";
const OSC8 = `${ESC}]8;;`;
const ST = `${ESC}\\`;

export type Paint = "red" | "green" | "yellow" | "bold" | "dim" | "boldRed";

const SGR: Readonly<Record<Paint, readonly [string, string]>> = {
  red: ["31", "39"],
  green: ["32", "39"],
  yellow: ["33", "39"],
  bold: ["1", "22"],
  dim: ["2", "22"],
  boldRed: ["1;31", "22;39"],
};

/** `text` in a colour or weight, when the terminal takes colour. */
export function paint(t: Terminal, how: Paint, text: string): string {
  if (!t.color || text === "") return text;
  const [open, close] = SGR[how];
  return `${ESC}[${open}m${text}${ESC}[${close}m`;
}

/** `text` as an OSC 8 hyperlink to `url`, when the terminal takes links. */
export function link(t: Terminal, url: string, text: string): string {
  return t.links ? `${OSC8}${url}${ST}${text}${OSC8}${ST}` : text;
}

/** Every kernel `file:line` in `text` as a link to Elixir. */
export function linkSites(t: Terminal, text: string): string {
  if (!t.links) return text;
  return text.replace(new RegExp(SITE_PATTERN, "g"), (all, file: string, line: string) =>
    link(t, elixirUrl(file, line), all),
  );
}

/** The link of one `file:line` site (as the matrix shortens them: `truncate.c:213` stands for mm/). */
export function siteUrl(site: string): string | null {
  const m = /^(.+\.[ch]):(\d+)$/.exec(site);
  return m === null ? null : elixirUrl(m[1] as string, m[2] as string);
}

// ===== reports =====

/** How a report line is painted, by its shape; null leaves it as is. */
function lineStyle(line: string): Paint | null {
  if (/^(kernel BUG at |BUG: Bad page state|mmrace: kernel state damaged at )/.test(line)) return "boldRed";
  if (/^(watchdog: BUG: |INFO: task hung)/.test(line)) return "boldRed";
  if (/^(Found: |Ends in: |model error: )/.test(line)) return "red";
  if (/^(No bug found\.|No failure at \S+ found\.|Ends: every thread finished, no bug\.)/.test(line)) return "green";
  if (/^Stopped before the search was complete/.test(line)) return "yellow";
  if (/^NMI backtrace for cpu /.test(line)) return "dim";
  if (/^\d+ executions(,| in )/.test(line)) return "dim";
  // --quiet verdicts: `<scenario>: bug: ...`, `<scenario>: ok`.
  if (/^\S+: (bug|model-error)(: |$)/.test(line)) return "red";
  if (/^\S+: ok$/.test(line)) return "green";
  if (/^\S+: incomplete$/.test(line)) return "yellow";
  return null;
}

/** Decorates one line: its paint, a bold thread in a story heading, dim labels, linked sites. */
function decorateLine(t: Terminal, line: string): string {
  const story = /^( *\d+\. )(CPU\d+ .+?)( \(steps? [^)]*\):)$/.exec(line);
  if (story !== null) {
    const [, n, who, span] = story as unknown as [string, string, string, string];
    return `${n}${paint(t, "bold", who)}${paint(t, "dim", span)}`;
  }
  const replay = /^(Replay: )(.*)$/.exec(line);
  if (replay !== null) return `${paint(t, "dim", replay[1] as string)}${replay[2]}`;
  const how = lineStyle(line);
  const linked = linkSites(t, line);
  return how === null ? linked : paint(t, how, linked);
}

/** A text report decorated for the terminal `t` (unchanged for PLAIN). */
export function decorate(t: Terminal, text: string): string {
  if (!t.color && !t.links) return text;
  return text
    .split("\n")
    .map((l) => decorateLine(t, l))
    .join("\n");
}
