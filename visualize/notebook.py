"""Jupyter display of a ``Value``: its graph as SVG when small, else just its repr.

Importing ``visualize`` (any of its modules) registers ``mimebundle`` with the
engine (``autograd_lite.engine.set_display``), and ``Value._repr_mimebundle_``
calls it; before that, Jupyter shows a Value's repr (the engine never imports
``visualize``: the arrow runs from here to the engine only). Display must be cheap and
must never fail, so graphs above ``INLINE_LIMIT`` values, a missing layout
program or any drawing error all fall back to the plain-text repr.

Every SVG shown in a notebook (here and in ``Diagram``, what ``draw_graph``
and ``draw_model`` return) goes through ``fit_to_width``: a drawing wider
than the output cell, such as a backward view, shrinks to the cell's width
instead of spilling past it; a narrower one keeps its own size.

>>> from autograd_lite import Value
>>> sorted(mimebundle(Value(1.0)))[-1]
'text/plain'
>>> fit_to_width('<svg width="900pt" height="90pt" viewBox="0 0 900 90"></svg>')
'<svg style="max-width: 100%; height: auto" width="900pt" height="90pt" viewBox="0 0 900 90"></svg>'
"""

from __future__ import annotations

import re

from autograd_lite.engine import Value, set_display
from visualize.graph import draw_graph
from visualize.renderer import pipe

__all__ = ["INLINE_LIMIT", "fit_to_width", "mimebundle"]

#: Values with more nodes than this show as text in Jupyter (draw_graph them explicitly).
INLINE_LIMIT = 60


_SVG_TAG = re.compile(r"<svg(?=[\s>])")


def fit_to_width(svg: str) -> str:
    """``svg`` with its outer ``<svg>`` element styled to shrink to its container's width.

    The width and height stay (an ``<img>`` of the SVG keeps its own size and
    the notebook's image styles still apply); the style caps the width at
    100% of the cell and lets the height follow the ``viewBox``'s proportions.
    """
    return _SVG_TAG.sub('<svg style="max-width: 100%; height: auto"', svg, count=1)


def mimebundle(value: Value) -> dict[str, str]:
    """``{"text/plain": repr}``, plus ``"image/svg+xml"`` for a small graph."""
    bundle = {"text/plain": repr(value)}
    try:
        svg = pipe(draw_graph(value, max_nodes=INLINE_LIMIT), "svg")
        bundle["image/svg+xml"] = fit_to_width(svg.decode("utf-8"))
    except Exception:  # a display hook must never raise: text/plain is enough
        pass
    return bundle


set_display(mimebundle)
