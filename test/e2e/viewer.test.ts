/**
 * The HTML viewer (`--html FILE`), end to end: the built CLI writes it for truncate-vs-truncate and real
 * Chromium (Debian's /usr/bin/chromium, driven by playwright-core) opens it from file://. The page must
 * load nothing but itself, start at the initial page cache (the THP head H in all four slots), step with
 * the keyboard, end with the oops, link kernel sites to Elixir only, and draw something. Then the CLI's
 * file handling: no overwrite without --force, one-line errors (exit 2) before any search, no file when
 * no bug is found; and escaping of scenario text.
 *
 * Chromium is required: when it is missing this file fails (never skips); .ci/run installs it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inflateSync } from "node:zlib";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runExecution } from "../../src/engine/execution.js";
import { rt } from "../../src/engine/runtime.js";
import { decodeSchedule } from "../../src/engine/schedule.js";
import { ReplayStrategy } from "../../src/engine/strategy/replay.js";
import { checkScenario } from "../../src/report/checkScenario.js";
import { renderViewer } from "../../src/report/html.js";
import { snapshot } from "../../src/report/snapshot.js";
import { findScenario } from "../../src/scenarios/index.js";
import { makeProgram } from "../../src/scenarios/program.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = fileURLToPath(new URL("../../dist/bin/main.js", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const SCENARIO = "truncate-vs-truncate";
const ELIXIR = "https://elixir.bootlin.com/linux/v5.15-rc3/source/";
/** Where the files of this test go (kept after the run, so the screenshot can be looked at). */
const OUT = join(tmpdir(), "mmrace-viewer-test");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function mmrace(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Fails (never skips) when Chromium is missing, saying how to get it. */
function needChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed (${CHROMIUM} is missing): the viewer test needs Debian's chromium ` +
        "(apt-get install -y chromium; .ci/run installs it). This test fails rather than skips.",
    );
  }
}

async function launch(): Promise<Browser> {
  needChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

// ===== a tiny PNG reader: enough to tell a drawn page from a blank one =====

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's screenshots are) into pixels. */
function decodePng(png: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("latin1", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8], "bit depth").toBe(8);
      expect(data[12], "interlace").toBe(0);
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels, `colour type ${data[9]}`).toBeGreaterThan(0);
    } else if (type === "IDAT") {
      idat.push(data);
    }
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (pixels[y * stride + x - channels] as number) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + x] as number) : 0;
      const c = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] as number) : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = ((line[x] as number) + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** The number of distinct colours in a decoded PNG. */
function colours(img: ReturnType<typeof decodePng>): number {
  const seen = new Set<number>();
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    seen.add(img.pixels.readUIntBE(i, 3));
  }
  return seen.size;
}

// ===== the viewer in Chromium =====

