"""``animate_backward``: one self-contained HTML page that steps through the backward pass.

Frame 0 is the graph after the forward pass, gradients unknown. Each later
frame is one node of the backward pass, in reverse topological order: the
node is highlighted, its gradient is complete, and the edges to its inputs
show the local derivative and the product ``upstream × local`` it adds to
each of them; gradients fill in frame by frame, and a node fed by several
paths shows its partial sum until the last path arrives. The frames are SVG
drawn by ``draw_graph``'s backward view from a replay on floats (``.grad`` is
never touched), inlined in the page with play / pause / step / slider
controls and no network access.

>>> from autograd_lite import Value, i18n
>>> import os, tempfile
>>> x = Value(2.0, label="x")
>>> page = animate_backward(x * x + x, os.path.join(tempfile.mkdtemp(), "backward.html"))
>>> page.read_text().count('class="frame"')      # forward pass, then x*x+x, x*x, x
4
"""

from __future__ import annotations

import html
import os
import re
import reprlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from autograd_lite import i18n
from autograd_lite.engine import Value
from visualize.graph import (
    Analysis,
    GraphTooLargeError,
    Step,
    backward_views,
    operand_text,
    stable_widths,
    to_digraph,
)
from visualize.renderer import DEFAULT_TIMEOUT_S, LayoutTimeoutError, check_timeout, pipe
from visualize.style import fmt, printable

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

__all__ = [
    "DEFAULT_MAX_FRAMES",
    "MAX_PAGE_BYTES",
    "BackwardFrames",
    "Frame",
    "animate_backward",
    "page_path",
]

#: Each frame is a separate layout and a separate SVG, so time and page size grow with
#: frames x values (frames <= values + 1): refuse graphs with more frames than this.
DEFAULT_MAX_FRAMES = 100
#: The largest page written, in bytes (a browser slows down long before this).
MAX_PAGE_BYTES = 50_000_000


def _caption(a: Analysis, k: int) -> str:
    """What frame ``k`` shows, in words."""
    # in the reader's language (i18n): a browser has fonts for every language
    total = len(a.steps)
    if k == 0:
        root = a.names[a.root]
        if total == 0:
            return i18n.tr(
                "{root} takes no gradient (it does not depend on anything that does).", root=root
            )
        return i18n.tr(
            "Forward pass done: every node holds its data. The backward pass starts at "
            "the output {root} and visits each node after everything that uses it.",
            root=root,
        )
    step: Step = a.steps[k - 1]
    name = a.names[step.node]
    node = a.order[step.node]
    g = fmt(step.grad)
    if step.node == a.root:
        d = operand_text(name)
        text = i18n.tr(
            "Step {k} of {total}: start at the output {name}: ∂{d}/∂{d} = 1.",
            k=k,
            total=total,
            name=name,
            d=d,
        )
    else:
        text = i18n.tr(
            "Step {k} of {total}: every path into {name} has arrived: grad = {g}.",
            k=k,
            total=total,
            name=name,
            g=g,
        )
    if node.op is None:
        text += i18n.tr(" {name} is a leaf: backward() adds {g} to {name}.grad.", name=name, g=g)
    elif step.contributions:
        sent = "; ".join(
            i18n.tr(
                "{parent} gets {up} × {local} = {value}",
                parent=a.names[c.parent],
                up=fmt(c.upstream),
                local=fmt(c.local),
                value=fmt(c.value),
            )
            for c in step.contributions
        )
        text += i18n.tr(" Chain rule through {op}: {sent}.", op=node.op.name, sent=sent)
    else:
        text += i18n.tr(" Its inputs are constants: {op} sends nothing on.", op=node.op.name)
    if k == total:
        text += i18n.tr(" Done: every gradient is in place.")
    return text


