/**
 * The HTML viewer of one execution: a single self-contained file (inline CSS, script and data; no
 * network, no fonts, no external scripts; a Content-Security-Policy that forbids any load) that steps
 * through a counterexample. Each position shows the step's thread and site, what it read, wrote or locked,
 * the model's notes, every thread's call stack, the file's XArray slots, the mapping's counters and locks
 * and the struct pages; the last one adds the oops. Kernel `file:line` sites are plain links to the
 * v5.15-rc3 source on Elixir. All text from scenarios and the model is escaped.
 *
 * The data comes from html/data.ts, the page script from html/client.ts, the stylesheet from
 * html/style.ts.
 */
import type { ScenarioProgram } from "../scenarios/program.js";
import { replayCommand } from "./checkScenario.js";
import { CLIENT_JS } from "./html/client.js";
import { buildViewerData, type ViewerData } from "./html/data.js";
import { ELIXIR, escapeHtml, linkify, SITE_PATTERN, scriptJson } from "./html/escape.js";
import { CSS } from "./html/style.js";

export { buildViewerData, type ViewerData } from "./html/data.js";

export interface ViewerInput {
  readonly program: ScenarioProgram;
  /** The schedule's choices (thread per step). */
  readonly choices: readonly number[];
  /** The schedule string, as `mmrace check` prints it. */
  readonly schedule: string;
  /** The command that made the file (`check`, `replay`), for the header. */
  readonly command: string;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const LEGEND: readonly (readonly [string, string])[] = [
  ["head", "THP head"],
  ["tail", "tail page"],
  ["small", "small page"],
  ["value", "value entry"],
  ["retry", "XA_RETRY_ENTRY"],
  ["empty", "empty (NULL)"],
];

function verdictLine(d: ViewerData): string {
  const e = d.end;
  if (e.site !== null) {
    const first = d.oops?.split("\n").find((l) => l.startsWith("kernel BUG at ")) ?? null;
    return first ?? `${e.what} at ${e.site}`;
  }
  return e.what;
}

function header(inp: ViewerInput, d: ViewerData): string {
  const p = inp.program;
  const s = p.scenario;
  const c = p.config;
  const cfg = `HPAGE_PMD_NR=${c.HPAGE_PMD_NR}, CONFIG_DEBUG_VM=${c.DEBUG_VM ? "y" : "n"}, XA_CHUNK_SHIFT=${c.XA_CHUNK_SHIFT}`;
  const patches = p.patches.length === 0 ? "none (v5.15-rc3 as released)" : p.patches.join(", ");
  const bug = d.end.verdict !== "completed";
  const threads = d.threads.map((t) => `CPU${t.cpu} ${t.name} (${t.comm})`).join(" · ");
  const sources = s.sources.map((x) => `<li>${linkify(x)}</li>`).join("");
  return `<header>
<h1><span class="tool">mmrace ${escapeHtml(inp.command)} ·</span> ${escapeHtml(s.name)}</h1>
<div class="verdict${bug ? " bug" : ""}" id="verdict">${linkify(verdictLine(d))}</div>
<p class="summary">${escapeHtml(s.summary)}</p>
<dl class="meta">
<dt>Config</dt><dd>${escapeHtml(cfg)}</dd>
<dt>Patches</dt><dd>${escapeHtml(patches)}</dd>
<dt>Threads</dt><dd>${escapeHtml(threads)}</dd>
<dt>Steps</dt><dd>${d.steps.length}</dd>
<dt>Replay</dt><dd><code id="replay">${escapeHtml(replayCommand(p, inp.schedule))}</code></dd>
</dl>
<details class="desc"><summary>What this scenario models</summary><pre>${linkify(s.description)}</pre><ul>${sources}</ul></details>
</header>`;
}

function controls(): string {
  return `<nav class="controls" aria-label="steps">
<button id="first" type="button" title="Home">◀◀ First</button>
<button id="prev" type="button" title="←">◀ Prev</button>
<span id="counter" aria-live="polite"></span><span id="of"></span>
<button id="next" type="button" title="→">Next ▶</button>
<button id="last" type="button" title="End">Last ▶▶</button>
<input id="slider" type="range" min="0" value="0" aria-label="position">
<span class="keys">keys: ← → Home End</span>
</nav>`;
}

function body(d: ViewerData): string {
  const legend = LEGEND.map(([k, t]) => `<span class="kind-${k}">${escapeHtml(t)}</span>`).join("");
  const oops = d.oops === null ? "" : linkify(d.oops);
  return `<main>
<div class="col">
<section class="panel" id="step-box"><h2>Step</h2><div id="step"></div></section>
<section class="panel" id="oops-box" hidden><h2>Oops</h2><pre id="oops">${oops}</pre></section>
<section class="panel"><h2>Threads (call stack, innermost first)</h2><div id="threads"></div></section>
<section class="panel"><h2>Page cache: i_pages slots by file index</h2><div id="slots"></div>
<div class="legend">${legend}<span class="hl-read" style="border-color:var(--read)">read this step</span><span class="hl-write" style="border-color:var(--write)">written this step</span><span style="border-color:#eab308;border-style:dashed">changed this step</span></div>
<div id="counters"></div><div id="tree" title="XArray node structure (xa_describe_tree)"></div></section>
<section class="panel"><h2>struct pages</h2><div class="pages-wrap"><table class="pages"><thead><tr>
<th>page</th><th>pfn</th><th>flags</th><th>_refcount</th><th>_mapcount</th><th>mapping</th><th>index</th><th>head</th><th>state</th>
</tr></thead><tbody id="pages-body"></tbody></table></div></section>
</div>
<aside><section class="panel"><h2>Interleaving</h2><div id="list"><table class="list"><thead><tr id="list-head"></tr></thead><tbody id="list-body"></tbody></table></div></section></aside>
</main>`;
}

/** Renders the viewer of one execution as a complete HTML document. */
export function renderViewer(inp: ViewerInput): string {
  const d = buildViewerData(inp.program, inp.choices);
  const title = `mmrace ${inp.program.scenario.name}: ${verdictLine(d)}`;
  const data = { ...d, link: { base: ELIXIR, pattern: SITE_PATTERN } };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${header(inp, d)}
${controls()}
${body(d)}
<script type="application/json" id="mmrace-data">${scriptJson(data)}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