describe("the viewer of truncate-vs-truncate in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let file: string;
  const requests: string[] = [];
  const errors: string[] = [];

  /** Set when the setup failed (no Chromium...): every test below then fails with it, none is skipped. */
  let setupError: unknown = null;
  /** A test that needs the page: it fails with the setup's error if there was one. */
  const it = (name: string, fn: () => Promise<void> | void) =>
    test(name, async () => {
      if (setupError !== null) throw setupError;
      await fn();
    });

  beforeAll(async () => {
    try {
      await setup();
    } catch (e) {
      setupError = e;
    }
  });

  async function setup(): Promise<void> {
    needChromium();
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -p .\` (npm test does) first`);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    file = join(OUT, "viewer.html");
    const r = mmrace("check", SCENARIO, "--quiet", "--html", file);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(`viewer: wrote ${file} (${countSteps(file)} steps)\n`);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("request", (req) => requests.push(req.url()));
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
  }

  afterAll(async () => {
    await browser?.close();
  });

  /** What is highlighted now: `slot 3:read`, `page H:write`, `counter inode->i_writecount:write`... */
  async function highlighted(): Promise<string[]> {
    const out: string[] = [];
    for (const h of await page.locator("[data-hl]").all()) {
      const kind = await h.getAttribute("data-hl");
      const index = await h.getAttribute("data-index");
      const pg = await h.getAttribute("data-page");
      const name = index !== null ? `slot ${index}` : pg !== null ? `page ${pg}` : ((await h.textContent()) ?? "?");
      out.push(`${name}:${kind}`);
    }
    return out;
  }

  it("the page loads nothing but itself and runs without errors", () => {
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) expect(url).toBe(pathToFileURL(file).href);
    expect(errors).toEqual([]);
  });

  it("the first position is the initial page cache: the THP head H in all four slots", async () => {
    await expect(page.locator("#counter").textContent()).resolves.toBe("Initial state");
    const slots = page.locator("#slots .slot");
    await expect(slots.count()).resolves.toBe(4);
    for (let i = 0; i < 4; i++) {
      const cell = slots.nth(i);
      await expect(cell.getAttribute("data-index")).resolves.toBe(String(i));
      await expect(cell.getAttribute("data-kind")).resolves.toBe("head");
      await expect(cell.locator(".entry").textContent()).resolves.toBe("H");
      await expect(cell.locator(".sub").textContent()).resolves.toBe(`index → ${i === 0 ? "H" : `H+${i}`}`);
    }
    // the struct pages: the head and its three tails, and the counters of a file with one THP
    await expect(page.locator("#pages-body tr").count()).resolves.toBe(4);
    await expect(page.locator('#pages-body tr[data-page="H"] .c-_refcount').textContent()).resolves.toBe("4");
    await expect(page.locator('#pages-body tr[data-page="H+3"] .c-mapping').textContent()).resolves.toBe(
      "TAIL_MAPPING",
    );
    await expect(page.locator("#counters").textContent()).resolves.toContain("mapping->nr_thps1");
    await expect(page.locator("#threads .thread").count()).resolves.toBe(2);
    await expect(page.locator("#threads").textContent()).resolves.toContain("CPU1writer A");
    await expect(highlighted()).resolves.toEqual([]);
    await expect(page.locator("#oops-box").isVisible()).resolves.toBe(false);
  });

  it("→ advances the step and moves the highlight; ← goes back; Home returns to the start", async () => {
    await page.keyboard.press("ArrowRight");
    await expect(page.locator("#counter").textContent()).resolves.toBe("Step 0");
    const h0 = await highlighted();
    expect(h0.length).toBeGreaterThan(0);
    await expect(page.locator("#threads .thread.current").count()).resolves.toBe(1);
    await expect(page.locator("#list-body tr.cur").getAttribute("data-step")).resolves.toBe("0");

    await page.keyboard.press("ArrowRight");
    await expect(page.locator("#counter").textContent()).resolves.toBe("Step 1");
    const h1 = await highlighted();
    expect(h1.length).toBeGreaterThan(0);
    expect(h1).not.toEqual(h0);

    await page.keyboard.press("ArrowLeft");
    await expect(page.locator("#counter").textContent()).resolves.toBe("Step 0");
    await expect(highlighted()).resolves.toEqual(h0);
    await page.keyboard.press("Home");
    await expect(page.locator("#counter").textContent()).resolves.toBe("Initial state");
    await page.locator("#next").click();
    await expect(page.locator("#counter").textContent()).resolves.toBe("Step 0");
  });

  it("a step that reads a slot highlights that slot", async () => {
    // step through until a slot is highlighted (the first lookup descends the tree)
    await page.keyboard.press("Home");
    let found: string[] = [];
    for (let i = 0; i < 40 && found.length === 0; i++) {
      await page.keyboard.press("ArrowRight");
      found = (await highlighted()).filter((h) => h.startsWith("slot "));
    }
    expect(found.length).toBeGreaterThan(0);
  });

  it("End shows the last step, the bug and the oops", async () => {
    await page.keyboard.press("End");
    const last = countSteps(file) - 1;
    await expect(page.locator("#counter").textContent()).resolves.toBe(`Step ${last}`);
    await expect(page.locator("#oops-box").isVisible()).resolves.toBe(true);
    const oops = (await page.locator("#oops").textContent()) ?? "";
    expect(oops).toContain("kernel BUG at mm/truncate.c:213!");
    expect(oops).toContain("truncate_inode_page");
    await expect(page.locator("#step").textContent()).resolves.toContain("VM_BUG_ON_PAGE(PageTail(page))");
    await expect(page.locator("#next").isDisabled()).resolves.toBe(true);
    // the bug's thread column says where it hit the bug
    await expect(page.locator("#threads .thread.current .stopped").textContent()).resolves.toBe(
      "hit the bug at mm/truncate.c:213",
    );
  });

  it("every link is a plain link to the v5.15-rc3 source on Elixir", async () => {
    const hrefs = await page.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    expect(hrefs.length).toBeGreaterThan(10);
    for (const h of hrefs)
      expect(h).toMatch(/^https:\/\/elixir\.bootlin\.com\/linux\/v5\.15-rc3\/source\/[\w./-]+\.[ch]#L\d+$/);
    expect(hrefs).toContain(`${ELIXIR}mm/truncate.c#L213`);
    const oopsLink = page.locator("#oops a", { hasText: "mm/truncate.c:213" }).first();
    await expect(oopsLink.getAttribute("href")).resolves.toBe(`${ELIXIR}mm/truncate.c#L213`);
    // nothing else may refer outside the file: no src, no stylesheet links
    await expect(page.locator("[src], link[href], iframe, img, object, embed").count()).resolves.toBe(0);
    for (const url of requests) expect(url).toBe(pathToFileURL(file).href);
  });

  it("a screenshot shows a drawn page, not a blank one", async () => {
    await page.keyboard.press("End");
    const shot = join(OUT, "viewer-end.png");
    const png = await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    const img = decodePng(png);
    expect(img.width).toBe(1400);
    expect(colours(img)).toBeGreaterThan(50);

    const blank = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await blank.setContent("<html><body></body></html>");
    const blankPng = await blank.screenshot();
    await blank.close();
    expect(colours(decodePng(blankPng))).toBe(1);
    expect(png.length).toBeGreaterThan(10 * blankPng.length);
    console.log(`viewer screenshot: ${shot}`);
  });
});