def _focus(a: Analysis, k: int) -> str:
    """What frame ``k`` is about, as the titles of its SVG elements: the page keeps them in view.

    Frame 0: the output, where the backward pass starts. A step: the node, its
    operation and the inputs it sends gradients to, with the edges between them.
    """
    if k == 0:
        return f"v{a.root}"
    step = a.steps[k - 1]
    i = step.node
    titles = [f"v{i}"]
    if a.order[i].op is not None:
        titles += [f"op{i}", f"op{i}->v{i}"]
    for c in step.contributions:
        titles += [f"v{c.parent}", f"v{c.parent}->op{i}"]
    return " ".join(dict.fromkeys(titles))


_PROLOGUE = re.compile(r"\A.*?(?=<svg)", re.DOTALL)


def _inline_svg(svg: bytes, k: int) -> str:
    """An SVG document as an element for the page: no XML prologue, ids unique per frame."""
    text = _PROLOGUE.sub("", svg.decode("utf-8"), count=1)
    return text.replace(' id="', f' id="f{k}-')


def page_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a ``Path`` if it names an HTML file, else a ``ValueError``."""
    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(
            f"the animation is an HTML page: name it .html, not {reprlib.repr(out.name)}"
        )
    return out


def _refuse_early(frames: int, first_s: float, first_bytes: int, left_s: float) -> None:
    """Refuse, from frame 0's cost, a page that would run out of time or grow too large."""
    if first_bytes * frames > MAX_PAGE_BYTES:
        raise GraphTooLargeError(
            f"the page would be about {first_bytes * frames / 1e6:,.3g} MB ({frames} frames of "
            f"{first_bytes / 1e3:,.3g} kB), more than {MAX_PAGE_BYTES / 1e6:g} MB; "
            "animate a smaller sub-expression"
        )
    if first_s * (frames - 1) > left_s:
        raise LayoutTimeoutError(
            f"laying out one frame took {first_s:.2g} s, so {frames} frames would take about "
            f"{first_s * frames:,.0f} s, more than the time allowed; animate a smaller "
            "sub-expression or allow more time"
        )


