"""The playground benchmark: the built page in headless Chromium, cold, from a local server.

    python benchmarks/bench_playground.py                 # builds the page first (~1 minute)
    python benchmarks/bench_playground.py --site DIR      # a page built before

1. Opening the page in a fresh browser profile (nothing cached): the time until
   the first backward view is drawn (``data-ready``), and where it goes:
   Pyodide's start (the WebAssembly runtime and the standard library, or the
   restore of the build's memory snapshot, which has our modules imported), our
   wheels, importing autograd_lite, and the first view (Python, then layout).
2. Edit to redraw: a variable's field changes, and the page recomputes the
   value, the gradients and the backward view and lays it out, for graphs of
   about 5 to 40 values (median of several edits each); the same Python work
   in this process's CPython is the peer, so the ratio shows what Pyodide costs.
3. Training the demo network (2-16-16-1, 100 points, compiled with the python
   backend) in the page: steps per second with the views redrawing as it
   trains, and steps per second of the training alone; the same Trainer in
   this process is the peer.

``--cold A B ...`` compares cold starts only: rounds of a bare page that only
starts Pyodide (the floor: what is Pyodide's, not ours) and then each built
page given, alternately, each in a fresh browser, so that a loaded shared
machine weighs on all of them alike; ratios are to the bare page of the same round.

``--edits A B ...`` compares the edit-to-redraw times (part 2) of built pages the
same way: rounds of each page in turn, in one browser each, the median of the
rounds; ratios are to the first page given.

Goals (issue 19): first view within 6 s, redraw within 150 ms up to 40
values, at least 20 training steps per second. Exit status 0 whatever the
figures: on a shared machine they say how loaded it was as much as anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.browser import headless_chromium, why_unavailable  # noqa: E402
from tools.build_playground import OWN_ORIGIN_ONLY, build, serve, wait_for, wait_ready  # noqa: E402
from visualize.expr import variable_names  # noqa: E402
from visualize.playground import Playground, State, Trainer  # noqa: E402

#: Expressions of growing size: tanh of k products, 6 to 40 values (at most 8 weights, so
#: that the page's limit of 12 variables holds).
SIZES = (1, 2, 4, 8, 14)


def expression(k: int) -> tuple[str, dict[str, float]]:
    terms = " + ".join(f"w{i % 8}*x{i % 2}" for i in range(k))
    values = {f"w{i}": 0.1 * (i + 1) for i in range(min(k, 8))} | {"x0": 0.5, "x1": -1.5}
    return f"tanh({terms} + b)", values | {"b": 0.2}


def values_in(text: str, values: dict[str, float]) -> int:
    pg = Playground()
    pg.update({"expr": text, "values": values})
    graph = pg.graphs["main"].frames
    return len(graph.analysis.order) if graph is not None else 0


REDRAW = """
var done = arguments[arguments.length - 1];
var field = document.getElementById(arguments[0]);
var started = performance.now();
field.value = arguments[1];
field.dispatchEvent(new Event('input', {bubbles: true}));
(function wait() {
  if (document.body.dataset.busy === undefined) {
    requestAnimationFrame(function () { done(performance.now() - started); });
  } else { setTimeout(wait, 1); }
}());
"""


STEP = "return document.getElementById('train-status').dataset.step"


def set_expression(driver: Any, text: str, values: dict[str, float]) -> None:
    driver.execute_script(
        "var e = document.getElementById('expr'); e.value = arguments[0];"
        "e.dispatchEvent(new Event('input'));",
        text,
    )
    wait_for(driver, "return document.body.dataset.busy === undefined", 120, "the expression")
    for name in variable_names(text):
        driver.execute_async_script(REDRAW, f"var-{name}", repr(values[name]))


def native_redraw_ms(text: str, values: dict[str, float], repeats: int) -> float:
    pg = Playground()
    pg.update({"expr": text, "values": values})
    times = []
    for r in range(repeats):
        started = time.perf_counter()
        shown = pg.update({"expr": text, "values": values | {"b": 0.2 + 0.01 * r}})
        pg.frame("main", shown["frames"] - 1)
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


def native_steps_per_s(seconds: float) -> float:
    trainer = Trainer(State())
    trainer.step(1)
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < seconds:
        trainer.step(1)
        n += 1
    return n / (time.perf_counter() - started)


#: A page that only starts Pyodide from the built site's own copy: the floor of a cold start.
BARE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>bare</title></head>
<body><p id="error"></p><script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
const t0 = performance.now();
const py = await loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href });
py.runPython("1 + 1");
window.playgroundTimings = { readyAt: performance.now(), pyodideAlone: performance.now() - t0 };
document.body.dataset.ready = "1";
</script></body></html>
"""
BARE_NAME = "bench-bare-pyodide.html"