/** The number of steps of the viewer in `file` (the header's Steps row). */
function countSteps(file: string): number {
  const m = /<dt>Steps<\/dt><dd>(\d+)<\/dd>/.exec(readFileSync(file, "utf8"));
  expect(m, "a Steps row in the header").not.toBeNull();
  return Number(m?.[1]);
}

// ===== the CLI's --html and --force =====

describe("--html and --force through the CLI", () => {
  const dir = join(OUT, "cli");

  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -p .\` (npm test does) first`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  });

  test("an existing file is refused before the search (exit 2, one line, file untouched); --force overwrites", () => {
    const f = join(dir, "exists.html");
    writeFileSync(f, "keep me");
    const r = mmrace("check", SCENARIO, "--html", f);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`mmrace: cannot write ${f}: file exists (use --force to overwrite)\n`);
    expect(readFileSync(f, "utf8")).toBe("keep me");

    const forced = mmrace("check", SCENARIO, "--quiet", "--html", f, "--force");
    expect(forced.code).toBe(1);
    expect(forced.stdout).toBe(`${SCENARIO}: bug: VM_BUG_ON_PAGE at mm/truncate.c:213\n`);
    expect(readFileSync(f, "utf8")).toMatch(/^<!DOCTYPE html>/);
  });

  test.each([
    ["a missing directory", (d: string) => join(d, "no-such-dir", "v.html"), "no such directory"],
    ["a path through a regular file", (d: string) => join(d, "plain-file", "v.html"), "not a directory"],
    ["a directory", (d: string) => d, "is a directory"],
  ])("%s is a one-line error with exit 2, before any search", (_what, target, why) => {
    writeFileSync(join(dir, "plain-file"), "");
    const f = target(dir);
    for (const argv of [
      ["check", SCENARIO, "--html", f],
      ["replay", SCENARIO, "v1.truncate-vs-truncate~n4.a12b35a17b14a4.typ2ta", "--html", f, "--force"],
    ]) {
      const r = mmrace(...argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(new RegExp(`^mmrace: cannot write ${escapeRe(f)}: .*${why}.*\\n$`));
      expect(r.stderr.split("\n")).toHaveLength(2);
    }
  });

  test("replay --html writes the viewer of the replayed schedule", () => {
    const sched = /^Replay: mmrace replay \S+ (\S+)/m.exec(mmrace("check", SCENARIO).stdout)?.[1] ?? "";
    expect(sched).toMatch(/^v1\./);
    const f = join(dir, "replay.html");
    const r = mmrace("replay", SCENARIO, sched, "--quiet", "--html", f);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^viewer: wrote .*replay\.html \(\d+ steps\)\n$/);
    const html = readFileSync(f, "utf8");
    expect(html).toContain(`mmrace replay ${SCENARIO} ${sched}`);
    expect(html).toContain(`kernel BUG at <a class="site" href="${ELIXIR}mm/truncate.c#L213">`);
  });

  test("check without a bug writes no file and says so", () => {
    const f = join(dir, "clean.html");
    const r = mmrace("check", SCENARIO, "--quiet", "--patch", "landed-5.16", "--html", f);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`viewer: no bug found, so no viewer was written (${f})\n`);
    expect(existsSync(f)).toBe(false);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ===== escaping =====

describe("scenario text is escaped", () => {
  test("markup in a scenario's name, summary and description stays text", async () => {
    const base = findScenario(SCENARIO);
    const evil = '</script><script>window.pwned=1</script><img src="x" onerror="window.pwned=2">';
    const s = { ...base, name: `evil${evil}`, summary: `<b>bold</b> & ${evil}`, description: evil };
    const report = checkScenario(base);
    const schedule = report.schedule ?? "";
    const html = renderViewer({
      program: makeProgram(s),
      choices: decodeSchedule(schedule).choices,
      schedule,
      command: "check",
    });
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>bold");
    const f = join(OUT, "escaped.html");
    mkdirSync(OUT, { recursive: true });
    writeFileSync(f, html);
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(f).href);
      await expect(page.locator("h1").textContent()).resolves.toContain(evil);
      await expect(page.evaluate("window.pwned === undefined")).resolves.toBe(true);
      await expect(page.locator("img").count()).resolves.toBe(0);
      await expect(page.locator("#counter").textContent()).resolves.toBe("Initial state");
      expect(requests).toEqual([pathToFileURL(f).href]);
    } finally {
      await browser.close();
    }
  });
});

