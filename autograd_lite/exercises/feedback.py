"""A failing case as a diagram: the learner's wrong node (or edge's end) drawn in red.

The checker describes the case as data (``Failure.graph``: nodes with labels
made by the checker from numbers and operation symbols, and edges); this
module turns it into a ``visualize`` ``Diagram`` and writes it beside the
learner's work, as SVG where a layout program is found, else as DOT text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from visualize.diagram import Diagram

WRONG, RIGHT = "#d62728", "#333333"


def diagram(graph: dict[str, Any], title: str) -> Diagram:
    """The case's graph, inputs left of outputs, the wrong nodes red and bold."""
    dot = Diagram(graph_attr={"rankdir": "LR", "label": title, "labelloc": "t"})
    for node in graph["nodes"]:
        wrong = bool(node["wrong"])
        dot.node(
            f"n{int(node['id'])}",
            str(node["label"]),
            shape="box",
            color=WRONG if wrong else RIGHT,
            fontcolor=WRONG if wrong else RIGHT,
            penwidth="2.5" if wrong else "1",
        )
    for a, b in graph["edges"]:
        dot.edge(f"n{int(a)}", f"n{int(b)}")
    return dot


def write(graph: dict[str, Any], title: str, path: Path) -> Path:
    """Write the diagram to ``path`` (.svg), or next to it as .dot if nothing can lay it out."""
    from visualize.renderer import LayoutTimeoutError, RendererNotFoundError, render

    path.parent.mkdir(parents=True, exist_ok=True)
    dot = diagram(graph, title)
    try:
        return render(dot, path)
    except (RendererNotFoundError, LayoutTimeoutError, OSError):
        return render(dot, path.with_suffix(".dot"))
