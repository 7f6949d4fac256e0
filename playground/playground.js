// The playground page: loads Pyodide and autograd_lite from this site, forwards what the
// learner types to Python (visualize/playground.py) and draws what comes back. Every number,
// caption and DOT text comes from Python; this file only displays it and lays out the DOT
// with Graphviz compiled to WebAssembly.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as vizInstance } from "./viz/viz.js";

const $ = (id) => document.getElementById(id);
const timings = {};  // where the time goes, read by the benchmark: window.playgroundTimings
window.playgroundTimings = timings;
let py = null;       // py(method, ...args): a Playground method, JSON in and out
let viz = null;
let state = null;    // the state as Python last returned it
let shown = null;    // Python's last answer to update()

function setBusy(on) {
  if (on) { document.body.dataset.busy = "1"; } else { delete document.body.dataset.busy; }
}

// -- the backward-pass steppers (main graph and the gradient's graph) -------------------
class Stepper {
  constructor(root) {
    this.root = root;
    this.which = root.dataset.which;
    this.view = root.querySelector(".view");
    this.caption = root.querySelector(".caption");
    this.counter = root.querySelector(".counter");
    this.slider = root.querySelector(".frame-slider");
    this.play = root.querySelector('[data-go="play"]');
    this.index = 0;
    this.count = 0;
    this.timer = null;
    root.querySelectorAll("button[data-go]").forEach((b) => {
      b.addEventListener("click", () => this.go(b.dataset.go));
    });
    this.slider.addEventListener("input", () => { this.pause(); this.show(Number(this.slider.value)); });
    this.view.addEventListener("keydown", (e) => {
      const keys = { ArrowRight: "next", ArrowLeft: "back", Home: "first", End: "last", " ": "play" };
      if (keys[e.key] && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); this.go(keys[e.key]); }
    });
  }
  go(what) {
    if (what === "play") { if (this.timer === null) { this.start(); } else { this.pause(); } return; }
    this.pause();
    const k = { first: 0, back: this.index - 1, next: this.index + 1, last: this.count - 1 }[what];
    this.show(k);
  }
  start() {
    if (this.count < 2) { return; }
    if (this.index >= this.count - 1) { this.show(0); }
    this.play.innerHTML = "&#x25A0; pause";
    this.timer = setInterval(() => {
      if (this.index >= this.count - 1) { this.pause(); } else { this.show(this.index + 1); }
    }, 1400);
  }
  pause() {
    if (this.timer !== null) { clearInterval(this.timer); this.timer = null; }
    this.play.innerHTML = "&#x25B6; play";
  }
  update(count, visible) {
    if (visible) { this.stale = null; this.reset(count); } else { this.stale = count; }
  }
  shown() { if (this.stale !== null && this.stale !== undefined) { this.update(this.stale, true); } }
  // A new graph: keep the frame when the graph has as many frames, else show the last one.
  // A new shape of graph is drawn left to right, or top to bottom when that fits the view
  // better (narrow screens, wide graphs).
  reset(count) {
    const same = count === this.count;
    this.count = count;
    this.slider.max = String(Math.max(0, count - 1));
    if (same) { this.show(this.index); return; }
    this.rankdir = "LR";
    this.show(count - 1);
    if (this.fits < 0.8) {
      const wide = this.fits;
      this.rankdir = "TB";
      this.show(count - 1);
      if (this.fits < wide) { this.rankdir = "LR"; this.show(count - 1); }
    }
  }
  show(k) {
    const started = performance.now();
    const frame = py("frame", this.which, Math.max(0, k), this.rankdir || "LR");
    timings.lastFramePython = performance.now() - started;
    this.index = frame.index;
    this.count = frame.count;
    this.slider.value = String(frame.index);
    this.counter.textContent = frame.count ? `frame ${frame.index} of ${frame.count - 1}` : "";
    this.caption.textContent = frame.caption;
    this.root.dataset.frame = String(frame.index);
    this.root.dataset.node = frame.node;
    this.root.dataset.rankdir = this.rankdir || "LR";
    if (!frame.dot) { this.view.replaceChildren(); return; }
    const svg = draw(frame.dot, this.view);
    this.fits = fit(svg, this.view);
    const current = svg.querySelector("g.current");
    if (current && this.view.scrollWidth > this.view.clientWidth) {
      const r = current.getBoundingClientRect();
      const v = this.view.getBoundingClientRect();
      this.view.scrollLeft += (r.left + r.right) / 2 - (v.left + v.right) / 2;
    }
  }
}