// ===== the snapshot =====

describe("snapshot", () => {
  test("reads the model without footprints or changes, and names the objects a step can touch", () => {
    const s = findScenario(SCENARIO);
    const p = makeProgram(s);
    const r = runExecution(p, new ReplayStrategy([]), { maxSteps: 0 });
    expect(r.verdict).toBe("step-limit");
    rt.fpLen = 0;
    const a = snapshot(p);
    const b = snapshot(p);
    expect(rt.fpLen).toBe(0);
    expect(b).toEqual(a);
    expect(a.slots.map((x) => `${x.kind}:${x.entry}:${x.subpage}`)).toEqual([
      "head:H:H",
      "head:H:H+1",
      "head:H:H+2",
      "head:H:H+3",
    ]);
    expect(a.pages.map((x) => [x.name, x.mapping, x.head, x._refcount])).toEqual([
      ["H", "this file", null, 4],
      ["H+1", "TAIL_MAPPING", "H", 0],
      ["H+2", "TAIL_MAPPING", "H", 0],
      ["H+3", "TAIL_MAPPING", "H", 0],
    ]);
    expect(a.pages[0]?.flags).toEqual(["uptodate", "lru", "head"]);
    expect([a.nr_thps, a.nrpages, a.i_writecount, a.xa_lock, a.pageLocks]).toEqual([1, 4, 0, -1, []]);
    // every index is under exactly one leaf slot whose id the object map knows, with that index in range
    const w = p.world();
    const slotObjs = Object.values(a.objects).filter((o) => o.kind === "slot");
    for (const sl of a.slots) {
      const leaf = slotObjs.find((o) => o.label === sl.slot);
      expect(leaf, `slot object for index ${sl.index}`).toBeDefined();
      expect(sl.index).toBeGreaterThanOrEqual(leaf?.first ?? -1);
      expect(sl.index).toBeLessThan((leaf?.first ?? 0) + (leaf?.count ?? 0));
    }
    expect(a.objects[w.mapping.i_pages.id]?.label).toBe("xa_head");
    expect(a.objects[w.mapping.i_pages.xa_lock.id]?.label).toBe("xa_lock");
    expect(a.objects[w.initial[0]?.id ?? -1]?.label).toBe("H");
  });
});
