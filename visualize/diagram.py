"""``Diagram``: the ``graphviz.Digraph`` that ``draw_graph`` and ``draw_model`` return.

It is a plain ``Digraph`` (``.source`` and the rest as usual) except where the
graphviz package would call the system ``dot``, which a pip-only install
lacks: Jupyter display, ``.render()``, ``.view()`` and ``.pipe()`` lay out
with ``visualize.renderer`` instead (``dot`` if present, else
``graphviz-pure``), in SVG (the default) or PNG. ``.render()`` writes the
picture only, never the DOT source beside it, and writes nothing when the
layout fails; Jupyter's picture is scaled to the output cell's width
(``visualize.notebook.fit_to_width``).

>>> d = Diagram(name="g")
>>> d.edge("a", "b")
>>> d._repr_mimebundle_(include=[])
{}
>>> d.format
'svg'
"""

from __future__ import annotations

import os
import reprlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz  # type: ignore[import-untyped]

from visualize.notebook import fit_to_width
from visualize.renderer import DEFAULT_TIMEOUT_S, pipe

__all__ = ["Diagram"]

_SVG = "image/svg+xml"
#: The formats that ``.render()``, ``.view()`` and ``.pipe()`` can write without system Graphviz.
FORMATS = ("svg", "png")


def _check_format(fmt: object) -> str:
    if fmt not in FORMATS:
        raise ValueError(
            f"format must be {' or '.join(FORMATS)}, got {reprlib.repr(fmt)}; "
            "for the DOT text use .source or .save()"
        )
    return str(fmt)


class Diagram(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that draws itself without system Graphviz."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "svg")  # graphviz's default, PDF, needs system Graphviz
        super().__init__(*args, **kwargs)

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

    def pipe(self, format: str | None = None, *, timeout: float = DEFAULT_TIMEOUT_S) -> bytes:
        """The picture as bytes, in ``format`` (``"svg"``, the default, or ``"png"``)."""
        return pipe(self, _check_format(format or self.format), timeout=timeout)

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        *,
        outfile: str | os.PathLike[str] | None = None,
        quiet_view: bool = False,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> str:
        """Write the picture, open it with ``view=True``, and return its path.

        Files are named as the graphviz package names them: ``render()``
        writes ``autograd_lite.gv.svg`` (the diagram's ``filename`` plus the
        format) in ``directory`` (default: the current folder), and
        ``render(outfile="graph.png")`` writes ``graph.png``. Only the picture
        is written, never the DOT source beside it (so ``cleanup`` has nothing
        to remove), and nothing at all if the layout fails; missing folders
        are made.
        """
        if outfile is not None:
            out = Path(outfile)
            fmt = _check_format(format or out.suffix.lstrip(".").lower())
            if out.suffix.lower() != f".{fmt}":
                raise ValueError(f"outfile {reprlib.repr(out.name)} does not end in .{fmt}")
        else:
            fmt = _check_format(format or self.format)
            folder = Path(directory if directory is not None else self.directory or ".")
            out = folder / f"{filename if filename is not None else self.filename}.{fmt}"
        picture = pipe(self, fmt, timeout=timeout)  # first: nothing is written if it fails
        out.parent.mkdir(parents=True, exist_ok=True)  # as the graphviz package does
        out.write_bytes(picture)
        path = str(out)
        if view:
            graphviz.view(path, quiet=quiet_view)
        return path

    def view(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        cleanup: bool = False,
        quiet: bool = False,
        quiet_view: bool = False,
    ) -> str:
        """Write the picture as ``render()`` does and open it in the system's viewer."""
        return self.render(filename, directory, view=True, quiet_view=quiet_view)