function layout(dot) {
  timings.layouts = (timings.layouts || 0) + 1;
  return viz.renderSVGElement(dot);
}

// -- drawing a frame without laying it out again ----------------------------------------------
// Moving a number changes the text and colours of a frame, not its shape: the same nodes, edges,
// classes and cell widths. Graphviz lays out the same shape at the same positions, so a frame
// whose "skeleton" (its DOT with the text of single-text cells and the cell colours blanked) has
// been laid out before is drawn by writing the new texts and colours into that drawing. Anything
// else (a new expression, another frame, a cell that grew: its width is in the skeleton) is laid
// out by Graphviz. Drawings are kept by skeleton, the most recent ones: at most MAX_LAYOUTS of
// them, whose skeletons hold at most MAX_KEPT_CHARS characters in all (big graphs, fewer kept).
const MAX_LAYOUTS = 48;
const MAX_KEPT_CHARS = 2_000_000;
const layouts = new Map();  // skeleton -> {svg, parsed}: a drawing as laid out, texts centred
let keptChars = 0;

// A statement of our DOT: `\tNAME [label=<...> ...]`, `\tA -> B [label=<...> ...]`, or the
// graph's own label (the legend, drawn outside any node: its title is "").
const STATEMENT = /^\t(?:(\S+)( -> (\S+))? \[)?label=<(.*)>((?: [^<>]*)?)\]?$/;
const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, e) => {
    if (e[0] !== "#") { return ENTITIES[e] ?? whole; }
    return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

function attribute(tag, name, otherwise) {
  const m = new RegExp(`\\s${name}="([^"]*)"`, "i").exec(tag);
  return m ? Number(m[1]) : otherwise;
}

// The DOT split into its skeleton and, per labelled node or edge (in order), the text runs of
// its label (each SVG <text> element, in order), the room of those that may change (the one
// text of a cell of fixed width; null for the others), and the colours of its filled tables and
// cells (each SVG polygon without a stroke, in order).
function parseDot(dot) {
  const skeleton = [];
  const statements = [];
  for (const line of dot.split("\n")) {
    const m = STATEMENT.exec(line);
    if (m === null) { skeleton.push(line); continue; }
    const title = m[1] === undefined ? "" : m[3] === undefined ? m[1] : `${m[1]}->${m[3]}`;
    const runs = [];
    const room = [];
    const fills = [];
    const shape = [];
    const tables = [];  // open <table>s: their cell padding and border (Graphviz's defaults: 2, 1)
    const cells = [];  // open <td>s: their width, the runs inside, and whether a table is nested
    for (const token of m[4].split(/(<[^>]*>)/)) {
      if (token === "") { continue; }
      if (token[0] !== "<") {
        if (cells.length) {
          const cell = cells[cells.length - 1];
          cell.runs.push(runs.length);
          cell.shapeAt = shape.length;
        }
        runs.push(decode(token));
        room.push(null);
        shape.push(token);
        continue;
      }
      const colour = /\sbgcolor="([^"]*)"/.exec(token);
      if (colour) { fills.push(colour[1]); }
      shape.push(colour ? token.replace(colour[0], ' bgcolor=""') : token);
      if (/^<table[\s>]/i.test(token)) {
        if (cells.length) { cells[cells.length - 1].nested = true; }
        tables.push({ pad: attribute(token, "cellpadding", 2), border: attribute(token, "cellborder", 1) });
      } else if (/^<\/table>/i.test(token)) {
        tables.pop();
      } else if (/^<td[\s>]/i.test(token)) {
        const t = tables[tables.length - 1] || { pad: 2, border: 1 };
        const width = attribute(token, "width", NaN);
        const inner = width - 2 * attribute(token, "cellpadding", t.pad) - 2 * attribute(token, "border", t.border);
        cells.push({ inner, runs: [], nested: false });
      } else if (/^<\/td>/i.test(token)) {
        const cell = cells.pop();
        if (cell && !cell.nested && cell.runs.length === 1 && cell.inner > 0) {
          room[cell.runs[0]] = cell.inner;  // one text alone in a cell of fixed width
          shape[cell.shapeAt] = "\u0000";
        }
      }
    }
    skeleton.push(`${title} ${shape.join("")} ${m[5]}`);
    statements.push({ title, runs, room, fills });
  }
  return { skeleton: skeleton.join("\n"), statements };
}

