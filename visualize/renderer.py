"""``render``: write a graph to ``.svg``, ``.png`` or ``.dot``, with or without system Graphviz.

The layout program is the system ``dot`` when it is on ``PATH``, else the
``graphviz-pure`` command (a pip-installable port of Graphviz's dot with
the same flags, installed with autograd_lite), looked for on ``PATH`` and
next to the running Python. Writing ``.dot`` needs neither.

>>> from autograd_lite import Value
>>> import os, tempfile
>>> x = Value(2.0, label="x")
>>> path = render(x * x, os.path.join(tempfile.mkdtemp(), "square.dot"))
>>> path.read_text().startswith("digraph")
True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from autograd_lite import Value

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

__all__ = ["RendererNotFoundError", "find_renderer", "format_of", "pipe", "render"]

_FORMATS = {".svg": "svg", ".png": "png"}
_TIMEOUT_S = 120.0
#: PNG resolution: sharp on high-density screens and in READMEs.
PNG_DPI = 144


class RendererNotFoundError(RuntimeError):
    """Neither ``dot`` nor ``graphviz-pure`` can be found; the message says what to install."""


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


def pipe(dot: graphviz.Digraph, fmt: str) -> bytes:
    """``dot`` laid out and rendered as ``fmt`` (``"svg"`` or ``"png"``) bytes."""
    if fmt not in _FORMATS.values():
        raise ValueError(f"format must be svg or png, got {fmt!r}")
    command = [find_renderer(), f"-T{fmt}"]
    if fmt == "png":
        command.append(f"-Gdpi={PNG_DPI}")
    try:
        done = subprocess.run(
            command, input=dot.source.encode(), capture_output=True, timeout=_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            f"{Path(command[0]).name} took more than {_TIMEOUT_S:.0f} s to lay out the graph; "
            "draw a smaller graph"
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(
            f"{Path(command[0]).name} failed (exit {done.returncode}): "
            + (message[-1] if message else "no message")
        )
    output: bytes = done.stdout
    return output


def render(value_or_digraph: Value | graphviz.Digraph, path: str | os.PathLike[str]) -> Path:
    """Write a graph to ``path``; its suffix (.svg, .png, .dot or .gv) picks the format.

    A ``Value`` is drawn with ``draw_graph`` first (forward view, default
    options); pass a ``Digraph`` from ``draw_graph`` / ``draw_model`` to
    choose options. Returns the path written.
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
        out.write_bytes(pipe(dot, fmt))
    return out


def format_of(path: str | os.PathLike[str]) -> str:
    """``"svg"``, ``"png"`` or ``"dot"`` from the file's suffix, or a ``ValueError``."""
    suffix = Path(path).suffix.lower()
    if suffix in (".dot", ".gv"):
        return "dot"
    if suffix in _FORMATS:
        return _FORMATS[suffix]
    name = Path(path).name
    raise ValueError(f"cannot tell the format from {name!r}: use .svg, .png, .dot or .gv")
