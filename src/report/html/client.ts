/**
 * The viewer's script, inlined into the page as text. It reads the JSON data element, rebuilds the state
 * of any position from the deltas (a full copy kept every KEY positions), and renders the step, the
 * threads, the XArray slots, the counters and the pages, highlighting what the step touched.
 *
 * Plain ES2017 without template literals (it lives in one); every text from the data goes through
 * textContent or createTextNode, and links are built only from `file:line` matches of the site pattern.
 */
export const CLIENT_JS = String.raw`
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("mmrace-data").textContent);
  var N = D.steps.length;
  var KEY = 64;
  var SITE = new RegExp(D.link.pattern, "g");
  var $ = function (id) { return document.getElementById(id); };

  // ===== DOM helpers =====

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /** Appends text to parent, turning each kernel file:line into a link to Elixir. */
  function linked(parent, text) {
    text = String(text);
    SITE.lastIndex = 0;
    var last = 0;
    var m;
    while ((m = SITE.exec(text)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = el("a", "site", m[0]);
      a.href = D.link.base + m[1] + "#L" + m[2];
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  // ===== state of a position: keyframes + deltas =====

  function copy(s) {
    return { slots: s.slots.slice(), pages: s.pages.slice(), threads: s.threads.slice(), scalars: s.scalars };
  }

  function rows(arr, d) {
    if (!d) return;
    arr.length = d.n;
    for (var i = 0; i < d.set.length; i++) arr[d.set[i][0]] = d.set[i][1];
  }

  function apply(s, d) {
    rows(s.slots, d.slots);
    rows(s.pages, d.pages);
    rows(s.threads, d.threads);
    if (d.scalars) s.scalars = d.scalars;
  }

  var keys = [];
  (function () {
    var s = { slots: [], pages: [], threads: [], scalars: null };
    for (var p = 0; p <= N; p++) {
      apply(s, D.positions[p]);
      if (p % KEY === 0) keys.push(copy(s));
    }
  })();

  /** The rows a delta replaces, as they were before it: index → old row (null if the row is new). */
  function olds(arr, d) {
    var o = {};
    if (d) for (var i = 0; i < d.set.length; i++) o[d.set[i][0]] = arr[d.set[i][0]] || null;
    return o;
  }

  /**
   * The state at pos, and what the step leading to it replaced (before: null at the initial state), so
   * the view can mark what changed.
   */
  function stateAt(pos) {
    if (pos === 0) return { s: copy(keys[0]), before: null };
    var k = Math.floor((pos - 1) / KEY);
    var s = copy(keys[k]);
    for (var p = k * KEY + 1; p < pos; p++) apply(s, D.positions[p]);
    var d = D.positions[pos];
    var before = { slots: olds(s.slots, d.slots), pages: olds(s.pages, d.pages), scalars: s.scalars };
    apply(s, d);
    return { s: s, before: before };
  }

  var has = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };

  /**
   * Keeps box's children in step with rows: a child is rebuilt only when its row object or its mark
   * (highlight, changed cells) differs from what it shows, so a step redraws a few elements, not all.
   */
  function sync(box, view, rowsNow, markOf, build) {
    for (var i = 0; i < rowsNow.length; i++) {
      var mark = markOf(i);
      if (view.rows[i] === rowsNow[i] && view.marks[i] === mark && view.els[i]) continue;
      var e = build(i);
      if (view.els[i]) box.replaceChild(e, view.els[i]);
      else box.appendChild(e);
      view.els[i] = e;
      view.rows[i] = rowsNow[i];
      view.marks[i] = mark;
    }
    while (view.els.length > rowsNow.length) {
      box.removeChild(view.els.pop());
      view.rows.pop();
      view.marks.pop();
    }
  }

  // ===== what a step touched =====

  var RANK = { read: 1, lock: 2, write: 3 };

  function touched(step) {
    var t = { slots: {}, pages: {}, labels: {}, chips: [] };
    if (!step) return t;
    var mark = function (map, key, kind) {
      if (!map[key] || RANK[map[key]] < RANK[kind]) map[key] = kind;
    };
    var lists = [["write", step.writes], ["lock", step.locks], ["read", step.reads]];
    for (var l = 0; l < lists.length; l++) {
      var kind = lists[l][0];
      var ids = lists[l][1];
      for (var i = 0; i < ids.length; i++) {
        var o = D.objects[ids[i]];
        if (!o) { t.chips.push([kind, "object " + ids[i], ""]); continue; }
        var where = "";
        if (typeof o.first === "number") {
          for (var j = 0; j < o.count; j++) mark(t.slots, o.first + j, kind);
          where = o.count === 1 ? "index " + o.first : "indices " + o.first + "–" + (o.first + o.count - 1);
        }
        if (o.kind === "page") mark(t.pages, o.page, kind);
        mark(t.labels, o.label, kind);
        t.chips.push([kind, o.label, where]);
      }
    }
    return t;
  }

  function hl(node, kind) {
    if (kind) {
      node.setAttribute("data-hl", kind);
      node.classList.add("hl-" + kind);
    }
    return node;
  }

  // ===== rendering =====

  function who(id) {
    var t = D.threads[id];
    return t ? "CPU" + t.cpu + " " + t.name : "thread " + id;
  }

  var pos = 0;
  var curRow = null;

  function renderStep(step, t) {
    var box = clear($("step"));
    if (!step) {
      box.appendChild(el("div", "step-title", "Initial state"));
      box.appendChild(el("p", "muted", "The page cache as the scenario sets it up, before any thread runs. Press → to run the first step."));
      return;
    }
    var title = el("div", "step-title");
    title.appendChild(el("span", "step-no", "Step " + step.step));
    title.appendChild(el("span", "who t" + (step.thread % 4), who(step.thread)));
    box.appendChild(title);
    var what = el("div", "step-what");
    var last = step.step === N - 1;
    if (last && D.end.thread === step.thread && D.end.site) {
      what.appendChild(el("code", "", (step.top || step.fn || "?") + ": " + D.end.check + " "));
      linked(what, "(" + D.end.site + ")");
      what.classList.add("bug");
    } else {
      what.appendChild(el("code", "", (step.fn || "?") + ": " + (step.label || "?") + " "));
      if (step.at) linked(what, "(" + step.at + ")");
    }
    box.appendChild(what);
    if (t.chips.length > 0) {
      var chips = el("div", "chips");
      var verb = { read: "read", write: "wrote", lock: "lock" };
      for (var i = 0; i < t.chips.length; i++) {
        var c = t.chips[i];
        var chip = el("span", "chip chip-" + c[0], verb[c[0]] + " " + c[1] + (c[2] ? " (" + c[2] + ")" : ""));
        chips.appendChild(chip);
      }
      box.appendChild(chips);
    }
    if (step.notes.length > 0) {
      var ul = el("ul", "notes");
      for (var k = 0; k < step.notes.length; k++) ul.appendChild(linked(el("li"), step.notes[k]));
      box.appendChild(ul);
    }
    if (last) box.appendChild(linked(el("div", "end end-" + D.end.verdict), "End: " + D.end.what));
  }

  function renderThreads(s, step) {
    var box = clear($("threads"));
    for (var i = 0; i < D.threads.length; i++) {
      var th = D.threads[i];
      var v = s.threads[i] || { state: "not started", waitingFor: null, frames: [] };
      var col = el("div", "thread t" + (i % 4));
      col.setAttribute("data-thread", String(i));
      var ran = step && step.thread === i;
      var bugHere = ran && step.step === N - 1 && D.end.thread === i && D.end.site;
      if (ran) col.classList.add("current");
      var head = el("div", "thread-head");
      head.appendChild(el("span", "cpu", "CPU" + th.cpu));
      head.appendChild(el("span", "tname", th.name));
      head.appendChild(el("span", "comm", th.comm));
      col.appendChild(head);
      var state = v.state === "blocked" ? "blocked on " + v.waitingFor : v.state === "done" ? "finished" : v.state;
      if (ran) state = "ran this step — " + state;
      if (bugHere) state = "ran this step — hit " + D.end.check;
      col.appendChild(el("div", "state state-" + v.state.replace(" ", "-"), state));
      var top = v.frames[0];
      var stop = el("div", "stopped");
      if (bugHere) {
        stop.appendChild(document.createTextNode("hit the bug at "));
        linked(stop, D.end.site);
        stop.classList.add("bug");
      } else if (top && top.at) {
        stop.appendChild(document.createTextNode("stopped at "));
        linked(stop, top.at);
        stop.appendChild(el("span", "label", " " + (top.label || "")));
      } else {
        stop.textContent = v.state === "done" ? "returned from every kernel function" : "has not run yet";
      }
      col.appendChild(stop);
      var ol = el("ol", "stack");
      for (var f = 0; f < v.frames.length; f++) {
        var fr = v.frames[f];
        var li = el("li");
        var name = el(fr.def ? "a" : "span", "fn", fr.fn);
        if (fr.def) {
          var m = /^(.*):(\d+)$/.exec(fr.def);
          if (m) name.href = D.link.base + m[1] + "#L" + m[2];
          name.title = "defined at " + fr.def;
        }
        li.appendChild(name);
        var at = f === 0 && bugHere ? D.end.site : fr.at;
        if (at) linked(li.appendChild(el("span", "at")), " " + at);
        ol.appendChild(li);
      }
      col.appendChild(v.frames.length === 0 ? el("div", "muted stack-empty", "(no kernel frames)") : ol);
      box.appendChild(col);
    }
  }

  var KIND_TEXT = { head: "THP head", tail: "tail page", small: "small page", value: "value entry",
    retry: "XA_RETRY_ENTRY", zero: "zero/sibling", empty: "empty", node: "node" };

  var slotView = { els: [], rows: [], marks: [] };

  function renderSlots(s, before, t) {
    var changed = function (i) {
      var p = before && has(before.slots, i) ? before.slots[i] : undefined;
      return p === null || (p !== undefined && (p.entry !== s.slots[i].entry || p.kind !== s.slots[i].kind));
    };
    sync($("slots"), slotView, s.slots, function (i) { return (t.slots[i] || "") + (changed(i) ? "+" : ""); },
      function (i) {
        var sl = s.slots[i];
        var cell = el("div", "slot kind-" + sl.kind);
        cell.setAttribute("data-index", String(i));
        cell.setAttribute("data-kind", sl.kind);
        if (sl.freed) cell.classList.add("freed");
        if (changed(i)) cell.classList.add("chg");
        hl(cell, t.slots[i]);
        cell.appendChild(el("div", "idx", "index " + i));
        cell.appendChild(el("div", "entry", sl.entry === "-" ? "NULL" : sl.entry));
        cell.appendChild(el("div", "kind", KIND_TEXT[sl.kind] + (sl.freed ? " (freed!)" : "")));
        if (sl.subpage) cell.appendChild(el("div", "sub", "index → " + sl.subpage));
        if (sl.slot) cell.appendChild(el("div", "leaf", sl.slot));
        return cell;
      });
  }

  function renderCounters(s, before, t) {
    var box = clear($("counters"));
    var sc = s.scalars;
    var pc = before ? before.scalars : null;
    var holder = function (l) {
      if (l.owner >= 0) return who(l.owner) + (l.kind === "rwsem" ? " (write)" : "");
      return l.readers > 0 ? l.readers + " reader(s)" : "free";
    };
    var items = [
      ["mapping->nrpages", sc.nrpages, pc && pc.nrpages, "mapping"],
      ["mapping->nr_thps", sc.nr_thps, pc && pc.nr_thps, "mapping->nr_thps"],
      ["inode->i_writecount", sc.i_writecount, pc && pc.i_writecount, "inode->i_writecount"],
    ];
    for (var i = 0; i < sc.locks.length; i++) {
      var l = sc.locks[i];
      var pl = pc && pc.locks[i];
      items.push([l.name, holder(l), pl ? holder(pl) : null, l.name]);
    }
    items.push(["page locks held", sc.pageLocks.length ? sc.pageLocks.join(", ") : "none",
      pc ? (pc.pageLocks.length ? pc.pageLocks.join(", ") : "none") : null, null]);
    for (var k = 0; k < items.length; k++) {
      var it = items[k];
      var d = el("div", "counter");
      d.appendChild(el("span", "cname", it[0]));
      d.appendChild(el("span", "cval", it[1]));
      if (pc && String(it[1]) !== String(it[2])) d.classList.add("chg");
      if (it[3]) hl(d, t.labels[it[3]]);
      box.appendChild(d);
    }
    var tree = $("tree");
    tree.textContent = "tree: " + (sc.tree === "-" ? "xa_head = NULL (empty)" : sc.tree);
    tree.classList.remove("hl-read", "hl-write", "hl-lock");
    tree.removeAttribute("data-hl");
    hl(tree, t.labels["xa_head"]);
  }

  var PAGE_COLS = ["name", "pfn", "flags", "_refcount", "_mapcount", "mapping", "index", "head", "state"];

  function pageCell(pg, c) {
    switch (c) {
      case "pfn": return "0x" + pg.pfn.toString(16);
      case "flags": return pg.flags.join("|") || "0";
      case "head": return pg.head || (pg.order > 0 ? "order " + pg.order : "");
      case "state": return pg.freed ? "freed" : pg.flags.indexOf("locked") >= 0 ? "locked" : "";
      default: return pg[c];
    }
  }

  var pageView = { els: [], rows: [], marks: [] };

  function renderPages(s, before, t) {
    /** The columns of page i that the step changed ("" when none). */
    var changedCols = function (i) {
      if (!before || !has(before.pages, i)) return "";
      var old = before.pages[i];
      var out = "";
      for (var c = 0; c < PAGE_COLS.length; c++) {
        if (!old || String(pageCell(old, PAGE_COLS[c])) !== String(pageCell(s.pages[i], PAGE_COLS[c]))) out += c + ",";
      }
      return out;
    };
    sync($("pages-body"), pageView, s.pages,
      function (i) { return (t.pages[s.pages[i].name] || "") + "|" + changedCols(i); },
      function (i) {
        var pg = s.pages[i];
        var chg = "," + changedCols(i);
        var tr = el("tr");
        tr.setAttribute("data-page", pg.name);
        if (pg.freed) tr.classList.add("freed");
        if (pg.head) tr.classList.add("tailrow");
        hl(tr, t.pages[pg.name]);
        for (var c = 0; c < PAGE_COLS.length; c++) {
          var col = PAGE_COLS[c];
          var td = el(col === "name" ? "th" : "td", "c-" + col, pageCell(pg, col));
          if (chg.indexOf("," + c + ",") >= 0) td.classList.add("chg");
          tr.appendChild(td);
        }
        return tr;
      });
  }

  // ===== interleaving list (built once) =====

  var rowsByStep = [];
  (function () {
    var head = $("list-head");
    head.appendChild(el("th", "", "#"));
    var lanes = el("th");
    for (var i = 0; i < D.threads.length; i++) lanes.appendChild(el("span", "lane t" + (i % 4), who(i)));
    head.appendChild(lanes);
    var body = $("list-body");
    for (var s = 0; s < N; s++) {
      var st = D.steps[s];
      var tr = el("tr", "t" + (st.thread % 4));
      tr.setAttribute("data-step", String(s));
      tr.appendChild(el("td", "n", s));
      var td = el("td", "ran");
      td.style.paddingLeft = (6 + 18 * st.thread) + "px";
      td.appendChild(el("b", "", "CPU" + (D.threads[st.thread] ? D.threads[st.thread].cpu : st.thread) + " "));
      var bugRow = s === N - 1 && D.end.thread === st.thread && D.end.check;
      td.appendChild(document.createTextNode(bugRow ? (st.top || st.fn || "?") + ": " + D.end.check
        : (st.fn || "?") + ": " + (st.label || "?")));
      if (bugRow) tr.classList.add("bugrow");
      if (st.notes.length) td.appendChild(el("span", "has-notes", " •"));
      td.title = (st.at || "") + (st.notes.length ? "\n" + st.notes.join("\n") : "");
      tr.appendChild(td);
      tr.addEventListener("click", (function (p) { return function () { go(p); }; })(s + 1));
      body.appendChild(tr);
      rowsByStep.push(tr);
    }
  })();

  // ===== navigation =====

  function go(p) {
    pos = Math.max(0, Math.min(N, p));
    var at = stateAt(pos);
    var s = at.s;
    var step = pos > 0 ? D.steps[pos - 1] : null;
    var t = touched(step);
    var counter = $("counter");
    counter.textContent = pos === 0 ? "Initial state" : "Step " + (pos - 1);
    counter.setAttribute("data-pos", String(pos));
    $("of").textContent = " of steps 0–" + (N - 1);
    $("slider").value = String(pos);
    $("first").disabled = $("prev").disabled = pos === 0;
    $("next").disabled = $("last").disabled = pos === N;
    renderStep(step, t);
    renderThreads(s, step);
    renderSlots(s, at.before, t);
    renderCounters(s, at.before, t);
    renderPages(s, at.before, t);
    $("oops-box").hidden = pos !== N || !D.oops;
    if (curRow) curRow.classList.remove("cur");
    var row = rowsByStep[pos - 1];
    curRow = row || null;
    if (row) row.classList.add("cur");
    var list = $("list");
    if (row) {
      var top = row.offsetTop - list.clientHeight / 2;
      list.scrollTop = Math.max(0, top);
    } else {
      list.scrollTop = 0;
    }
  }

  $("first").addEventListener("click", function () { go(0); });
  $("prev").addEventListener("click", function () { go(pos - 1); });
  $("next").addEventListener("click", function () { go(pos + 1); });
  $("last").addEventListener("click", function () { go(N); });
  $("slider").max = String(N);
  $("slider").addEventListener("input", function () { go(Number($("slider").value)); });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target && e.target.id === "slider") return;
    var to = { ArrowRight: pos + 1, ArrowLeft: pos - 1, Home: 0, End: N }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    go(to);
  });
  go(0);
})();
`;