// The labelled groups of a drawing, in the order of the statements (titles can repeat: a value
// used twice by one operation has two edges); null if they do not match text for text.
function groupsOf(svg, parsed) {
  const byTitle = new Map();
  for (const g of svg.querySelectorAll("g.node, g.edge")) {
    const title = g.querySelector("title");
    if (!title) { continue; }
    const list = byTitle.get(title.textContent) || [];
    list.push(g);
    byTitle.set(title.textContent, list);
  }
  const graph = svg.querySelector("g.graph");
  const groups = [];
  for (const s of parsed.statements) {
    let texts, fills;
    if (s.title === "") {  // the legend: the graph's own texts and fills, after its background
      if (!graph) { return null; }
      texts = graph.querySelectorAll(":scope > text");
      fills = [...graph.querySelectorAll(':scope > polygon[stroke="none"]')].slice(1);
    } else {
      const g = (byTitle.get(s.title) || []).shift();
      if (!g) { return null; }
      texts = g.querySelectorAll("text");
      fills = g.querySelectorAll('polygon[stroke="none"]');
    }
    if (texts.length !== s.runs.length || fills.length !== s.fills.length) { return null; }
    for (let i = 0; i < texts.length; i++) {
      if (texts[i].textContent !== s.runs[i]) { return null; }
    }
    groups.push({ texts, fills });
  }
  return groups;
}

// After a layout, on screen: centre each text that may change on where Graphviz centred it, so
// that a new text of another width stays centred in its cell. False if the drawing does not
// match its DOT (then it is never patched).
function centreTexts(svg, parsed) {
  if (!svg.isConnected || svg.getBoundingClientRect().width === 0) { return false; }  // not drawn
  const groups = groupsOf(svg, parsed);
  if (groups === null) { return false; }
  const moves = [];
  parsed.statements.forEach((s, k) => {
    s.room.forEach((room, i) => {
      const t = groups[k].texts[i];
      if (room !== null && t.getAttribute("text-anchor") === "start") {
        moves.push([t, Number(t.getAttribute("x")) + t.getComputedTextLength() / 2]);
      }
    });
  });
  if (moves.some(([, x]) => !Number.isFinite(x))) { return false; }
  for (const [t, x] of moves) { t.setAttribute("text-anchor", "middle"); t.setAttribute("x", x.toFixed(2)); }
  return true;
}

// Write `parsed`'s texts and colours into `svg` (on screen), drawn from `before` (the same
// skeleton). False if it cannot: then `svg` is half written and must be laid out again. A text
// that would not fit its cell (which Graphviz would have widened) is such a case.
function patch(svg, before, parsed) {
  const groups = groupsOf(svg, before);
  if (groups === null) { return false; }
  const written = [];
  parsed.statements.forEach((s, k) => {
    const was = before.statements[k];
    const { texts, fills } = groups[k];
    s.runs.forEach((run, i) => {
      if (run !== was.runs[i]) { texts[i].textContent = run; written.push([texts[i], s.room[i]]); }
    });
    s.fills.forEach((c, i) => { if (c !== was.fills[i]) { fills[i].setAttribute("fill", c); } });
  });
  // the room less a margin: Graphviz's estimate of a text's width is not the browser's
  return written.every(([t, room]) => room !== null && t.getComputedTextLength() <= 0.92 * room);
}

function forget(skeleton) {
  if (layouts.delete(skeleton)) { keptChars -= skeleton.length; }
}

function remember(skeleton, svg, parsed) {
  forget(skeleton);
  layouts.set(skeleton, { svg: svg.cloneNode(true), parsed });
  keptChars += skeleton.length;
  while (layouts.size > 1 && (layouts.size > MAX_LAYOUTS || keptChars > MAX_KEPT_CHARS)) {
    forget(layouts.keys().next().value);
  }
}

