"""Regenerate the pictures in ``docs/`` that the README shows.

Run ``python -m tools.make_pictures`` from the repository root (or pass
``--out DIR``). Writes ``graph.png`` (forward view of ``tanh(x*w + b)``),
``backward_view.png`` (its backward view), ``two_paths.png`` (``x*y + x``:
the sum over paths), ``network.png`` (an MLP after one backward pass),
``backward.html`` (the animation) and ``animation.png`` (a screenshot of it,
when headless Chromium is available).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from autograd_lite import Value
from tools.browser import BrowserUnavailableError, screenshot_frame
from visualize.animate import animate_backward
from visualize.graph import draw_graph
from visualize.model import draw_model
from visualize.renderer import render

#: The animation frame shown in the README: x has one of its two contributions.
SCREENSHOT_FRAME = 1


def neuron() -> tuple[Value, list[Value]]:
    """``o = tanh(x*w + b)``, one neuron, with every node named."""
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.8813735870, label="b")
    xw = x * w
    xw.label = "xw"
    n = xw + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [w, b]


def two_paths() -> Value:
    """``z = x*y + x``: x reaches z along two paths."""
    x = Value(2.0, label="x")
    y = Value(3.0, label="y")
    xy = x * y
    xy.label = "xy"
    z = xy + x
    z.label = "z"
    return z


def network_after_one_step() -> object:
    from autograd_lite.nn import MLP

    model = MLP(3, [4, 4, 1], activation="tanh", seed=1)
    y = model([0.5, -1.0, 2.0])
    assert isinstance(y, Value)  # one output unit
    ((y - 1.0) ** 2).backward()  # squared error against the target 1
    return model


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", default="docs", help="directory to write into (default docs)")
    out = Path(parser.parse_args(argv).out)
    out.mkdir(parents=True, exist_ok=True)

    o, params = neuron()
    o.backward()
    written = [
        render(draw_graph(o, params=params), out / "graph.png"),
        render(draw_graph(o, params=params, backward_view=True), out / "backward_view.png"),
        render(draw_graph(two_paths(), backward_view=True), out / "two_paths.png"),
        render(draw_model(network_after_one_step()), out / "network.png"),
        animate_backward(two_paths(), out / "backward.html"),
    ]
    try:
        written.append(screenshot_frame(written[-1], out / "animation.png", SCREENSHOT_FRAME))
    except BrowserUnavailableError as error:
        print(f"skipped animation.png: {error}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
