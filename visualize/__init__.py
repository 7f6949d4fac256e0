"""Pictures of backpropagation: computation graphs, gradient flow, networks, animations.

``draw_graph`` returns a ``graphviz.Digraph`` (Jupyter shows it inline);
``render`` writes it to ``.svg``, ``.png`` or ``.dot`` without needing a
system Graphviz; ``draw_model`` draws a network layer by layer;
``animate_backward`` writes a self-contained HTML page that steps through
the backward pass. ``autograd-lite graph EXPR`` does the same from a shell.

>>> from autograd_lite import Value
>>> import visualize
>>> x = Value(2.0, label="x")
>>> dot = visualize.draw_graph(x * x + x, backward_view=True)
>>> "grad = 1.0000 + 2.0000 + 2.0000 = 5.0000" in dot.source  # d(x*x + x)/dx = x + x + 1
True
"""

from visualize import notebook  # noqa: F401  (importing it registers Jupyter display)
from visualize.animate import animate_backward
from visualize.graph import GraphTooLargeError, backward_steps, draw_graph
from visualize.model import draw_model
from visualize.renderer import RendererNotFoundError, render

__all__ = [
    "GraphTooLargeError",
    "RendererNotFoundError",
    "animate_backward",
    "backward_steps",
    "draw_graph",
    "draw_model",
    "render",
]