// Draw `dot` into `view`: in place when the drawing shown has its skeleton, from a kept drawing
// when one has, else laid out by Graphviz. Returns the SVG element shown.
function draw(dot, view) {
  const started = performance.now();
  const parsed = parseDot(dot);
  const shown = view.querySelector(":scope > svg");
  let how = "layout";
  let svg = null;
  let from = null;
  if (shown && shown.drawnFrom && shown.drawnFrom.skeleton === parsed.skeleton) {
    [svg, from, how] = [shown, shown.drawnFrom, "in place"];
  } else if (layouts.has(parsed.skeleton)) {
    const kept = layouts.get(parsed.skeleton);
    [svg, from, how] = [kept.svg.cloneNode(true), kept.parsed, "kept"];
    view.replaceChildren(svg);
  }
  if (svg !== null && !patch(svg, from, parsed)) {
    forget(parsed.skeleton);
    svg = null;
  }
  if (svg === null) {
    how = "layout";
    svg = layout(dot);
    view.replaceChildren(svg);
    if (centreTexts(svg, parsed)) { remember(parsed.skeleton, svg, parsed); } else { parsed.unpatchable = true; }
  }
  svg.drawnFrom = parsed.unpatchable ? null : parsed;
  timings.lastDraw = how;
  timings.lastLayout = performance.now() - started;
  return svg;
}

// The whole graph at a readable size: shrink to the page width, but never below 65% (then
// the view scrolls sideways, following the current node).
function fit(svg, view) {
  const w = svg.width.baseVal.value || 1;
  const h = svg.height.baseVal.value || 1;
  const room = Math.max(200, view.clientWidth - 2);
  const scale = Math.max(0.65, Math.min(1, room / w));
  svg.style.width = `${w * scale}px`;
  svg.style.height = `${h * scale}px`;
  return room / w;  // how much the drawing would have to shrink to fit (1 or more: it fits)
}

let steppers = null;

// -- the editor ---------------------------------------------------------------------------
function rebuildVariables(variables) {
  const body = $("vars-body");
  const names = variables.map((v) => v.name).join(",");
  if (body.dataset.names === names) {
    for (const v of variables) {
      const field = $(`var-${v.name}`);
      if (document.activeElement !== field && field.value !== v.value.exact) { field.value = v.value.exact; }
      const slider = $(`slider-${v.name}`);
      if (document.activeElement !== slider) { setSlider(slider, v); }
      $(`param-${v.name}`).checked = v.param;
    }
    return;
  }
  body.dataset.names = names;
  body.replaceChildren();
  for (const v of variables) {
    const row = document.createElement("tr");
    const name = cell("name"); name.textContent = v.name;
    const field = document.createElement("input");
    field.type = "number"; field.step = "any"; field.id = `var-${v.name}`;
    field.value = v.value.exact;
    field.setAttribute("aria-label", `value of ${v.name}`);
    const slider = document.createElement("input");
    slider.type = "range"; slider.id = `slider-${v.name}`;
    slider.setAttribute("aria-label", `slide the value of ${v.name}`);
    setSlider(slider, v);
    const param = document.createElement("input");
    param.type = "checkbox"; param.id = `param-${v.name}`; param.checked = v.param;
    param.setAttribute("aria-label", `${v.name} is a parameter`);
    const grad = cell("grad"); grad.id = `grad-${v.name}`;
    field.addEventListener("input", () => { state.values[v.name] = field.value; schedule(); });
    field.addEventListener("change", () => { state.values[v.name] = field.value; schedule(); });
    slider.addEventListener("input", () => {
      field.value = slider.value; state.values[v.name] = slider.value; schedule();
    });
    param.addEventListener("change", () => {
      const set = new Set(state.params);
      if (param.checked) { set.add(v.name); } else { set.delete(v.name); }
      state.params = [...set];
      schedule();
    });
    const c1 = cell(""); c1.append(field);
    const c2 = cell("slider"); c2.append(slider);
    const c3 = cell(""); c3.append(param);
    row.append(name, c1, c2, c3, grad);
    body.append(row);
  }
}

function cell(cls) { const td = document.createElement("td"); if (cls) { td.className = cls; } return td; }

