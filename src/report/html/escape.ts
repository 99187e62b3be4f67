/**
 * Escaping for the viewer: text into HTML, data into an inline <script>, and kernel `file:line` sites
 * into plain links to the v5.15-rc3 source on Elixir (an <a href>; nothing is loaded).
 */

export const ELIXIR = "https://elixir.bootlin.com/linux/v5.15-rc3/source/";

/**
 * A kernel source site: a path under a top-level directory of the tree, a C file or header, a line.
 * The client script (client.ts) uses the same pattern.
 */
export const SITE_PATTERN =
  "\\b((?:arch|block|crypto|drivers|fs|include|init|ipc|kernel|lib|mm|net|security|virt)/[A-Za-z0-9_./-]+\\.[ch]):(\\d+)";

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text (or an attribute value) made safe for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** The Elixir URL of `file` at `line`. */
export function elixirUrl(file: string, line: string | number): string {
  return `${ELIXIR}${file}#L${line}`;
}

/** Escapes `s` and turns each kernel `file:line` in it into a link to Elixir. */
export function linkify(s: string): string {
  const re = new RegExp(SITE_PATTERN, "g");
  let out = "";
  let last = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const [all, file, line] = m as unknown as [string, string, string];
    out += escapeHtml(s.slice(last, m.index));
    out += `<a class="site" href="${escapeHtml(elixirUrl(file, line))}">${escapeHtml(all)}</a>`;
    last = m.index + all.length;
  }
  return out + escapeHtml(s.slice(last));
}

/**
 * JSON for an inline `<script type="application/json">`: `<`, `>`, `&` and the JS line separators are
 * written as \u escapes, so no text from a scenario or the model can close the script element.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