def cold_start(site: Path, page: str) -> tuple[float, dict[str, float]]:
    """Open ``page`` of ``site`` in a fresh browser: wall seconds to ``data-ready``, timings."""
    with serve(site) as url, headless_chromium(1280, 900, flags=[OWN_ORIGIN_ONLY]) as driver:
        started = time.perf_counter()
        driver.get(url.replace("index.html", page))
        wait_ready(driver)
        wall = time.perf_counter() - started
        timings: dict[str, float] = driver.execute_script("return window.playgroundTimings")
    return wall, timings


def compare_cold(sites: list[Path], rounds: int) -> None:
    """Rounds of: the bare Pyodide page, then each site's playground, alternately."""
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    names = ["bare Pyodide"] + [str(s) for s in sites]
    walls: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name, site in zip(names, [sites[0], *sites], strict=True):
            page = "index.html"
            if name == "bare Pyodide":
                (site / BARE_NAME).write_text(BARE_PAGE, encoding="utf-8")
                page = BARE_NAME
            try:
                wall, t = cold_start(site, page)
            finally:
                if page == BARE_NAME:
                    (site / BARE_NAME).unlink()
            walls[name].append(wall)
            parts = "  ".join(
                f"{k} {t[k] / 1e3:.2f}"
                for k in ("pyodideAlone", "wheels", "import", "firstPython", "firstLayout")
                if isinstance(t.get(k), (int, float))
            )
            snap = {True: ", snapshot", False: ", no snapshot"}.get(t.get("snapshot"), "")
            print(f"round {r + 1}  {name}: {wall:6.2f} s wall, ready at {t['readyAt'] / 1e3:.2f} s"
                  f"  ({parts}{snap})")  # fmt: skip
    floor = statistics.median(walls["bare Pyodide"])
    print(f"\nmedian of {rounds} rounds, wall clock from opening the page (load average "
          f"{os.getloadavg()[0]:.1f} at the end):")  # fmt: skip
    for name in names:
        m = statistics.median(walls[name])
        print(f"  {m:6.2f} s  {m / floor:5.2f} x bare  {m - floor:+6.2f} s over bare   {name}")


def edit_times(driver: Any, repeats: int) -> dict[int, dict[str, Any]]:
    """Part 2 in an opened page: per graph size, the medians of ``repeats`` edits of ``b``.

    Per edit: the page's time from the input event until the redrawn view can be
    painted; Python's share (the edit, then the frame's DOT); the drawing's share
    (Graphviz's layout, or writing the new numbers into the drawing shown); and how
    the frame was drawn (pages before the drawings were patched say nothing).
    """
    got: dict[int, dict[str, Any]] = {}
    for k in SIZES:
        text, values = expression(k)
        set_expression(driver, text, values)
        times, python, drawing, how = [], [], [], []
        for r in range(repeats):
            times.append(driver.execute_async_script(REDRAW, "var-b", repr(0.2 + 0.01 * r)))
            t = driver.execute_script("return window.playgroundTimings")
            python.append(t["lastUpdatePython"] + t["lastFramePython"])
            drawing.append(t["lastLayout"])
            how.append(t.get("lastDraw", "layout"))
        got[k] = {
            "values": values_in(text, values),
            "page": statistics.median(times),
            "python": statistics.median(python),
            "drawing": statistics.median(drawing),
            "how": ", ".join(f"{how.count(h)} {h}" for h in dict.fromkeys(how)),
        }
    return got


EDIT_HEAD = (
    "   values   page ms   python ms (in page)   drawing ms{more}   how drawn (of {n} edits)"
)


def edit_row(e: dict[str, Any], more: str = "") -> str:
    return (
        f"   {e['values']:6d}   {e['page']:7.0f}   {e['python']:19.0f}   {e['drawing']:10.0f}"
        f"{more}   {e['how']}"
    )


def compare_edits(sites: list[Path], rounds: int, repeats: int) -> None:
    """Rounds of part 2 on each site in turn, each in a fresh browser: medians and ratios."""
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    runs: dict[Path, list[dict[int, dict[str, Any]]]] = {s: [] for s in sites}
    for r in range(rounds):
        for site in sites:
            with serve(site) as url, headless_chromium(1280, 900, flags=[OWN_ORIGIN_ONLY]) as d:
                d.get(url)
                wait_ready(d)
                runs[site].append(edit_times(d, repeats))
            print(f"\nround {r + 1}  {site}:\n{EDIT_HEAD.format(n=repeats, more='')}")
            for e in runs[site][-1].values():
                print(edit_row(e))
    first = sites[0]
    load = os.getloadavg()[0]
    print(f"\nmedian page ms of {rounds} rounds (load average {load:.1f} at the end):")
    print("   values   " + "   ".join(f"{s!s:>24}" for s in sites))
    for k in SIZES:
        medians = [statistics.median(run[k]["page"] for run in runs[s]) for s in sites]
        base = medians[0]
        cells = [f"{m:8.0f} ms {m / base:5.2f} x" for m in medians]
        print(f"   {runs[first][0][k]['values']:6d}   " + "   ".join(f"{c:>24}" for c in cells))