function setSlider(slider, v) {
  const [lo, hi, step] = v.slider;
  // Widen the range only: a slider whose range moved under the pointer would jump.
  slider.min = String(Math.min(lo, Number(slider.min) || lo));
  slider.max = String(Math.max(hi, Number(slider.max) || hi));
  slider.step = String(step);
  slider.value = v.value.exact;
}

let pending = false;
function schedule() {
  setBusy(true);
  if (pending) { return; }
  pending = true;
  setTimeout(() => { pending = false; recompute(); }, 0);
}

function recompute() {
  const started = performance.now();
  try {
    state.expr = $("expr").value;
    const answer = py("update", state, !$("panel-second").hidden, $("python-box").open);
    timings.lastUpdatePython = performance.now() - started;
    show(answer);
  } catch (e) {
    $("error").textContent = `The page met an error: ${e.message || e}`;
  } finally {
    timings.lastRecompute = performance.now() - started;
    setBusy(false);
  }
}

function show(answer) {
  $("error").textContent = answer.error || "";
  if (answer.variables) { rebuildVariables(answer.variables); }
  if (answer.state) { state = answer.state; }
  const failed = Boolean(answer.error);
  document.body.classList.toggle("stale", failed);
  if (failed) { return; }  // keep the last good picture and numbers, greyed
  shown = answer;
  $("value").textContent = answer.value;
  $("value").dataset.exact = answer.value_exact;
  for (const [name, g] of Object.entries(answer.grads)) {
    const el = $(`grad-${name}`);
    el.textContent = g.text; el.dataset.exact = g.exact;
  }
  history.replaceState(null, "", answer.url);
  $("python").textContent = answer.python || "";
  if (answer.second) { showSecond(answer.second); } else { secondStale = true; }
  // A stepper hidden behind another tab has no width to fit: it redraws when shown.
  steppers.main.update(answer.frames, !$("panel-graph").hidden);
  if (answer.second) { steppers.second.update(answer.second.frames, !$("panel-second").hidden); }
  if (trainer.needsReset(state)) { trainer.reset(); }
}

let secondStale = false;  // the gradient's graph was not computed for the last edit

function showSecond(second) {
  secondStale = false;
  const select = $("wrt");
  const names = Object.keys(shown.grads);
  if (select.dataset.names !== names.join(",")) {
    select.dataset.names = names.join(",");
    select.replaceChildren(...names.map((n) => new Option(n, n)));
  }
  select.value = second.wrt;
  $("wrt-name").textContent = second.wrt;
  $("second-head").textContent = `∂/∂v of ∂out/∂${second.wrt}`;
  $("second-value").textContent = second.value.text || "";
  $("second-value").dataset.exact = second.value.exact || "";
  const body = $("second-body");
  body.replaceChildren();
  for (const [name, g] of Object.entries(second.grads)) {
    const row = document.createElement("tr");
    const n = cell("name"); n.textContent = name;
    const v = cell("grad"); v.id = `second-grad-${name}`; v.textContent = g.text; v.dataset.exact = g.exact;
    row.append(n, v);
    body.append(row);
  }
}

