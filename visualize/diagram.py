"""``Diagram``: the ``graphviz.Digraph`` that ``draw_graph`` and ``draw_model`` return.

It is a plain ``Digraph`` (``.source``, ``.render()``, ``.pipe()`` as usual)
except for Jupyter display: the graphviz package lays out with the system
``dot``, which a pip-only install lacks, so ``Diagram`` is laid out by
``visualize.renderer`` instead (``dot`` if present, else ``graphviz-pure``),
and scaled to the output cell's width (``visualize.notebook.fit_to_width``).

>>> d = Diagram(name="g")
>>> d.edge("a", "b")
>>> d._repr_mimebundle_(include=[])
{}
"""

from __future__ import annotations

from collections.abc import Iterable

import graphviz  # type: ignore[import-untyped]

from visualize.notebook import fit_to_width
from visualize.renderer import pipe

__all__ = ["Diagram"]

_SVG = "image/svg+xml"


class Diagram(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that Jupyter shows inline without system Graphviz."""

    def _repr_mimebundle_(
        self,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        **_: object,
    ) -> dict[str, str]:
        wanted = set(include) if include is not None else {_SVG}
        if _SVG not in wanted - set(exclude or ()):
            return {}
        return {_SVG: fit_to_width(pipe(self, "svg").decode("utf-8"))}