def run(site: Path, repeats: int, train_s: float) -> None:
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at the start")
    with serve(site) as url, headless_chromium(1280, 900, flags=[OWN_ORIGIN_ONLY]) as driver:
        started = time.perf_counter()
        driver.get(url)
        wait_ready(driver)
        wall = time.perf_counter() - started
        t = driver.execute_script("return window.playgroundTimings")
        print("\n1. cold start, to the first backward view")
        print(f"   wall clock, from opening the page: {wall:6.2f} s   (goal: 6 s)")
        print(f"   in the page: {t['readyAt'] / 1e3:6.2f} s from navigation, of which")
        restored = "restored from the build's snapshot" if t.get("snapshot") else "no snapshot"
        print(f"     (Python: {restored})")
        print(f"     loading the page and its script:             {t['scriptStart'] / 1e3:6.2f} s")
        print(f"     Pyodide start (runtime + stdlib):            {t['pyodideAlone'] / 1e3:6.2f} s")
        print(f"       (viz-js, at the same time:                 {t['viz'] / 1e3:6.2f} s)")
        print(f"     our wheels (fetch + install):                {t['wheels'] / 1e3:6.2f} s")
        print(f"     importing autograd_lite + visualize:         {t['import'] / 1e3:6.2f} s")
        print(f"     first view, Python (value, grads, DOT):      {t['firstPython'] / 1e3:6.2f} s")
        print(f"     first view, layout (viz-js):                 {t['firstLayout'] / 1e3:6.2f} s")

        print(f"\n2. edit to redraw (median of {repeats} edits; goal 150 ms up to 40 values)")
        print(EDIT_HEAD.format(n=repeats, more="   CPython ms   page/CPython"))
        for k, e in edit_times(driver, repeats).items():
            native = native_redraw_ms(*expression(k), repeats)
            print(edit_row(e, f"   {native:10.1f}   {e['page'] / native:12.1f}"))

        print(f"\n3. training the demo network 2-16-16-1 on 100 points for {train_s:g} s")
        driver.execute_script("document.getElementById('tab-train').click()")
        wait_for(driver, "return document.body.dataset.busy === undefined", 120, "training")
        driver.execute_script("document.getElementById('train-play').click()")
        time.sleep(1.0)  # the first calls size the batches of steps
        step0 = int(driver.execute_script(STEP))
        started = time.perf_counter()
        time.sleep(train_s)
        step1 = int(driver.execute_script(STEP))
        elapsed = time.perf_counter() - started
        driver.execute_script("document.getElementById('train-play').click()")
        status = driver.execute_script("return document.getElementById('train-status').textContent")
        t = driver.execute_script("return window.playgroundTimings")
        page_rate = (step1 - step0) / elapsed
        native = native_steps_per_s(min(train_s, 5.0))
        print(f"   in the page, views redrawing: {page_rate:6.1f} steps/s   (goal: 20)")
        print(f"   the page's own count, training alone: {status.rsplit(',', 1)[-1].strip()}")
        print(f"   network view layout: {t['networkLayout']:.0f} ms per redraw")
        print(f"   CPython in this process, training alone: {native:6.1f} steps/s")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--site", type=Path, help="a playground built before (default: build it)")
    parser.add_argument("--repeats", type=int, default=7, help="edits per graph size")
    parser.add_argument("--train-seconds", type=float, default=10.0)
    parser.add_argument(
        "--cold", type=Path, nargs="+", metavar="SITE",
        help="compare only the cold starts of these built pages, and a bare Pyodide page",
    )  # fmt: skip
    parser.add_argument(
        "--edits", type=Path, nargs="+", metavar="SITE",
        help="compare only the edit-to-redraw times of these built pages",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --cold or --edits")
    args = parser.parse_args()
    reason = why_unavailable()
    if reason is not None:
        print(f"bench_playground needs a headless browser: {reason}", file=sys.stderr)
        return 1
    if args.cold:
        compare_cold(args.cold, args.rounds)
        return 0
    if args.edits:
        compare_edits(args.edits, args.rounds, args.repeats)
        return 0
    if args.site is not None:
        run(args.site, args.repeats, args.train_seconds)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-playground-") as tmp:
        started = time.perf_counter()
        site = build(Path(tmp) / "site")
        print(f"built the page in {time.perf_counter() - started:.0f} s")
        run(site, args.repeats, args.train_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