// -- training -----------------------------------------------------------------------------
const trainer = {
  playing: false,
  settings: "",
  started: false,
  stepsPerCall: 5,
  key(s) { return JSON.stringify([s.data, s.hidden, s.activation, s.lr]); },
  needsReset(s) { return this.started && this.key(s) !== this.settings; },
  reset() {
    this.pause();
    this.settings = this.key(state);
    this.started = true;
    this.draw(py("train", "reset"));
  },
  draw(r) {
    $("train-status").textContent = `step ${r.step}` + (r.loss ? `, loss ${r.loss}, accuracy ${r.accuracy}` : "") +
      (r.steps_per_s ? `, ${r.steps_per_s} steps/s` : "") + (r.error ? `. ${r.error}` : "");
    if (r.error && this.playing) { this.playing = false; $("train-play").innerHTML = "&#x25B6; train"; }
    $("train-status").dataset.step = String(r.step);
    $("train-status").dataset.loss = r.loss_exact;
    $("train-caption").textContent = r.caption;
    $("curve").innerHTML = r.curve;  // SVG text written by Python from numbers only
    if (r.boundary === undefined) { return; }
    this.viewsAt = performance.now();
    $("boundary").innerHTML = r.boundary;
    if (!r.network) {
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = r.network_note;
      $("network").replaceChildren(note);
      return;
    }
    const started = performance.now();
    const svg = layout(r.network);
    timings.networkLayout = performance.now() - started;
    fit(svg, $("network"));
    $("network").replaceChildren(svg);
  },
  // While playing, the decision boundary and the network view redraw about once a second.
  step(n, views = true) {
    setBusy(true);
    try {
      const started = performance.now();
      const r = py("train", "step", n, views);
      timings.lastTrainCall = performance.now() - started;
      this.draw(r);
      return r;
    } finally { setBusy(false); }
  },
  loop() {
    if (!this.playing) { return; }
    const started = performance.now();
    const views = performance.now() - (this.viewsAt || 0) > 1000;
    this.step(this.stepsPerCall, views);
    const took = performance.now() - started;
    // aim at a redraw of the figures and the loss curve about every 0.3 s
    if (!views) {
      this.stepsPerCall = Math.max(1, Math.min(200, Math.round(this.stepsPerCall * 300 / Math.max(took, 1))));
    }
    setTimeout(() => this.loop(), 0);
  },
  play() {
    if (this.playing) { this.pause(); return; }
    if (!this.started) { this.reset(); }
    this.playing = true;
    $("train-play").innerHTML = "&#x25A0; pause";
    this.loop();
  },
  pause() {
    const was = this.playing;
    this.playing = false;
    $("train-play").innerHTML = "&#x25B6; train";
    if (was) { this.draw(py("train", "show")); }  // the views as the run stands
  },
};

function trainSetting(id, key) {
  $(id).addEventListener("change", () => { state[key] = $(id).value; schedule(); });
}

// -- tabs and sharing ----------------------------------------------------------------------
function selectTab(name, focus) {
  for (const t of ["graph", "second", "train"]) {
    const on = t === name;
    $(`tab-${t}`).setAttribute("aria-selected", on ? "true" : "false");
    $(`tab-${t}`).tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
  $("editor").hidden = name === "train";
  if (focus) { $(`tab-${name}`).focus(); }
  if (state && state.tab !== name) { state.tab = name; if (shown) { history.replaceState(null, "", shown.url.replace(/tab=\w+/, `tab=${name}`)); } }
  if (name === "graph") { steppers.main.shown(); }
  if (name === "second" && py && secondStale) {
    const second = py("second_view");
    showSecond(second);
    steppers.second.update(second.frames, true);
  } else if (name === "second") { steppers.second.shown(); }
  if (name === "train" && !trainer.started && py) { trainer.reset(); }
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    $("share-status").textContent = `${what} copied.`;
  } catch {
    $("share-status").textContent = `Could not reach the clipboard: select the ${what} below and copy it.`;
    $("python").parentElement.open = true;
  }
}

function wire() {
  steppers = {
    main: new Stepper(document.querySelector('.stepper[data-which="main"]')),
    second: new Stepper(document.querySelector('.stepper[data-which="second"]')),
  };
  $("expr").addEventListener("input", schedule);
  $("expr").addEventListener("change", schedule);
  $("wrt").addEventListener("change", () => { state.wrt = $("wrt").value; schedule(); });
  trainSetting("data", "data");
  trainSetting("hidden", "hidden");
  trainSetting("activation", "activation");
  trainSetting("lr", "lr");
  $("train-play").addEventListener("click", () => trainer.play());
  $("train-step").addEventListener("click", () => { trainer.pause(); if (!trainer.started) { trainer.reset(); } trainer.step(1); });
  $("train-reset").addEventListener("click", () => trainer.reset());
  const tabs = ["graph", "second", "train"];
  tabs.forEach((t, i) => {
    const tab = $(`tab-${t}`);
    tab.addEventListener("click", () => selectTab(t, false));
    tab.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) { e.preventDefault(); selectTab(tabs[(i + step + tabs.length) % tabs.length], true); }
    });
  });
  $("copy-link").addEventListener("click", () => copy(location.href, "link"));
  const script = () => { $("python").textContent = py("script"); return $("python").textContent; };
  $("copy-python").addEventListener("click", () => copy(script(), "Python script"));
  $("python-box").addEventListener("toggle", () => { if ($("python-box").open) { script(); } });
}

