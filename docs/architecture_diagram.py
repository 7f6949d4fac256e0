"""Draw docs/architecture.png: how data flows through autograd_lite (see ARCHITECTURE.md).

Run from the repository root: ``python docs/architecture_diagram.py``. The
picture is laid out and rendered by the project's own renderer
(``visualize.renderer.render``), so it needs no system Graphviz.
"""

from __future__ import annotations

import sys
from pathlib import Path

from visualize.diagram import Diagram
from visualize.renderer import render

#: (node id, label, fill colour): the boxes, grouped by what they are
_DATA = "#deebf7"  # what flows
_CODE = "#f0f0f0"  # what acts on it
_TABLE = "#fdd0a2"  # the one table of math

NODES = [
    ("table", "ops.PRIMITIVES\none row per operation:\nforward, rule, templates, layout", _TABLE),
    ("model", "nn.Module\nmodel.call_batch(xs)", _CODE),
    ("value", "Value graph\n(engine: apply a row)", _DATA),
    ("order", "topological_order\n(the one flattening)", _CODE),
    ("backward", "backward() / grad()\n(engine.backward_replay)", _CODE),
    ("tape", "compile: Tape\n(python or numpy code)", _CODE),
    ("grads", ".grad on each\nparameter", _DATA),
    ("optim", "optim: Optimizer.step()\n(rules: pure updates)", _CODE),
    ("diagram", "visualize: draw_graph,\ndraw_model -> render", _CODE),
    ("picture", "SVG / PNG /\nHTML animation", _DATA),
]

EDGES = [
    ("model", "value", "forward pass"),
    ("table", "value", ""),
    ("value", "order", ""),
    ("order", "backward", ""),
    ("order", "tape", "fit(compile=...)"),
    ("table", "tape", ""),
    ("backward", "grads", ""),
    ("tape", "grads", ""),
    ("grads", "optim", ""),
    ("optim", "model", "new weights"),  # drawn back, not laid out (constraint off)
    ("order", "diagram", ""),
    ("diagram", "picture", ""),
]


def diagram() -> Diagram:
    """The data-flow diagram as a ``visualize.diagram.Diagram``."""
    d = Diagram(name="architecture")
    d.attr(rankdir="TB", nodesep="0.35", ranksep="0.4", fontname="Helvetica")
    d.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="11")
    d.attr("edge", fontname="Helvetica", fontsize="9", color="#555555")
    for name, label, fill in NODES:
        d.node(name, label, fillcolor=fill)
    for tail, head, label in EDGES:
        back = (tail, head) == ("optim", "model")
        d.edge(
            tail, head, label=label, **({"constraint": "false", "style": "dashed"} if back else {})
        )
    with d.subgraph() as first:  # the two things a user starts from, side by side
        first.attr(rank="same")
        first.node("table")
        first.node("model")
    return d


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).with_name("architecture.png")
    print(f"wrote {render(diagram(), out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
