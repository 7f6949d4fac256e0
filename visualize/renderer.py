"""``render``: write a graph to ``.svg``, ``.png`` or ``.dot``, with or without system Graphviz.

The layout program is the system ``dot`` when it is on ``PATH``, else the
``graphviz-pure`` command (a pip-installable port of Graphviz's dot with
the same flags, installed with autograd_lite), looked for on ``PATH`` and
next to the running Python. Writing ``.dot`` needs neither.

>>> from autograd_lite import Value, i18n
>>> import os, tempfile
>>> x = Value(2.0, label="x")
>>> path = render(x * x, os.path.join(tempfile.mkdtemp(), "square.dot"))
>>> path.read_text().startswith("digraph")
True
"""

from __future__ import annotations

import math
import os
import re
import reprlib
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from autograd_lite import i18n
from autograd_lite.engine import Value

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "MAX_PNG_PIXELS",
    "LayoutTimeoutError",
    "RendererNotFoundError",
    "find_renderer",
    "format_of",
    "pipe",
    "render",
]

_FORMATS = {".svg": "svg", ".png": "png"}
#: Seconds that ``pipe`` and ``render`` allow the layout program unless told otherwise.
DEFAULT_TIMEOUT_S = 120.0
#: PNG resolution: sharp on high-density screens and in READMEs.
PNG_DPI = 144
#: Most pixels in a PNG. The layout program holds about 10 bytes per pixel while it draws, so
#: a large graph at PNG_DPI would need gigabytes; it is drawn at a lower resolution instead.
MAX_PNG_PIXELS = 16_000_000
#: Below this resolution the text is unreadable: such a graph is refused as a PNG (use SVG).
MIN_PNG_DPI = 24
_MARGIN_PT = 8.0  # dot pads the drawing by 4 points on each side
_BB = re.compile(rb'\bbb="([-+.\deE]+),([-+.\deE]+),([-+.\deE]+),([-+.\deE]+)"')


class RendererNotFoundError(RuntimeError):
    """Neither ``dot`` nor ``graphviz-pure`` can be found; the message says what to install."""


class LayoutTimeoutError(RuntimeError):
    """The layout program did not finish in the time allowed; it has been stopped."""


def find_renderer() -> str:
    """The path of the layout program: system ``dot``, else ``graphviz-pure``."""
    found = shutil.which("dot") or shutil.which("graphviz-pure")
    if found:
        return found
    # A virtual environment that is not activated keeps its scripts beside its python.
    beside = Path(sys.executable).parent / "graphviz-pure"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    raise RendererNotFoundError(
        "no Graphviz layout program found: install the graphviz-pure package "
        "(pip install graphviz-pure) or system Graphviz (apt install graphviz, "
        "brew install graphviz); writing a .dot file needs neither"
    )


def check_timeout(timeout: object) -> float:
    """``timeout`` as seconds (a positive, finite number), or a ``TypeError`` / ``ValueError``."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(
            f"timeout must be a positive, finite number of seconds, got {reprlib.repr(timeout)}"
        )
    return float(timeout)


def pipe(dot: graphviz.Digraph, fmt: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> bytes:
    """``dot`` laid out and rendered as ``fmt`` (``"svg"`` or ``"png"``) bytes.

    The layout program gets ``timeout`` seconds in all, else ``LayoutTimeoutError``.
    A PNG is drawn at ``PNG_DPI``, or lower so that it has at most ``MAX_PNG_PIXELS``
    pixels; a graph that would need less than ``MIN_PNG_DPI`` is refused (``ValueError``).
    """
    if fmt not in _FORMATS.values():
        raise ValueError(f"format must be svg or png, got {reprlib.repr(fmt)}")
    budget = check_timeout(timeout)
    deadline = time.monotonic() + budget
    source = dot.source.encode()
    options = [f"-T{fmt}"]
    if fmt == "png":  # lay out first to learn the size, then draw at a resolution that fits
        options.append(f"-Gdpi={png_dpi(_run(source, ['-Tdot'], deadline, budget))}")
    return _run(source, options, deadline, budget)


def _run(source: bytes, options: list[str], deadline: float, budget: float) -> bytes:
    """The layout program's output for ``source``, or a one-line error."""
    command = [find_renderer(), *options]
    program = Path(command[0]).name
    try:
        left = deadline - time.monotonic()
        if left <= 0.0:
            raise subprocess.TimeoutExpired(command, budget)
        env = i18n.layout_environment() if program == "dot" else None  # the [ja] font
        done = subprocess.run(command, input=source, capture_output=True, timeout=left, env=env)
    except subprocess.TimeoutExpired:
        raise LayoutTimeoutError(
            f"{program} took more than {budget:.3g} s to lay out the graph; draw a smaller graph "
            "or allow more time"
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(
            f"{program} failed (exit {done.returncode}): "
            + (message[-1] if message else "no message")
        )
    output: bytes = done.stdout
    return output


def png_dpi(laid_out: bytes) -> int:
    """The resolution for a PNG of a graph laid out as ``laid_out`` (``dot -Tdot`` output)."""
    found = _BB.search(laid_out)
    if found is None:
        raise RuntimeError("the layout program did not say how large the graph is")
    x0, y0, x1, y1 = (float(g) for g in found.groups())
    inches = (x1 - x0 + _MARGIN_PT) / 72.0, (y1 - y0 + _MARGIN_PT) / 72.0
    fits = math.sqrt(MAX_PNG_PIXELS / (inches[0] * inches[1]))
    if fits < MIN_PNG_DPI:
        raise ValueError(
            f"the graph is {inches[0]:.0f} x {inches[1]:.0f} inches: as a PNG of at most "
            f"{MAX_PNG_PIXELS:,} pixels its text would be unreadable; write .svg instead"
        )
    return min(PNG_DPI, math.floor(fits))


def render(
    value_or_digraph: Value | graphviz.Digraph,
    path: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Path:
    """Write a graph to ``path``; its suffix (.svg, .png, .dot or .gv) picks the format.

    A ``Value`` is drawn with ``draw_graph`` first (forward view, default
    options); pass a ``Digraph`` from ``draw_graph`` / ``draw_model`` to
    choose options. ``timeout`` and the size of a PNG are as in ``pipe``.
    Returns the path written.
    """
    import graphviz  # imported when drawing, so that the CLI starts fast

    if isinstance(value_or_digraph, Value):
        from visualize.graph import draw_graph

        dot = draw_graph(value_or_digraph)
    elif isinstance(value_or_digraph, graphviz.Digraph):
        dot = value_or_digraph
    else:
        raise TypeError(
            f"render() takes a Value or a graphviz.Digraph, got {type(value_or_digraph).__name__}"
        )
    out = Path(path)
    fmt = format_of(out)
    if fmt == "dot":
        out.write_text(dot.source, encoding="utf-8")
    else:
        out.write_bytes(pipe(dot, fmt, timeout=timeout))
    return out


def format_of(path: str | os.PathLike[str]) -> str:
    """``"svg"``, ``"png"`` or ``"dot"`` from the file's suffix, or a ``ValueError``."""
    suffix = Path(path).suffix.lower()
    if suffix in (".dot", ".gv"):
        return "dot"
    if suffix in _FORMATS:
        return _FORMATS[suffix]
    name = Path(path).name
    raise ValueError(
        f"cannot tell the format from {reprlib.repr(name)}: use .svg, .png, .dot or .gv"
    )