// Our wheels, fetched while Pyodide starts: the list, then each wheel's bytes.
async function fetchWheels() {
  const listing = await (await fetch("wheels.json")).json();
  return Promise.all(listing.wheels.map(async (name) => {
    const answer = await fetch(`wheels/${name}`);
    if (!answer.ok) { throw new Error(`wheels/${name}: HTTP ${answer.status}`); }
    return answer.arrayBuffer();
  }));
}

// Pyodide's memory with Python started and the first view's modules imported, made at build
// time (playground/snapshot.mjs): restoring it skips the interpreter's start-up. Its
// download starts at once; without it (or if it does not restore) Python starts from nothing.
const snapshotAnswer = fetch("pyodide-snapshot.bin").catch(() => null);

async function startPython(onSitePackages) {
  const options = {
    indexURL: new URL("./pyodide/", import.meta.url).href,
    fsInit: async (_fs, info) => { onSitePackages(info); },
  };
  const answer = await snapshotAnswer;
  if (answer && answer.ok) {
    try {
      const p = await loadPyodide({ ...options, _loadSnapshot: answer.arrayBuffer() });
      timings.snapshot = true;
      return p;
    } catch (e) {
      console.warn(`the Pyodide snapshot did not restore (${e.message || e}): starting Python from nothing`);
    }
  }
  timings.snapshot = false;
  return loadPyodide(options);
}

async function main() {
  setBusy(true);
  wire();
  const t0 = performance.now();
  try {
    // Everything that can overlap does: Pyodide's runtime, Graphviz's and our wheels' downloads.
    let sitePackages = null;
    const [pyodide, vizReady, wheels] = await Promise.all([
      startPython((info) => { sitePackages = info.sitePackages; })
        .then((p) => { timings.pyodideAlone = performance.now() - t0; return p; }),
      vizInstance().then((v) => { timings.viz = performance.now() - t0; return v; }),
      fetchWheels().then((w) => { timings.wheelsFetched = performance.now() - t0; return w; }),
    ]);
    timings.scriptStart = t0;  // when this module began, since the navigation started
    viz = vizReady;
    timings.pyodide = performance.now() - t0;
    $("status").textContent = "Installing autograd_lite\u2026";
    const t1 = performance.now();
    // Pure-Python wheels need no installer: unpacked into site-packages, they import.
    for (const wheel of wheels) { pyodide.unpackArchive(wheel, "wheel", { extractDir: sitePackages }); }
    timings.wheels = performance.now() - t1;
    const t2 = performance.now();
    const call = pyodide.runPython([
      "import json",
      "from visualize.playground import Playground",
      "_playground = Playground()",
      "def _call(method, args):",
      "    return json.dumps(getattr(_playground, method)(*json.loads(args)))",
      "_call",
    ].join("\n"));
    timings.import = performance.now() - t2;
    py = (method, ...args) => JSON.parse(call(method, JSON.stringify(args)));
    const choices = py("choices");
    $("data").replaceChildren(...choices.data.map((d) => new Option(d, d)));
    $("activation").replaceChildren(...choices.activation.map((d) => new Option(d, d)));
    const fromLink = py("query", location.hash);
    state = fromLink.state;
    $("expr").value = state.expr;
    $("data").value = state.data;
    $("hidden").value = state.hidden.join(", ");
    $("activation").value = state.activation;
    $("lr").value = String(state.lr);
    const t3 = performance.now();
    recompute();
    timings.firstView = performance.now() - t3;
    timings.firstLayout = timings.lastLayout;
    timings.firstPython = timings.firstView - timings.firstLayout;
    if (fromLink.error) { $("error").textContent = fromLink.error; }
    selectTab(state.tab, false);
    timings.total = performance.now() - t0;
    $("status").textContent = `Ready: Python ${choices.python} and autograd_lite ${choices.version} loaded in ${(timings.total / 1000).toFixed(1)} s.`;
    timings.readyAt = performance.now();  // since the navigation started
    document.body.dataset.ready = "1";
  } catch (e) {
    $("status").textContent = "";
    $("error").textContent = `The playground could not start: ${e.message || e}`;
    throw e;
  } finally {
    setBusy(false);
  }
}

main();
