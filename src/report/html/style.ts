/** The viewer's inline stylesheet: system fonts only, nothing fetched. */
export const CSS = `
:root { --fg:#1d2433; --muted:#667085; --line:#d6dae1; --bg:#f6f7f9; --panel:#fff;
  --read:#2563eb; --write:#ea580c; --lock:#9333ea; --chg:#fff7c2;
  --t0:#0f766e; --t1:#1d4ed8; --t2:#b45309; --t3:#7e22ce; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif; color:var(--fg); background:var(--bg); }
code, pre, .mono, .slot, .stack, table.pages, .counter .cval, #tree { font-family: ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace; }
a.site, a.fn { color:inherit; text-decoration:underline dotted; text-underline-offset:2px; }
a.site:hover, a.fn:hover { color:var(--read); }
header { padding:14px 20px 10px; background:var(--panel); border-bottom:1px solid var(--line); }
header h1 { margin:0 0 4px; font-size:20px; }
header h1 .tool { color:var(--muted); font-weight:500; }
.verdict { font-size:15px; margin:2px 0 6px; }
.verdict.bug { color:#b42318; font-weight:600; }
.summary { color:var(--muted); margin:0 0 8px; }
dl.meta { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:0; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; overflow-wrap:anywhere; }
dl.meta code { background:#eef1f5; padding:1px 5px; border-radius:4px; user-select:all; }
details.desc { margin-top:6px; }
details.desc pre { white-space:pre-wrap; background:#f8f9fb; border:1px solid var(--line); padding:8px; border-radius:6px; margin:6px 0; }
nav.controls { position:sticky; top:0; z-index:5; display:flex; align-items:center; gap:8px; flex-wrap:wrap;
  padding:8px 20px; background:#1d2433; color:#fff; }
nav.controls button { font:inherit; padding:4px 12px; border-radius:6px; border:1px solid #4b5563; background:#374151; color:#fff; cursor:pointer; }
nav.controls button:disabled { opacity:.4; cursor:default; }
nav.controls #counter { font-weight:700; font-size:16px; min-width:110px; display:inline-block; }
nav.controls #of { color:#cbd5e1; }
nav.controls input[type=range] { flex:1; min-width:160px; }
nav.controls .keys { color:#cbd5e1; font-size:12px; }
main { display:grid; grid-template-columns:minmax(0,1fr) 400px; gap:14px; padding:14px 20px 30px; align-items:start; }
@media (max-width:1100px) { main { grid-template-columns:minmax(0,1fr); } }
section.panel { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:10px 12px; margin-bottom:14px; }
section.panel h2 { font-size:13px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); margin:0 0 8px; }
.muted { color:var(--muted); }
.step-title { display:flex; gap:10px; align-items:baseline; font-size:18px; font-weight:700; }
.step-title .who { font-size:15px; }
.step-what { margin:4px 0 6px; font-size:15px; }
.step-what.bug, .stopped.bug { color:#b42318; font-weight:600; }
.chips { display:flex; flex-wrap:wrap; gap:4px; margin:4px 0; }
.chip { font-size:12px; padding:1px 7px; border-radius:10px; border:1px solid; font-family:ui-monospace,"DejaVu Sans Mono",monospace; }
.chip-read { color:var(--read); border-color:var(--read); background:#eff6ff; }
.chip-write { color:var(--write); border-color:var(--write); background:#fff3eb; }
.chip-lock { color:var(--lock); border-color:var(--lock); background:#faf5ff; }
ul.notes { margin:6px 0 0; padding-left:18px; }
ul.notes li { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:13px; }
.end { margin-top:8px; padding:6px 8px; border-radius:6px; background:#fef3f2; color:#b42318; font-weight:600; }
.end-completed { background:#ecfdf3; color:#067647; }
.t0 { color:var(--t0); } .t1 { color:var(--t1); } .t2 { color:var(--t2); } .t3 { color:var(--t3); }
#threads { display:grid; grid-template-columns:repeat(auto-fit,minmax(260px,1fr)); gap:10px; }
.thread { border:1px solid var(--line); border-radius:8px; padding:8px 10px; color:var(--fg); border-top:4px solid currentColor; }
.thread.t0 { border-top-color:var(--t0); } .thread.t1 { border-top-color:var(--t1); }
.thread.t2 { border-top-color:var(--t2); } .thread.t3 { border-top-color:var(--t3); }
.thread.current { box-shadow:0 0 0 2px #94a3b8; background:#f8fafc; }
.thread-head { display:flex; gap:8px; align-items:baseline; }
.thread-head .cpu { font-weight:700; }
.thread-head .tname { font-weight:600; }
.thread-head .comm { color:var(--muted); font-size:12px; margin-left:auto; }
.state { font-size:12px; color:var(--muted); margin:2px 0; }
.state-blocked { color:var(--lock); font-weight:600; }
.stopped { font-size:13px; margin:2px 0 4px; }
.stopped .label { color:var(--muted); }
ol.stack { margin:0; padding-left:22px; font-size:12.5px; }
ol.stack li:first-child { font-weight:700; }
ol.stack .at { color:var(--muted); font-weight:400; }
#slots { display:flex; flex-wrap:wrap; gap:6px; }
.slot { width:112px; border:2px solid #cbd5e1; border-radius:8px; padding:5px 6px; text-align:center; font-size:12px; background:#fff; }
.slot .idx { color:var(--muted); font-size:11px; }
.slot .entry { font-size:18px; font-weight:700; }
.slot .kind { font-size:11px; }
.slot .sub, .slot .leaf { font-size:11px; color:var(--muted); }
.kind-head { background:#dbeafe; border-color:#3b82f6; }
.kind-tail { background:#fee4e2; border-color:#d92d20; }
.kind-small { background:#dcfae6; border-color:#17b26a; }
.kind-value { background:#f4ebff; border-color:#9e77ed; }
.kind-retry { background:#fef7c3; border-color:#eaaa08; border-style:dashed; }
.kind-zero, .kind-node { background:#f2f4f7; border-color:#98a2b3; border-style:dashed; }
.kind-empty { background:repeating-linear-gradient(45deg,#fff,#fff 6px,#f2f4f7 6px,#f2f4f7 12px); border-style:dashed; color:var(--muted); }
.slot.freed { text-decoration:line-through; border-color:#000; }
.slot.chg { outline:2px dashed #eab308; outline-offset:1px; }
.hl-read { box-shadow:0 0 0 3px var(--read) !important; }
.hl-write { box-shadow:0 0 0 3px var(--write) !important; }
.hl-lock { box-shadow:0 0 0 3px var(--lock) !important; }
tr.hl-read > * { background:#dbeafe !important; } tr.hl-write > * { background:#ffe4d1 !important; }
tr.hl-lock > * { background:#f3e8ff !important; }
.legend { display:flex; flex-wrap:wrap; gap:6px; margin-top:8px; font-size:11px; }
.legend span { padding:1px 6px; border-radius:4px; border:1.5px solid; }
#counters { display:flex; flex-wrap:wrap; gap:6px; margin-top:10px; }
.counter { border:1px solid var(--line); border-radius:6px; padding:2px 8px; font-size:12px; }
.counter .cname { color:var(--muted); margin-right:6px; }
.counter .cval { font-weight:700; }
.counter.chg { background:var(--chg); }
#tree { margin-top:8px; font-size:12px; color:var(--muted); padding:2px 6px; border-radius:4px; display:inline-block; }
table.pages, table.list { border-collapse:collapse; width:100%; font-size:12.5px; }
table.pages th, table.pages td { border-bottom:1px solid #eaecf0; padding:3px 8px; text-align:left; white-space:nowrap; }
table.pages thead th { color:var(--muted); font-weight:600; font-family:system-ui,sans-serif; }
table.pages td.chg { background:var(--chg); }
table.pages tr.freed { color:#98a2b3; text-decoration:line-through; }
table.pages tr.tailrow th { padding-left:18px; }
.pages-wrap { overflow-x:auto; }
#oops-box { border-color:#fda29b; }
#oops { margin:0; white-space:pre-wrap; font-size:12.5px; background:#1d2433; color:#e5e7eb; padding:10px; border-radius:6px; overflow-x:auto; }
#oops a.site { color:#fde68a; }
aside { position:sticky; top:52px; }
#list { max-height:calc(100vh - 120px); overflow-y:auto; border:1px solid var(--line); border-radius:6px; position:relative; }
table.list th { position:sticky; top:0; background:#f2f4f7; font-weight:600; padding:3px 6px; text-align:left; font-size:12px; }
table.list td { padding:2px 6px; border-bottom:1px solid #f2f4f7; font-size:11.5px; font-family:ui-monospace,"DejaVu Sans Mono",monospace; vertical-align:top; }
table.list td.n { color:var(--muted); text-align:right; }
table.list tr { cursor:pointer; }
table.list td.ran { border-left:3px solid currentColor; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; max-width:0; width:100%; }
table.list .lane { margin-right:10px; }
.stack-empty { font-size:12.5px; }
table.list tr:hover td { background:#f8fafc; }
table.list tr.cur td { background:#fff3c4; }
table.list tr.bugrow td.ran { color:#b42318; font-weight:700; }
table.list .has-notes { color:var(--write); }
`;
