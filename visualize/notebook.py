"""Jupyter display of a ``Value``: its graph as SVG when small, else just its repr.

``Value._repr_mimebundle_`` calls ``mimebundle``. Display must be cheap and
must never fail, so graphs above ``INLINE_LIMIT`` values, a missing layout
program or any drawing error all fall back to the plain-text repr.

>>> from autograd_lite import Value
>>> sorted(mimebundle(Value(1.0)))[-1]
'text/plain'
"""

from __future__ import annotations

from autograd_lite import Value
from visualize.graph import draw_graph
from visualize.renderer import pipe

__all__ = ["INLINE_LIMIT", "mimebundle"]

#: Values with more nodes than this show as text in Jupyter (draw_graph them explicitly).
INLINE_LIMIT = 60


def mimebundle(value: Value) -> dict[str, str]:
    """``{"text/plain": repr}``, plus ``"image/svg+xml"`` for a small graph."""
    bundle = {"text/plain": repr(value)}
    try:
        svg = pipe(draw_graph(value, max_nodes=INLINE_LIMIT), "svg")
        bundle["image/svg+xml"] = svg.decode("utf-8")
    except Exception:  # a display hook must never raise: text/plain is enough
        pass
    return bundle