def animate_backward(
    root: Value,
    path: str | os.PathLike[str],
    *,
    params: Iterable[Value] | None = None,
    rankdir: str = "LR",
    max_frames: int = DEFAULT_MAX_FRAMES,
    title: str = "The backward pass, step by step",
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Path:
    """Write the backward-pass animation of ``root`` to ``path`` (an ``.html`` file).

    ``params`` marks parameters as in ``draw_graph``. Graphs whose animation
    would have more than ``max_frames`` frames, or a page larger than
    ``MAX_PAGE_BYTES``, raise ``GraphTooLargeError``; ``timeout`` seconds
    bound the whole layout, and a page that would not finish in time is
    refused after its first frame (``LayoutTimeoutError``). Needs a layout
    program (see ``visualize.renderer``). Nothing is written unless the whole
    page is done. Returns the path.
    """
    if not isinstance(max_frames, int) or isinstance(max_frames, bool) or max_frames < 2:
        raise ValueError(f"max_frames must be an int >= 2, got {reprlib.repr(max_frames)}")
    out = page_path(path)
    deadline = time.monotonic() + check_timeout(timeout)
    a = Analysis(root, params=params)
    if len(a.order) > max_frames - 1:  # frames = 1 + nodes taking a gradient <= 1 + values
        raise GraphTooLargeError(
            f"this graph has {len(a.order):,} values, so its animation could have "
            f"{len(a.order) + 1:,} frames, more than max_frames={max_frames:,}; animate a "
            "smaller sub-expression, or draw the whole graph as one picture"
        )
    fill = {"title": html.escape(printable(i18n.tr(title)))}
    head, tail = (
        re.sub(r"\{(title)\}", lambda m: fill[m.group(1)], part)  # never text inside a label
        for part in _PAGE.split("{frames}")
    )
    # Frames go straight to a file beside the page (one frame in memory at a time), which
    # replaces the page only once every frame is done.
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as page:
            page.write(head)
            _write_frames(page, a, rankdir, deadline)
            page.write(tail)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out


@dataclass(frozen=True)
class Frame:
    """One frame of the backward pass: its caption, its current node (``v3``, or "") and DOT."""

    caption: str
    node: str
    dot: graphviz.Digraph


class BackwardFrames:
    """The frames of ``a``'s backward pass, each drawn when asked for (``frames[k]``).

    Frame 0 is the forward pass; frame k the k-th node of the backward pass.
    All frames share one set of box widths, so the layout does not jump from
    frame to frame. ``animate_backward`` and the playground both draw these.
    """

    def __init__(self, a: Analysis, *, rankdir: str = "LR") -> None:
        self.analysis = a
        self.rankdir = rankdir
        self.views = backward_views(a, highlight=True)
        self.widths = stable_widths(a, self.views)

    def __len__(self) -> int:
        return len(self.views)

    def __getitem__(self, k: int) -> Frame:
        view = self.views[k]
        a = self.analysis
        dot = to_digraph(a, view, backward=True, rankdir=self.rankdir, widths=self.widths)
        current = f"v{view.current_node}" if view.current_node is not None else ""
        return Frame(_caption(a, k), current, dot)


def _write_frames(page: TextIO, a: Analysis, rankdir: str, deadline: float) -> None:
    """One laid-out frame per backward step, each written as soon as it is done."""
    frames = BackwardFrames(a, rankdir=rankdir)
    for k in range(len(frames)):
        drawn = frames[k]
        started = time.monotonic()
        svg = pipe(drawn.dot, "svg", timeout=max(deadline - started, 1e-9))
        focus = html.escape(_focus(a, k))
        frame = (
            f'<div class="frame" data-node="{drawn.node}" data-focus="{focus}"'
            f"{' hidden' if k else ''}>"
            f'<p class="caption">{html.escape(printable(drawn.caption))}</p>'
            f"{_inline_svg(svg, k)}</div>\n"
        )
        if k == 0:
            _refuse_early(len(frames), time.monotonic() - started, len(frame), deadline - started)
        page.write(frame)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
  body { font-family: Helvetica, Arial, sans-serif; margin: 1.2em; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 0.5em; }
  #controls { display: flex; align-items: center; gap: 0.5em; flex-wrap: wrap;
              position: sticky; top: 0; background: white; padding: 0.4em 0; }
  #controls button { font-size: 1em; padding: 0.25em 0.7em; cursor: pointer; }
  #slider { flex: 1; min-width: 12em; }
  #counter { font-variant-numeric: tabular-nums; min-width: 7em; }
  #zoom { display: flex; align-items: center; gap: 0.3em; }
  #zoom button[aria-pressed="true"] { background: #ffe0c2; }
  #zoom-level { font-variant-numeric: tabular-nums; min-width: 9.5em; color: #444; }
  .caption { font-size: 1.05em; min-height: 2.6em; margin: 0.6em 0; }
  #frames { overflow: auto; }
  #frames.zoomed { max-height: calc(100vh - 8em); }
  #frames.zoomed .frame { width: max-content; }
  #frames.zoomed .caption { position: sticky; top: 0; left: 0; z-index: 1; margin: 0;
                            max-width: calc(100vw - 3.5em); padding: 0.6em 0;
                            background: rgba(255, 255, 255, 0.92); }
  .frame svg { max-width: 100%; height: auto; display: block; }
  #frames.zoomed .frame svg { max-width: none; }
  .hint { color: #666; font-size: 0.9em; }
</style>
</head>
<body>
<h1>{title}</h1>
<div id="controls">
  <button id="first" title="first frame (Home)">&#xAB; first</button>
  <button id="back" title="step back (left arrow)">&#x25C0; step</button>
  <button id="play" title="play / pause (space)">&#x25B6; play</button>
  <button id="next" title="step forward (right arrow)">step &#x25B6;</button>
  <button id="last" title="last frame (End)">last &#xBB;</button>
  <input id="slider" type="range" min="0" max="0" step="1" value="0" aria-label="frame">
  <span id="counter"></span>
  <span id="zoom" role="group" aria-label="zoom">
    <button id="zoom-out" title="smaller (-)">&#x2212;</button>
    <button id="fit" title="fit the page width (0)">fit width</button>
    <button id="actual" title="actual size: labels as drawn (1)">100%</button>
    <button id="zoom-in" title="larger (+)">+</button>
    <span id="zoom-level" aria-live="polite"></span>
  </span>
</div>
<div id="frames">
{frames}</div>
<p class="hint">Orange: the node being processed and the gradients it sends to its inputs.
Each edge shows the local derivative &#x2202;out/&#x2202;in and upstream grad &#xD7; local
derivative; a node's grad is the sum of what arrives. Zoom with &#x2212; / + (keys - and +),
&#x201C;fit width&#x201D; (key 0) shows the whole graph; when zoomed in, the view follows the
current node and the inputs it sends to.</p>
<script>
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll(".frame"));
  var slider = document.getElementById("slider");
  var counter = document.getElementById("counter");
  var play = document.getElementById("play");
  var current = 0;
  var timer = null;
  slider.max = String(frames.length - 1);

  // Zoom. Every frame has the same layout, so one scale serves them all. The
  // scale is relative to the drawing's own size ("100%"); "fit width" shrinks
  // a wide drawing to the page. The page starts at fit width when the edge
  // labels stay readable there and it fits the window's height (a small graph:
  // all of it in sight); otherwise at the smallest readable scale, where the
  // view follows each frame's focus (its data-focus: the output in frame 0,
  // then the node being processed, the inputs it sends gradients to and the
  // edges between), or the node alone where the focus is larger than the view.
  var READABLE_PX = 12;  // edge-label height in CSS pixels that reads comfortably
  var view = document.getElementById("frames");
  var level = document.getElementById("zoom-level");
  var fitButton = document.getElementById("fit");
  var svgs = frames.map(function (f) { return f.querySelector("svg"); });
  var first = svgs[0];
  var naturalW = first ? first.width.baseVal.value : 1;
  var naturalH = first ? first.height.baseVal.value : 1;
  var units = first && first.viewBox.baseVal ? first.viewBox.baseVal.width : naturalW;
  var label = first ? first.querySelector("g.edge text") || first.querySelector("text") : null;
  var labelUnits = label ? parseFloat(label.getAttribute("font-size") || "14") : 14;
  var scale = 1;
  var fitting = true;
  var focus = frames.map(function (f) {  // the SVG elements each frame is about
    var wanted = (f.getAttribute("data-focus") || "").split(" ");
    return Array.prototype.filter.call(f.querySelectorAll("g.node, g.edge"), function (g) {
      var title = g.querySelector("title");
      return title !== null && wanted.indexOf(title.textContent) >= 0;
    });
  });
  function union(rects) {
    var box = null;
    rects.forEach(function (r) {
      if (r.width === 0 && r.height === 0) { return; }
      box = box === null ? {left: r.left, top: r.top, right: r.right, bottom: r.bottom} : {
        left: Math.min(box.left, r.left), top: Math.min(box.top, r.top),
        right: Math.max(box.right, r.right), bottom: Math.max(box.bottom, r.bottom)};
    });
    return box;
  }
  function labelPx(s) { return labelUnits * naturalW * s / (units || naturalW); }
  function fitScale() { return Math.min(1, view.clientWidth / naturalW); }
  function zoom(s, fit) {
    fitting = fit;
    scale = fit ? fitScale() : Math.max(0.1, Math.min(4, s));
    view.classList.toggle("zoomed", !fit);
    svgs.forEach(function (svg) {
      if (!svg) { return; }
      svg.style.width = (naturalW * scale) + "px";
      svg.style.height = (naturalH * scale) + "px";
    });
    frames.forEach(function (f) {  // a caption wider than the view would slide out of it
      var caption = f.querySelector(".caption");
      if (caption) { caption.style.maxWidth = fit ? "" : view.clientWidth + "px"; }
    });
    fitButton.setAttribute("aria-pressed", fit ? "true" : "false");
    level.textContent = Math.round(scale * 100) + "%, labels " + Math.round(labelPx(scale)) +
      " px";
    follow();
  }
  function follow() {  // keep the frame's focus in sight when the drawing is larger than the view
    if (fitting) { return; }
    var frame = frames[current];
    var box = union(focus[current].map(function (g) { return g.getBoundingClientRect(); }));
    var v = view.getBoundingClientRect();
    var caption = frame.querySelector(".caption");
    var room = {left: v.left, right: v.left + view.clientWidth, bottom: v.top + view.clientHeight,
                top: v.top + (caption ? caption.offsetHeight : 0)};
    var node = frame.querySelector("g.current");
    if (box === null || box.right - box.left > room.right - room.left ||
        box.bottom - box.top > room.bottom - room.top) {  // too big: the current node at least
      if (!node) { return; }
      box = node.getBoundingClientRect();
    }
    if (box.left < room.left || box.right > room.right) {
      view.scrollLeft += (box.left + box.right) / 2 - (room.left + room.right) / 2;
    }
    if (box.top < room.top || box.bottom > room.bottom) {
      view.scrollTop += (box.top + box.bottom) / 2 - (room.top + room.bottom) / 2;
    }
  }
  function startingZoom() {  // page.html#fit opens at fit width whatever the label size
    var fit = fitScale();
    var em = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    var roomH = window.innerHeight - 12 * em;  // the view's height when zoomed, less the caption
    if (location.hash === "#fit" ||
        (labelPx(fit) >= READABLE_PX - 1 && naturalH * fit <= roomH)) { zoom(1, true); }
    else { zoom(READABLE_PX / labelPx(1), false); }
  }
  document.getElementById("zoom-in").addEventListener("click", function () {
    zoom(scale * 1.25, false);
  });
  document.getElementById("zoom-out").addEventListener("click", function () {
    zoom(scale / 1.25, false);
  });
  fitButton.addEventListener("click", function () { zoom(1, true); });
  document.getElementById("actual").addEventListener("click", function () { zoom(1, false); });
  window.addEventListener("resize", function () { if (fitting) { zoom(1, true); } });

  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    frames.forEach(function (f, j) { f.hidden = j !== current; });
    slider.value = String(current);
    counter.textContent = "frame " + current + " of " + (frames.length - 1);
    follow();
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.innerHTML = "&#x25B6; play";
  }
  function start() {
    if (current >= frames.length - 1) { show(0); }
    play.innerHTML = "&#x25A0; pause";
    timer = setInterval(function () {
      if (current >= frames.length - 1) { pause(); } else { show(current + 1); }
    }, 1400);
  }
  function on(id, go) {
    document.getElementById(id).addEventListener("click", function () { pause(); show(go()); });
  }
  function toggle() { if (timer === null) { start(); } else { pause(); } }
  play.addEventListener("click", toggle);
  on("next", function () { return current + 1; });
  on("back", function () { return current - 1; });
  on("first", function () { return 0; });
  on("last", function () { return frames.length - 1; });
  slider.addEventListener("input", function () { pause(); show(Number(slider.value)); });
  var keys = {
    ArrowRight: function () { return current + 1; },
    ArrowLeft: function () { return current - 1; },
    Home: function () { return 0; },
    End: function () { return frames.length - 1; }
  };
  var zoomKeys = {
    "+": function () { zoom(scale * 1.25, false); },
    "=": function () { zoom(scale * 1.25, false); },
    "-": function () { zoom(scale / 1.25, false); },
    "0": function () { zoom(1, true); },
    "1": function () { zoom(1, false); }
  };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }  // leave the browser's own zoom alone
    if (e.key === " ") { e.preventDefault(); toggle(); }
    else if (keys[e.key]) { pause(); show(keys[e.key]()); }
    else if (zoomKeys[e.key]) { zoomKeys[e.key](); }
  });
  show(0);
  startingZoom();
}());
</script>
</body>
</html>
"""
